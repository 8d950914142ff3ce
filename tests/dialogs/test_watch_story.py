"""`why X` as a pure story: what was recorded, each price against the trigger that held
then, and a "right now" that never contradicts itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dialogs.watch_story import (
    MAX_EVENTS,
    AlertStory,
    DeliveryFacts,
    Recorded,
    watch_story,
)
from domain.alerts import Alert, AlertKind, AlertStatus, Attempt
from domain.history import PricePoint
from domain.local_times import LocalTimes
from domain.rules import RuleState, below_rule, initial_state, percent_rule, protect_rule
from domain.watch_events import (
    HELD_FOR_A_DIALOG,
    EventKind,
    WatchEvent,
    held_for_quiet_hours,
    moment_text,
)
from domain.watches import Watch


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=timezone.utc)


NOW = utc(3, 12)
BERLIN = LocalTimes("Europe/Berlin", NOW)
UTC = LocalTimes("UTC", NOW)
IDLE = DeliveryFacts(reachable=True, dialog_open=False, quiet_until=None, now=NOW)
RULE = percent_rule(Decimal("199.99"), Decimal(20))  # trigger $159.99
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
CREATED = WatchEvent(
    1, utc(1, 13), EventKind.CREATED, price=Decimal("199.99"), trigger_price=Decimal("159.99")
)


def event(kind: EventKind, at: datetime, **fields: object) -> WatchEvent:
    return WatchEvent(1, at, kind, **fields)  # type: ignore[arg-type]


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


def told(story: str) -> list[str]:
    """The story's lines of what happened (not its rule, nor "right now")."""
    return [line for line in story.split("\n\n")[0].splitlines() if line.startswith("- ")]


def right_now(story: str) -> str:
    parts = story.split("\n\n")
    return parts[1] if len(parts) > 1 else ""


def test_each_price_is_told_against_the_trigger_that_held_then_in_the_users_zone() -> None:
    lowered = event(
        EventKind.TARGET_CHANGED, utc(2, 8), trigger_price=Decimal("139.99"), detail="159.99"
    )
    prices = [
        PricePoint(utc(1, 12), Decimal("205.00")),  # before the watch: not its story
        PricePoint(utc(1, 14, 2), Decimal("189.99")),
        PricePoint(utc(1, 20), Decimal("155.00")),
        PricePoint(utc(2, 9, 10), Decimal("149.99")),
    ]
    story = watch_story(WATCH, Recorded(prices, [CREATED, lowered]), IDLE, BERLIN)
    assert story.splitlines() == [
        "You're watching **Noise-cancelling headphones** for $159.99 or less (20% below $199.99).",
        "- Dec 1, 14:00 you started watching it at $199.99, for $159.99 or less.",
        "- Dec 1, 15:02 $189.99, above your $159.99 trigger.",
        "- Dec 1, 21:00 $155.00, at or below your $159.99 trigger.",
        "- yesterday 09:00 you lowered your trigger from $159.99 to $139.99.",
        "- yesterday 10:10 $149.99, above your $139.99 trigger.",
    ]


def test_a_price_that_fired_stays_told_so_after_the_target_is_lowered() -> None:
    """The issue: after "Lower my target" a price that fired read "above your trigger,
    armed", followed by "alert made"."""
    fired = event(
        EventKind.FIRED,
        utc(2, 9, 10),
        price=Decimal("149.99"),
        trigger_price=Decimal("159.99"),
        alert_id=7,
    )
    sent = AlertStory(alert(), [Attempt(utc(2, 9, 11), AlertStatus.SENT, None)])
    prices = [PricePoint(utc(2, 9, 10), Decimal("149.99"))]
    before = watch_story(WATCH, Recorded(prices, [CREATED, fired], [sent]), IDLE, UTC)

    lowered = event(
        EventKind.TARGET_CHANGED, utc(3, 10), trigger_price=Decimal("120.00"), detail="159.99"
    )
    watch = replace(WATCH, rule=below_rule(Decimal("199.99"), Decimal(120)))
    after = watch_story(watch, Recorded(prices, [CREATED, fired, lowered], [sent]), IDLE, UTC)

    assert told(before) == [
        "- Dec 1, 13:00 you started watching it at $199.99, for $159.99 or less.",
        "- yesterday 09:10 $149.99, at or below your $159.99 trigger: alert made.",
        "- yesterday 09:11 alert sent.",
    ]
    assert told(after) == [
        *told(before),
        "- today 10:00 you lowered your trigger from $159.99 to $120.00.",
    ]


EVENT_KINDS = st.sampled_from(
    [kind for kind in EventKind if kind not in (EventKind.CREATED, EventKind.TARGET_CHANGED)]
)
PRICES = st.decimals(min_value=100, max_value=250, places=2)


@st.composite
def histories(draw: st.DrawFn, most: int) -> tuple[list[WatchEvent], list[PricePoint]]:
    """A watch's events and prices (`most` of them), a minute or more apart, after its
    creation."""
    events: list[WatchEvent] = [CREATED]
    points: list[PricePoint] = []
    at = CREATED.at
    for _ in range(draw(st.integers(0, most))):
        at += timedelta(minutes=draw(st.integers(1, 600)))
        what = draw(st.sampled_from(["price", "target", "event"]))
        if what == "price":
            points.append(PricePoint(at, draw(st.none() | PRICES)))
        elif what == "target":
            trigger = draw(PRICES)
            events.append(event(EventKind.TARGET_CHANGED, at, trigger_price=trigger, detail="150"))
        else:
            price = draw(st.none() | PRICES)
            events.append(event(draw(EVENT_KINDS), at, price=price, trigger_price=price))
    return events, points


@given(histories(most=4), histories(most=MAX_EVENTS - 5), PRICES, st.booleans(), st.booleans())
def test_what_happened_later_never_changes_what_was_told_before(
    earlier: tuple[list[WatchEvent], list[PricePoint]],
    later: tuple[list[WatchEvent], list[PricePoint]],
    new_trigger: Decimal,
    armed: bool,
    snoozed: bool,
) -> None:
    events, points = earlier
    later_events, later_points = later
    end = max([e.at for e in events] + [p.at for p in points])
    moved = end - CREATED.at + timedelta(minutes=1)
    events_after = [replace(e, at=e.at + moved) for e in later_events[1:]]
    points_after = [PricePoint(p.at + moved, p.price) for p in later_points]
    facts = replace(IDLE, now=max([end, *(e.at for e in events_after)]))
    changed = replace(
        WATCH,
        rule=below_rule(Decimal("199.99"), new_trigger),
        state=RuleState(armed=armed, last_price=new_trigger, crossings=3),
        snoozed_until=facts.now + timedelta(hours=1) if snoozed else None,
    )

    before = told(watch_story(WATCH, Recorded(points, events), facts, UTC))
    after = told(
        watch_story(changed, Recorded(points + points_after, events + events_after), facts, UTC)
    )

    assert after[: len(before)] == before  # all of it fits in MAX_EVENTS lines


def test_a_new_watch_tells_no_price_from_before_it_existed() -> None:
    """The issue: a new price protection watch listed prices from before it existed."""
    rule = protect_rule(Decimal("179.00"))
    made = utc(3, 9)
    watch = replace(WATCH, rule=rule, created_at=made, expires_at=made + timedelta(days=14))
    created = event(EventKind.CREATED, made, price=Decimal("179.00"), trigger_price=Decimal(179))
    prices = [PricePoint(utc(2, 9), Decimal("169.00")), PricePoint(utc(3, 10), Decimal("185.00"))]
    story = watch_story(watch, Recorded(prices, [created]), IDLE, UTC)
    assert told(story) == [
        "- today 09:00 you started watching it at $179.00, for $179.00 or less.",
        "- today 10:00 $185.00, above your $179.00 trigger.",
    ]
    assert right_now(story) == "Price protection runs until Dec 17, 09:00."


def test_a_watch_from_before_the_events_gets_labels_only_from_its_first_recorded_trigger() -> None:
    prices = [
        PricePoint(utc(2, 9), Decimal("150.00")),
        PricePoint(utc(2, 11), Decimal("150.00")),
        PricePoint(utc(2, 13), Decimal("135.00")),
    ]
    paused = event(EventKind.PAUSED, utc(2, 10), trigger_price=Decimal("159.99"))
    changed = event(
        EventKind.TARGET_CHANGED, utc(2, 12), trigger_price=Decimal("140.00"), detail="159.99"
    )
    assert told(watch_story(WATCH, Recorded(prices, []), IDLE, UTC)) == [
        "- yesterday 09:00 price $150.00.",
        "- yesterday 11:00 price $150.00.",
        "- yesterday 13:00 price $135.00.",
    ]
    assert told(watch_story(WATCH, Recorded(prices, [paused, changed]), IDLE, UTC)) == [
        "- yesterday 09:00 price $150.00.",
        "- yesterday 10:00 you paused it.",
        "- yesterday 11:00 $150.00, at or below your $159.99 trigger.",
        "- yesterday 12:00 you lowered your trigger from $159.99 to $140.00.",
        "- yesterday 13:00 $135.00, at or below your $140.00 trigger.",
    ]


def test_the_users_actions_and_the_polls_decisions_are_told() -> None:
    snooze_end = utc(2, 14)
    events = [
        CREATED,
        event(EventKind.PAUSED, utc(1, 14)),
        event(EventKind.RESUMED, utc(1, 15)),
        event(EventKind.SNOOZED, utc(2, 8), detail=moment_text(snooze_end)),
        event(
            EventKind.FIRED_ASLEEP,
            utc(2, 9),
            price=Decimal("150.00"),
            trigger_price=Decimal("159.99"),
        ),
        event(EventKind.WOKE, snooze_end),
        event(EventKind.ARMED, utc(2, 15), price=Decimal("170.00"), trigger_price=Decimal(160)),
        event(EventKind.UNAVAILABLE, utc(2, 16)),
        event(EventKind.AVAILABLE, utc(2, 17), price=Decimal("175.00")),
    ]
    points = [PricePoint(utc(2, 15), Decimal("170.00")), PricePoint(utc(2, 16), None)]
    assert told(watch_story(WATCH, Recorded(points, events), IDLE, BERLIN)) == [
        "- Dec 1, 14:00 you started watching it at $199.99, for $159.99 or less.",
        "- Dec 1, 15:00 you paused it.",
        "- Dec 1, 16:00 you resumed it.",
        "- yesterday 09:00 you snoozed it until yesterday 15:00.",
        "- yesterday 10:00 $150.00, at or below your $159.99 trigger while it was snoozed:"
        " no alert then.",
        "- yesterday 15:00 its snooze ended.",
        "- yesterday 16:00 $170.00, back above your $160.00 trigger: the next drop alerts you"
        " again.",
        "- yesterday 17:00 unavailable: the watch waits for it to come back.",
        "- yesterday 18:00 available again at $175.00.",
    ]


def test_holds_drops_and_delivery_attempts_are_told_and_a_hold_again_for_the_same_once() -> None:
    made = utc(2, 9)
    held = alert(status=AlertStatus.HELD, seen_at=made, held_at=utc(2, 9, 1))
    attempts = [
        Attempt(utc(2, 9, 2), AlertStatus.HELD, "503"),
        Attempt(utc(2, 9, 3), AlertStatus.FAILED, "503"),
    ]
    dropped = alert(id=8, status=AlertStatus.FAILED, seen_at=utc(2, 10), new_price=Decimal(140))
    events = [
        event(EventKind.HELD, utc(2, 9, 1), alert_id=7, detail=HELD_FOR_A_DIALOG),
        event(EventKind.HELD, utc(2, 9, 1, 30), alert_id=7, detail=HELD_FOR_A_DIALOG),
        event(EventKind.HELD, utc(2, 9, 4), alert_id=7, detail=held_for_quiet_hours(utc(3, 6))),
        event(EventKind.DROPPED, utc(2, 10, 5), alert_id=8, detail="the price went back up"),
    ]
    stories = [AlertStory(held, attempts), AlertStory(dropped, [])]
    assert told(watch_story(WATCH, Recorded([], events, stories), IDLE, BERLIN)) == [
        "- yesterday 10:00 alert made for $149.99.",
        "- yesterday 10:01 held: a dialog with me was open.",
        "- yesterday 10:02 delivery failed; retrying.",
        "- yesterday 10:03 delivery failed; I gave up on this alert.",
        "- yesterday 10:04 held for your quiet hours, until today 07:00.",
        "- yesterday 11:00 alert made for $140.00.",
        "- yesterday 11:05 alert not sent: the price went back up.",
    ]


def test_an_event_and_the_alert_it_made_are_one_line_and_a_wake_alert_its_own() -> None:
    protect = alert(kind=AlertKind.PROTECT, seen_at=utc(2, 9))
    wake = alert(id=8, seen_at=utc(2, 12), new_price=Decimal("150.00"))
    fired = event(EventKind.FIRED, utc(2, 9), price=Decimal("149.99"), trigger_price=Decimal(179))
    points = [PricePoint(utc(2, 9), Decimal("149.99"))]
    stories = [AlertStory(protect, []), AlertStory(wake, [])]
    assert told(watch_story(WATCH, Recorded(points, [fired], stories), IDLE, UTC)) == [
        "- yesterday 09:00 $149.99, at or below your $179.00 trigger: price protection alert made.",
        "- yesterday 12:00 alert made for $150.00.",
    ]


def test_the_story_is_bounded_to_the_last_lines() -> None:
    prices = [PricePoint(utc(2, hour), Decimal(190 + hour)) for hour in range(20)]
    lines = watch_story(WATCH, Recorded(prices, [CREATED]), IDLE, UTC).splitlines()
    assert len(lines) == 1 + MAX_EVENTS
    assert lines[-1] == "- yesterday 19:00 $209.00, above your $159.99 trigger."


def test_a_new_watch_has_no_story_yet() -> None:
    story = watch_story(WATCH, Recorded(), IDLE, UTC)
    assert "I haven't seen a price change" in story


LOW = RuleState(armed=False, last_price=Decimal("150.00"), crossings=1)


def test_a_snoozed_watch_already_low_says_one_thing_about_its_next_alert() -> None:
    """The issue: it said both "tells you then" and "I'll alert again once it goes back
    above"; what it does on waking is `domain.sleep.owes_wake_alert`."""
    snoozed = replace(WATCH, snoozed_until=utc(4, 12))
    fired_before = replace(snoozed, state=LOW, sleep_crossings=1)
    fired_meanwhile = replace(snoozed, state=LOW, sleep_crossings=0)
    assert right_now(watch_story(fired_before, Recorded(), IDLE, UTC)) == (
        "Right now it is snoozed until tomorrow 12:00: it tracks the price but says nothing"
        " until then. It was already at or below your trigger: I'll alert again once it goes"
        " back above and drops again."
    )
    assert right_now(watch_story(fired_meanwhile, Recorded(), IDLE, UTC)) == (
        "Right now it is snoozed until tomorrow 12:00: it tracks the price but says nothing"
        " until then. It reached your trigger meanwhile: I'll tell you when the snooze ends"
        " if it is still at or below it."
    )
    assert right_now(watch_story(snoozed, Recorded(), IDLE, UTC)) == (
        "Right now it is snoozed until tomorrow 12:00: it tracks the price but says nothing"
        " until then. If it drops to your trigger meanwhile, I'll tell you when the snooze"
        " ends if it is still there."
    )


def test_paused_awake_and_a_run_out_snooze_each_say_what_comes_next() -> None:
    paused = replace(WATCH, paused_by_user=True, state=LOW)
    assert right_now(watch_story(paused, Recorded(), IDLE, UTC)) == (
        "Right now you have paused it: it tracks the price but says nothing until you resume"
        " it. It reached your trigger meanwhile: I'll tell you when you resume it if it is"
        " still at or below it."
    )
    assert right_now(watch_story(replace(WATCH, state=LOW), Recorded(), IDLE, UTC)) == (
        "It is at or below your trigger: I'll alert again once it goes back above and drops again."
    )
    run_out = replace(WATCH, snoozed_until=utc(3, 11), state=LOW)
    assert right_now(watch_story(run_out, Recorded(), IDLE, UTC)) == (
        "Its snooze is over and it reached your trigger meanwhile: I'll tell you at the next"
        " price check if it is still at or below it."
    )
    assert right_now(watch_story(WATCH, Recorded(), IDLE, UTC)) == ""


def test_what_holds_alerts_now_is_told() -> None:
    watch = replace(
        WATCH,
        state=replace(WATCH.state, unconfirmed_price=Decimal("1.00")),
        paused=True,
        expires_at=utc(3, 11),
    )
    facts = replace(IDLE, reachable=False, dialog_open=True, quiet_until=utc(4, 6))
    assert right_now(watch_story(watch, Recorded(), facts, UTC)).splitlines() == [
        "Its price protection ended today 11:00: it sends nothing more.",
        "Right now the product is unavailable; the watch waits for it.",
        "Right now a 90%+ drop to $1.00 waits for the next poll to confirm it (glitch guard).",
        "I can't reach this chat at the moment (the channel refused my messages); alerts wait"
        " until you write to me.",
        "Your quiet hours are on: alerts wait until tomorrow 06:00.",
        "We're in the middle of something: alerts wait until it's done.",
    ]


def test_a_waiting_alert_says_what_becomes_of_it() -> None:
    """`domain.alert_fate` decides it, as for the delivery."""
    waiting = AlertStory(alert(status=AlertStatus.PENDING, attempts=0), [])
    paused = replace(WATCH, paused_by_user=True)
    assert "The alert for $149.99 waits: you paused the watch." in right_now(
        watch_story(paused, Recorded(alerts=[waiting]), IDLE, UTC)
    )
    lowered = replace(WATCH, rule=below_rule(Decimal("199.99"), Decimal(120)))
    assert right_now(watch_story(lowered, Recorded(alerts=[waiting]), IDLE, UTC)) == (
        "The alert for $149.99 won't be sent: the trigger was lowered below that price."
    )
    assert right_now(watch_story(WATCH, Recorded(alerts=[waiting]), IDLE, UTC)) == ""


def test_a_crossing_is_told_from_its_alert_with_the_trigger_recorded_then() -> None:
    """The alert is the crossing's record: its line says the price against the trigger
    the crossing was judged by, once (not again as a price), and a later change of the
    target leaves it as it was."""
    made = alert(seen_at=utc(2, 9), trigger_price=Decimal("159.99"))
    protect = alert(
        id=8,
        kind=AlertKind.PROTECT,
        seen_at=utc(2, 11),
        new_price=Decimal(150),
        trigger_price=Decimal("155.00"),
    )
    lowered = event(
        EventKind.TARGET_CHANGED, utc(2, 10), trigger_price=Decimal("155.00"), detail="159.99"
    )
    points = [PricePoint(utc(2, 9), Decimal("149.99")), PricePoint(utc(2, 11), Decimal(150))]
    recorded = Recorded(points, [CREATED, lowered], [AlertStory(made, []), AlertStory(protect, [])])
    assert told(watch_story(WATCH, recorded, IDLE, UTC)) == [
        "- Dec 1, 13:00 you started watching it at $199.99, for $159.99 or less.",
        "- yesterday 09:00 $149.99, at or below your $159.99 trigger: alert made.",
        "- yesterday 10:00 you lowered your trigger from $159.99 to $155.00.",
        "- yesterday 11:00 $150.00, at or below your $155.00 trigger: price protection alert made.",
    ]
