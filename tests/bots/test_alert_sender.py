"""The alert message as the channel gets it: cards, text fallback, summary, under 40 KB."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, AsyncIterator, Mapping, Sequence

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bots.alert_sender import MAX_ACTIVITY_BYTES, alert_activity, fits, message_bytes
from dialogs.alert_message import alert_message
from dialogs.drop_parts import DropPart, DropParts, drop_part
from domain.alert_facts import AlertFacts, DropNews, LowestPrice
from domain.history import PricePoint
from domain.local_times import LocalTimes
from domain.rules import percent_rule
from tests.dialogs.test_alert_cards import alert
from tests.support.chat import Chat, World, open_world

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
LOW_AT = datetime(2026, 10, 3, tzinfo=timezone.utc)
TIMES = LocalTimes(None, LOW_AT)


def sizes(activity: Activity) -> tuple[int, int]:
    """The serialized activity in UTF-16 bytes: as sent (JSON escapes) and as decoded."""
    payload = activity.serialize()
    wire = json.dumps(payload).encode("utf-16-le")
    decoded = json.dumps(payload, ensure_ascii=False).encode("utf-16-le")
    return len(wire), len(decoded)


def cards_of(activity: Activity) -> list[dict[str, Any]]:
    return [attachment.content for attachment in activity.attachments or []]


def facts(count: int, url: str) -> dict[int, AlertFacts]:
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    return {n: AlertFacts(rule, LowestPrice(Decimal("139.99"), LOW_AT), url) for n in range(count)}


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("Noise-cancelling headphones", "https://charts.example/p-100.png"),
        ("Noise-cancelling headphones " * 40, "https://charts.example/" + "c" * 2000),
        ("Kopfhörer mit Geräuschunterdrückung 🎧 " * 300, "https://charts.example/" + "é" * 2000),
        ("x" * 100_000, "https://charts.example/" + "c" * 100_000),
    ],
    ids=["short", "long", "non-ascii", "huge"],
)
@pytest.mark.parametrize("count", [1, 3, 10, 50])
def test_every_alert_is_in_one_message_under_40_kb(count: int, name: str, url: str) -> None:
    alerts = [alert(id=n, watch_id=n, product_name=f"{n:02d} {name}") for n in range(count)]
    activity = alert_activity(alert_message(alerts, facts(count, url), fits, TIMES))
    assert max(sizes(activity)) < MAX_ACTIVITY_BYTES
    for n in range(count):
        assert f"**{n:02d} " in activity.text, f"alert {n} is in the text fallback"
        if activity.attachments:
            shown = json.dumps(cards_of(activity), ensure_ascii=False)
            assert f"{n:02d} " in shown, f"alert {n} is on a card"
    assert activity.summary and activity.text.count("📉") >= 1


def test_a_few_short_alerts_get_a_card_each_in_a_carousel() -> None:
    alerts = [alert(id=n, watch_id=n, product_name=f"Product {n}") for n in range(3)]
    message = alert_message(alerts, facts(3, "https://charts.example/c.png"), fits, TIMES)
    activity = alert_activity(message)
    assert message.form == "cards" and activity.attachment_layout == "carousel"
    assert [attachment.content_type for attachment in activity.attachments] == [ADAPTIVE] * 3
    assert all(len(card["actions"]) == 3 for card in cards_of(activity))


def test_fifty_alerts_with_charts_still_fit_as_one_compact_card() -> None:
    alerts = [alert(id=n, watch_id=n, product_name=f"Product {n}") for n in range(50)]
    message = alert_message(alerts, facts(50, "https://charts.example/c.png"), fits, TIMES)
    assert message.form == "one card" and len(message.cards) == 1


def test_many_long_cards_lose_charts_first() -> None:
    long = "https://charts.example/" + "c" * 600
    alerts = [alert(id=n, watch_id=n, product_name="Espresso machine " * 10) for n in range(10)]
    message = alert_message(alerts, facts(10, long), fits, TIMES)
    assert message.form == "cards, few charts", message.form
    charted = [card for card in message.cards if any(b["type"] == "Image" for b in card["body"])]
    assert len(charted) == 3


def test_so_many_alerts_that_names_cannot_fit_end_in_and_n_more() -> None:
    alerts = [alert(id=n, watch_id=n, product_name="z" * 50) for n in range(3000)]
    activity = alert_activity(alert_message(alerts, {}, fits, TIMES))
    assert max(sizes(activity)) < MAX_ACTIVITY_BYTES
    assert 'more: say "list" to see your watches.' in activity.text


async def lows_since(product_ids: Sequence[str], since: datetime) -> Mapping[str, PricePoint]:
    assert since.tzinfo is not None
    return {product_id: PricePoint(LOW_AT, Decimal("139.99")) for product_id in product_ids}


async def chart_url(
    product_id: str, currency: str, zone: str | None, not_before: datetime | None
) -> str:
    return f"https://charts.example/{product_id}.png"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    world = await open_world(tmp_path, lows_since=lows_since, chart_url=chart_url)
    try:
        yield world
    finally:
        await world.store.close()


async def watching(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    await chat.say("watch headphones 20%")
    return chat


async def test_an_alert_arrives_as_a_card_with_its_text_fallback(world: World) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    assert (await world.poller.tick()).alerts == 1
    await world.deliverer(chat).tick()
    [activity] = chat.last_activities(1)
    assert activity.text.startswith("📉 Price drop: **Noise-cancelling headphones** is now $149.99")
    assert "down 25.0% ($50.00) from $199.99 (your alert: 20% below $199.99)" in activity.text
    assert activity.summary == "📉 Price drop: Noise-cancelling headphones $149.99, down 25.0%"
    [attachment] = activity.attachments
    assert attachment.content_type == ADAPTIVE and activity.attachment_layout is None
    card = attachment.content
    shown = [block.get("text") or block.get("url") for block in card["body"]]
    assert shown == [
        "Noise-cancelling headphones",
        "$199.99 → $149.99",
        "Down 25.0% ($50.00) from $199.99",
        "Your alert: 20% below $199.99",
        "Lowest in 90 days: $139.99 (Oct 3)",
        "https://charts.example/p-100.png",
    ]
    [watch] = await world.store.watches.for_products(["p-100"])
    [sent] = await world.store.outbox.of_watch(watch.id, 1)
    assert card["actions"][0]["data"] == {
        "pricewatch": "stop",
        "watch_id": watch.id,
        "version": watch.user_version,
        "alert_id": sent.id,
    }
    assert max(sizes(activity)) < MAX_ACTIVITY_BYTES


async def test_alerts_from_one_poll_are_one_carousel(world: World) -> None:
    chat = await watching(world)
    await chat.say("watch espresso machine 10%")
    world.set_price("p-100", "149.99")
    world.set_price("p-200", "399.00")
    assert (await world.poller.tick()).alerts == 2
    await world.deliverer(chat).tick()
    [activity] = chat.last_activities(1)
    assert activity.attachment_layout == "carousel" and len(activity.attachments) == 2
    assert "Price drops on 2 of your watches" in activity.text
    titles = [card["body"][0]["text"] for card in cards_of(activity)]
    assert sorted(titles) == ["Espresso machine", "Noise-cancelling headphones"]


async def failing_chart(
    product_id: str, currency: str, zone: str | None, not_before: datetime | None
) -> str:
    raise RuntimeError("chart service down")


async def test_a_broken_chart_service_never_costs_the_alert(tmp_path: Path) -> None:
    world = await open_world(tmp_path, chart_url=failing_chart)
    try:
        await _alert_without_chart(world)
    finally:
        await world.store.close()


async def _alert_without_chart(world: World) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [activity] = chat.last_activities(1)
    [card] = cards_of(activity)
    assert "Price drop" in activity.text
    assert not any(block["type"] == "Image" for block in card["body"])
    assert len(card["actions"]) == 3, "the rule still came from the watch"


def test_a_watch_removed_before_the_send_gets_no_buttons() -> None:
    message = alert_message([alert()], {1: AlertFacts()}, fits, TIMES)
    [card] = message.cards
    assert "actions" not in card and "your alert" not in message.text


def test_the_sdks_copy_of_an_alert_message_is_its_own_but_shares_the_cards() -> None:
    """What the SDK fills in on its copy (the conversation, accounts, ids) never reaches
    the message made; the cards, never changed once made, are not walked again."""
    alerts = [alert(id=n, watch_id=n, dedupe_key=f"k-{n}") for n in (1, 2)]
    made = alert_activity(
        alert_message(alerts, facts(2, "https://charts.example/c.png"), fits, TIMES)
    )
    before = made.serialize()
    sent = copy.deepcopy(made)
    TurnContext.apply_conversation_reference(
        sent,
        ConversationReference(
            channel_id="msteams",
            service_url="https://smba.example",
            conversation=ConversationAccount(id="19:g"),
            bot=ChannelAccount(id="28:bot"),
            user=ChannelAccount(id="29:ana"),
            activity_id="1:abc",
        ),
    )
    sent.id = "x"
    assert sent.attachments is not None and made.attachments is not None
    sent.attachments[0].name = "changed"
    assert made.serialize() == before, "the message made is untouched"
    assert sent.attachments[0].content is made.attachments[0].content
    assert sent.serialize()["conversation"] == {"id": "19:g"}


@pytest.mark.parametrize("count", [1, 3, 10, 50])
@pytest.mark.parametrize("name", ["Headphones", "Kopfhörer 🎧 " * 30, "x" * 5000])
def test_a_message_is_measured_as_the_channel_gets_it(count: int, name: str) -> None:
    """The size `fits` reads, its cards measured from their parts as they were made,
    is the size of the activity's JSON."""
    alerts = [alert(id=n, watch_id=n, product_name=f"{n} {name}") for n in range(count)]
    message = alert_message(alerts, facts(count, "https://charts.example/c.png"), fits, TIMES)
    serialized = json.dumps(alert_activity(message).serialize(), separators=(",", ":"))
    assert message_bytes(message) == 2 * len(serialized)


class CountedParts:
    """The bot's `DropParts`, counting the parts it makes."""

    def __init__(self) -> None:
        self.made: list[DropNews] = []
        self.parts = DropParts(self._make)

    def _make(self, news: DropNews) -> DropPart:
        self.made.append(news)
        return drop_part(news)

    def __call__(self, news: DropNews) -> DropPart:
        return self.parts(news)


async def test_every_recipient_of_a_drop_gets_their_own_alert_from_one_product_part(
    tmp_path: Path,
) -> None:
    """Four people watch the headphones, each their own way: in a 1:1 on Teams (a card
    and its summary), in a 1:1 without cards (the whole text), and two members of a
    Teams group, one reading times in Tokyo. Each alert says their rule and carries
    their buttons; what it says of the product is made once for each zone's reading."""
    counted = CountedParts()
    world = await open_world(
        tmp_path, lows_since=lows_since, chart_url=chart_url, drop_parts=counted
    )
    try:
        ana = world.chat("ana-1on1", "29:ana", name="Ana", channel_id="msteams")
        ben = world.chat("ben-1on1", "29:ben", name="Ben")
        cy = world.chat("19:g", "29:cy", name="Cy", group=True, channel_id="msteams")
        di = world.chat("19:g", "29:di", name="Di", group=True, channel_id="msteams")
        for chat, says in (
            (ana, "watch headphones 20%"),
            (ben, "watch headphones below 180"),
            (cy, "watch headphones 10%"),
            (di, "watch headphones below 170"),
        ):
            await chat.say("hello")
            await chat.say(says)
        await di.say("timezone Asia/Tokyo")
        watches = {
            watch.user_id: watch for watch in await world.store.watches.for_products(["p-100"])
        }
        world.set_price("p-100", "149.99")
        assert (await world.poller.tick()).alerts == 4
        await world.deliverer(ana).tick()
        await world.deliverer(ben).tick()
        await world.deliverer(cy).tick()
        sent = {
            (activity.conversation.id, (activity.text or "").split(":")[0]): activity
            for chat in (ana, ben, cy)
            for activity in chat.adapter.activity_buffer
            if "Price drop" in (activity.text or "")
        }
    finally:
        await world.close()

    assert len(counted.made) == 2, "one part for UTC's readers, one for Tokyo's"
    theirs = {
        "29:ana": (sent[("ana-1on1", "📉 Price drop")], "20% below $199.99"),
        "29:ben": (sent[("ben-1on1", "📉 Price drop")], "below $180.00"),
        "29:cy": (sent[("19:g", "For <at>Cy</at>")], "10% below $199.99"),
        "29:di": (sent[("19:g", "For <at>Di</at>")], "below $170.00"),
    }
    for user, (activity, rule) in theirs.items():
        [card] = cards_of(activity)
        assert f"Your alert: {rule}" in [block.get("text") for block in card["body"]]
        assert card["body"][:3] == [
            {"type": "TextBlock", "text": HEADPHONES, "wrap": True, **NAME},
            {"type": "TextBlock", "text": "$199.99 → $149.99", "wrap": True, **PRICES},
            {"type": "TextBlock", "text": DROP, "wrap": True, "spacing": "None"},
        ]
        watch = watches[user]
        assert {action["data"]["watch_id"] for action in card["actions"]} == {watch.id}
        assert {action["data"]["version"] for action in card["actions"]} == {watch.user_version}
    assert theirs["29:ana"][0].text == theirs["29:ana"][0].summary == SUMMARY
    bens = theirs["29:ben"][0].text
    assert bens.startswith(f"📉 Price drop: **{HEADPHONES}** is now $149.99")
    assert bens.endswith(
        f'(your alert: below $180.00). Say "remove {HEADPHONES}" to stop watching it.'
    )
    assert theirs["29:cy"][0].text == f"For <at>Cy</at>: {SUMMARY}"
    assert theirs["29:di"][0].summary == f"For Di: {SUMMARY}"


HEADPHONES = "Noise-cancelling headphones"
DROP = "Down 25.0% ($50.00) from $199.99"
SUMMARY = f"📉 Price drop: {HEADPHONES} $149.99, down 25.0%"
NAME = {"weight": "Bolder", "size": "Medium"}
PRICES = {"size": "Large", "weight": "Bolder", "color": "Good", "spacing": "None"}
