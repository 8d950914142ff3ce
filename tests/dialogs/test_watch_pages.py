"""Watching a shop page by chat: the link, the price read from the page, the watch, and
the alert when the shop lowers its price, through the same poll and delivery as the feed."""

from __future__ import annotations

from bench.shop import StandInShop
from dialogs import texts
from domain.pages import is_page_product
from tests.support.chat import Chat, World
from tests.support.shops import running_shop


async def greeted(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    return chat


def kettle_shop() -> StandInShop:
    shop = StandInShop()
    shop.single_offer("/item/kettle")
    return shop


async def test_a_link_with_a_drop_makes_the_watch_at_once(world: World) -> None:
    async with running_shop(kettle_shop()) as running:
        chat = await greeted(world)
        [reply] = await chat.say(f"watch {running.url('/item/kettle')} 20%")
    assert reply == (
        "Done! Acme kettle is €49.99 now; I'll tell you when it is €39.99 or less (a 20% drop)."
    )
    [watch] = await world.watchlist.of("test/convo-1")
    assert is_page_product(watch.product_id)
    assert (watch.product_name, watch.currency) == ("Acme kettle", "EUR")


async def test_the_price_drops_at_the_shop_and_the_alert_arrives(world: World) -> None:
    async with running_shop(kettle_shop()) as running:
        chat = await greeted(world)
        await chat.say(f"watch {running.url('/item/kettle')} below 40")
        await world.poller.tick()
        assert await world.pages.refresh(everything=True) is not None
        assert (await world.poller.tick()).alerts == 0
        assert running.shop.visits_to("/item/kettle")[-1].status == 304, "nothing changed"

        running.shop.set_price("/item/kettle", "37.49")
        await world.pages.refresh(everything=True)
        assert (await world.poller.tick()).alerts == 1
        await world.deliverer(chat).tick()
    [alert] = chat.replies()
    assert "Acme kettle" in alert and "€37.49" in alert


async def test_a_page_watched_by_many_is_fetched_once_per_interval(world: World) -> None:
    async with running_shop(kettle_shop()) as running:
        for n in range(3):
            chat = world.chat(f"convo-{n}", f"user-{n}")
            await chat.say(f"watch {running.url('/item/kettle')} 10%")
        page_visits = len(running.shop.visits_to("/item/kettle"))
        world.clock.advance(2 * 3600)
        report = await world.pages.refresh()
        assert report.unchanged == 1
        assert len(running.shop.visits_to("/item/kettle")) == page_visits + 1
        assert (await world.pages.refresh()).unchanged == 0, "not due again yet"


async def test_two_links_to_one_page_are_one_product(world: World) -> None:
    async with running_shop(kettle_shop()) as running:
        first = world.chat("convo-1", "user-1")
        second = world.chat("convo-2", "user-2")
        await first.say(f"watch {running.url('/item/kettle?utm_source=newsletter')} 20%")
        await second.say(f"watch {running.url('/item/kettle?ref=home')} 10%")
    [a] = await world.watchlist.of("test/convo-1")
    [b] = await world.watchlist.of("test/convo-2")
    assert a.product_id == b.product_id
    page = (await world.store.pages.get([a.product_id]))[a.product_id].page
    assert page.url == running.url("/item/kettle")


async def test_a_link_alone_starts_the_dialog_at_its_drop_question(world: World) -> None:
    async with running_shop() as running:
        chat = await greeted(world)
        [question] = await chat.say(f"watch {running.url('/p/german')}")
        assert question.startswith("Kaffeevollautomat is €1,226.00 now. How big a drop")
        [confirm] = await chat.say("10%")
        assert confirm == (
            "Kaffeevollautomat is €1,226.00 now; I'll tell you when it is €1,103.40 or less"
            " (a 10% drop). Shall I?"
        )
        [done] = await chat.say("yes")
    assert done.startswith("Done! Kaffeevollautomat")


async def test_variants_at_different_prices_ask_which_one(world: World) -> None:
    async with running_shop() as running:
        chat = await greeted(world)
        [question] = await chat.say(f"watch {running.url('/p/variants')} 10%")
        assert question == (
            "Merino sweater comes at 2 different prices on that page. Which one should I watch?"
        )
        buttons = [action.title for action in chat.last_activities(1)[0].suggested_actions.actions]
        assert buttons == ["Merino sweater – S: €59.00", "Merino sweater – XL: €64.00"]
        [confirm] = await chat.say("xl")
        assert confirm.startswith(
            "Merino sweater – XL is €64.00 now; I'll tell you when it is €57.60"
        )
        await chat.say("yes")
    [watch] = await world.watchlist.of("test/convo-1")
    [(_, page)] = [
        (pid, stored.page)
        for pid, stored in (await world.store.pages.get([watch.product_id])).items()
    ]
    assert page.sku == "MS-XL"


async def test_pages_the_bot_cannot_watch_say_why(world: World) -> None:
    async with running_shop(StandInShop(private_target="http://10.0.0.7/")) as running:
        chat = await greeted(world)
        said = {
            path: (await chat.say(f"watch {running.url(path)} 20%"))[0]
            for path in (
                "/p/wall",
                "/p/captcha",
                "/p/nothing",
                "/private/p",
                "/p/to-private",
                "/p/out",
            )
        }
    assert said["/p/wall"].startswith("The shop turned me away")
    assert said["/p/captcha"].startswith("The shop answered with a bot check")
    assert said["/p/nothing"].startswith("I couldn't find a price on that page")
    assert said["/private/p"] == "The shop's robots.txt asks bots not to read that page."
    assert said["/p/to-private"] == (
        "That link leads to a private network address (10.0.0.7), which I never fetch from."
    )
    assert said["/p/out"].startswith("Stand mixer is out of stock at the shop right now")
    assert await world.watchlist.of("test/convo-1") == []


async def test_a_link_to_this_machine_is_refused_before_anything_is_fetched(world: World) -> None:
    chat = await greeted(world)
    [reply] = await chat.say("watch http://127.0.0.1:3978/feed/products 20%")
    assert reply == "I only fetch shop pages on the usual web ports (80 and 443), not 3978."
    [reply] = await chat.say("watch http://localhost/admin 20%")
    assert reply == (
        "That link leads to this machine itself (localhost is 127.0.0.1), which I never fetch from."
    )


async def test_a_blocked_page_is_a_failure_never_out_of_stock(world: World) -> None:
    shop = kettle_shop()
    async with running_shop(shop) as running:
        chat = await greeted(world)
        await chat.say(f"watch {running.url('/item/kettle')} 20%")
        await world.poller.tick()
        del shop.prices["/item/kettle"]  # the page now answers 404
        world.clock.advance(2 * 3600)
        report = await world.pages.refresh()
        assert report.failed == 1
        assert (await world.poller.tick()).alerts == 0
        [listed] = await chat.say("list")
    assert "€49.99" in listed and "unavailable" not in listed, listed


async def test_a_page_failing_for_a_day_is_told_once(world: World) -> None:
    shop = kettle_shop()
    async with running_shop(shop) as running:
        chat = await greeted(world)
        await chat.say(f"watch {running.url('/item/kettle')} 20%")
        await world.poller.tick()
        shop.robots = "User-agent: *\nDisallow: /item/\n"
        world.fetcher._hosts.clear()  # robots.txt read again (a day later, as it would be)
        made = []
        for _ in range(30):  # hourly, for over a day
            world.clock.advance(3600)
            await world.pages.refresh()
            made.append((await world.poller.tick()).alerts)
        assert sum(made) == 1 and made.index(1) == 24, made
        await world.deliverer(chat).tick()
        notices = chat.replies()
        [why] = await chat.say("why kettle")
    assert len(notices) == 1
    assert "the shop has stopped answering me for a day" in notices[0]
    assert "the shop had not answered for a day (the shop's robots.txt asks bots not to" in why
