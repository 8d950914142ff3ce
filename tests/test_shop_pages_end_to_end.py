"""A shop page watched over HTTP: the real app, the real SDK adapter, a stand-in channel
and a stand-in shop. /api/notify reads every watched page, polls and delivers the card."""

from __future__ import annotations

from pathlib import Path

from bench.shop import StandInShop
from tests.support.channel import StandInChannel
from tests.support.running import running_app
from tests.support.shops import NamesToLoopback, running_shop


async def test_a_pasted_link_gets_a_watch_a_drop_and_its_card(
    tmp_path: Path, channel: StandInChannel
) -> None:
    shop = StandInShop()
    shop.single_offer("/item/kettle")
    env = {
        "ALLOWED_SHOP_HOSTS": "shop-a.test",
        "PUBLIC_URL": "https://bot.example.com",
        "SHOP_MIN_INTERVAL_SECONDS": "1",
    }
    async with (
        running_shop(shop) as running,
        running_app(tmp_path, env=env, shop_resolver=NamesToLoopback()) as app,
    ):
        link = running.url("/item/kettle")
        assert await app.say(channel, "conv-shop", f"watch {link} 20%") in (200, 201)
        assert channel.texts("conv-shop")[-1] == (
            "Done! Acme kettle is €49.99 now; I'll tell you when it is €39.99 or less (a 20% drop)."
        )
        assert shop.visits[-1].headers["User-Agent"] == (
            "PriceWatchBot/1.0 (+https://bot.example.com/bot)"
        )
        async with app.http.get(f"{app.base}/bot") as response:
            assert "User-agent: PriceWatchBot" in await response.text()

        quiet = await app.notify()
        assert quiet["poll"]["pages"]["unchanged"] == 1 and quiet["poll"]["alerts"] == 0

        shop.set_price("/item/kettle", "34.99")
        before = len(channel.posted)
        report = await app.notify()
    assert report["poll"]["pages"]["read"] == 1 and report["poll"]["alerts"] == 1
    [alert] = channel.posted[before:]
    assert "Acme kettle" in alert.text and "€34.99" in alert.text
    card = alert.activity["attachments"][0]["content"]
    assert card["body"][1]["text"] == "€49.99 → €34.99"
    assert shop.max_in_flight == 1
