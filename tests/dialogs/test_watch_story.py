"""`why X` as a pure story: prices, alerts, attempts and what holds alerts now."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from dialogs.watch_story import MAX_EVENTS, AlertStory, DeliveryFacts, watch_story
from domain.alerts import Alert, AlertKind, AlertStatus, Attempt
from domain.rules import initial_state, percent_rule
from domain.watches import Watch

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
IDLE = DeliveryFacts(reachable=True, dialog_open=False, quiet_until=None)


@dataclass(frozen=True)
class Point:
    at: datetime
    price: Decimal | None


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc)


RULE = percent_rule(Decimal("199.99"), Decimal(20))
WATCH = Watch(
    id=1,
    conversation_key="k",
    user_id="u",
    product_id="p-100",
    product_name="Noise-cancelling headphones",
    currency="USD",
    rule=RULE,
    state=initial_state(RULE),
    created_at=utc(1, 13),
)


def alert(**changes: object) -> Alert:
    base = Alert(
        id=7,
        dedupe_key="watch-1-drop-1",
        conversation_key="k",
        watch_id=1,
        product_id="p-100",
        product_name=WATCH.product_name,
        currency="USD",
        old_price=Decimal("199.99"),
        new_price=Decimal("149.99"),
        seen_at=utc(2, 9, 10),
        status=AlertStatus.SENT,
        attempts=1,
        held_at=None,
        last_error=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_story_tells_prices_and_the_alert_sent_in_the_users_zone() -> None:
    prices = [Point(utc(1, 14, 2), Decimal("199.99")), Point(utc(2, 9, 10), Decimal("149.99"))]
    sent = AlertStory(alert(), [Attempt(utc(2, 9, 10), AlertStatus.SENT, None)])
    story = watch_story(WATCH, prices, [sent], IDLE, BERLIN)
    assert story.splitlines() == [
        "You're watching **Noise-cancelling headphones** for $159.99 or less (20% below $199.99).",
        "- Dec 1 15:02 $199.99: above your trigger, armed.",
        "- Dec 2 10:10 $149.99: at or below your trigger.",
        "- Dec 2 10:10 alert made for $149.99.",
        "- Dec 2 10:10 alert sent.",
    ]


def test_holds_retries_and_the_state_now_are_told() -> None:
    held = alert(
        status=AlertStatus.HELD,
        held_at=utc(2, 9, 11),
        quiet_until=utc(3, 6),
        attempts=1,
        last_error="503",
    )
    retrying = AlertStory(held, [Attempt(utc(2, 9, 12), AlertStatus.HELD, "503")])
    watch = replace(
        WATCH, state=replace(WATCH.state, unconfirmed_price=Decimal("1.00")), paused=True
    )
    facts = DeliveryFacts(reachable=False, dialog_open=True, quiet_until=utc(3, 6))
    story = watch_story(watch, [Point(utc(2, 10), None)], [retrying], facts, UTC)
    for words in [
        "held: a dialog with me was open",
        "held for your quiet hours, until 06:00",
        "delivery failed; retrying",
        "unavailable: the watch waits",
        "the product is unavailable",
        "a 90%+ drop to $1.00 waits for the next poll to confirm it",
        "I can't reach this chat",
        "Your quiet hours are on: alerts wait until 06:00",
        "alerts wait until it's done",
    ]:
        assert words in story


def test_the_story_is_bounded_to_the_last_events() -> None:
    prices = [Point(utc(1, hour), Decimal(190 + hour)) for hour in range(20)]
    lines = watch_story(WATCH, prices, [], IDLE, UTC).splitlines()
    assert len(lines) == 1 + MAX_EVENTS
    assert lines[-1] == "- Dec 1 19:00 $209.00: above your trigger, armed."


def test_a_new_watch_has_no_story_yet() -> None:
    story = watch_story(WATCH, [], [], IDLE, UTC)
    assert "I haven't seen a price change" in story


def test_a_paused_or_snoozed_watch_says_so_and_a_run_out_snooze_does_not() -> None:
    facts = replace(IDLE, now=utc(3, 12))
    paused = watch_story(replace(WATCH, paused_by_user=True), [], [], facts, UTC)
    assert "you have paused it" in paused
    snoozed = watch_story(replace(WATCH, snoozed_until=utc(4, 12)), [], [], facts, UTC)
    assert "snoozed until Dec 4 12:00" in snoozed
    over = watch_story(replace(WATCH, snoozed_until=utc(3, 11)), [], [], facts, UTC)
    assert "snoozed" not in over


def test_a_price_protection_alert_is_told() -> None:
    story = watch_story(WATCH, [], [AlertStory(alert(kind=AlertKind.PROTECT), [])], IDLE, UTC)
    assert "price protection alert made for $149.99" in story
