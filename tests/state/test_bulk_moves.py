"""A plain price move applied in bulk by the store does exactly what the rules do.

The poller hands the store a `PriceMove` for a product whose price moved plainly, and the
store applies it with SQL (`state/rule_sql.py`) to the watches it leaves quiet instead of
loading them one by one. Here the same watches meet the same price twice, on two real
database files: once with every watch loaded and worked out in Python
(`domain.watch_changes`, `domain.rules.evaluate`), once through the bulk path. Watch
states and alerts must come out the same, whatever the watches' rules and states.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import AsyncIterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain import watch_changes
from domain.alerts import Alert
from domain.departures import Departure
from domain.polls import PollChanges
from domain.rules import Rule, RuleKind, RuleState
from domain.watch_changes import Change
from domain.watch_events import EventKind, WatchEvent
from domain.watches import NewWatch, Watch
from state.interfaces import Store
from tests.support.stores import make_store
from watchers.poller import plain_moves, plan_poll

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
products = itertools.count()


@dataclass
class Twins:
    rules: Store
    bulk: Store


@pytest.fixture
async def twins(tmp_path: Path, store_kind: str) -> AsyncIterator[Twins]:
    """Two stores of the kind under test: one evaluates watches one by one, one in bulk."""
    stores = Twins(
        make_store(store_kind, tmp_path / "rules.sqlite3"),
        make_store(store_kind, tmp_path / "bulk.sqlite3"),
    )
    await stores.rules.open()
    await stores.bulk.open()
    yield stores
    await stores.rules.close()
    await stores.bulk.close()


cents = st.integers(min_value=1, max_value=2_000_00).map(lambda n: Decimal(n) / 100)
# Feed prices may carry more than cents, or trailing zeros ("80.10" is 80.1).
prices = st.one_of(
    cents,
    st.integers(min_value=1, max_value=2_000_000).map(lambda n: Decimal(n) / 1000),
    cents.map(lambda price: price.quantize(Decimal("0.0001"))),
    st.just(Decimal("20000000000000.00")),  # too many cents to compare as an integer
    st.just(Decimal("0.0100000000000000001")),  # more digits than the app's decimal context
)
triggers = st.one_of(cents, st.just(Decimal("0.00")), prices)  # not all whole cents


@st.composite
def watch_states(draw: st.DrawFn, previous: Decimal) -> tuple[Decimal, RuleState, bool, str]:
    """A trigger, a state, whether the watch is paused (product unavailable) and how it
    sleeps (SLEEPS); most watches last saw `previous` (the bulk path's case), some saw
    something else."""
    last = draw(
        st.one_of(st.just(previous), st.just(previous + Decimal("0.000")), prices, st.none())
    )
    state = RuleState(
        armed=draw(st.booleans()),
        last_price=last,
        unconfirmed_price=draw(st.one_of(st.none(), prices)),
        crossings=draw(st.integers(min_value=0, max_value=3)),
    )
    return draw(triggers), state, draw(st.booleans()), draw(st.sampled_from(SLEEPS))


SLEEPS = (
    "awake",
    "paused",
    "snoozed",
    "snooze-over",
    "expired",
    "protected",
    "protect-kind",
    "left",
)
"""Paused by the user, snoozed past NOW, snoozed until NOW (awake again), a protection
window over or still open, a price protection rule, stopped because the bot or its owner
left the conversation."""


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[Decimal, Decimal, list[tuple[Decimal, RuleState, bool, str]]]:
    previous = draw(prices)
    price = draw(
        st.one_of(
            prices,
            st.just(previous),
            st.just(previous / 2),  # an ordinary drop
            st.just(previous / 10),  # a huge one, which waits for confirmation
            st.just(previous * Decimal("0.1000001")),  # just short of huge
        )
    )
    watches = draw(st.lists(watch_states(previous), min_size=1, max_size=6))
    return previous, price, watches


async def add(
    store: Store, product_id: str, trigger: Decimal, state: RuleState, sleep: str = "awake"
) -> Watch:
    kind = RuleKind.PROTECT if sleep == "protect-kind" else RuleKind.BELOW
    rule = Rule(kind, start_price=Decimal("500.00"), trigger_price=trigger)
    expires = {"expired": NOW, "protected": NOW + timedelta(seconds=1)}.get(sleep)
    watch = await store.watches.add(
        NewWatch(
            conversation_key=f"test/{product_id}",
            user_id="user-1",
            product_id=product_id,
            product_name="Headphones",
            currency="USD",
            rule=rule,
            state=state,
            created_at=NOW,
            expires_at=expires,
        )
    )
    key = watch.conversation_key
    if sleep == "paused":
        await store.watches.change(key, watch.id, watch_changes.pause(NOW))
    elif sleep in ("snoozed", "snooze-over"):
        until = NOW + timedelta(seconds=1) if sleep == "snoozed" else NOW
        await store.watches.change(key, watch.id, watch_changes.snooze(until, NOW))
    elif sleep == "left":
        await store.watches.change(key, watch.id, watch_changes.left(Departure.BOT_REMOVED, NOW))
    [watch] = [w for w in await store.watches.of_conversation(key) if w.id == watch.id]
    return watch


def outcome(
    watches: list[Watch], alerts: list[Alert], events: list[WatchEvent]
) -> tuple[object, ...]:
    return (
        [(w.id, w.state, w.paused) for w in watches],
        [(e.watch_id, e.at, e.kind, e.price, e.trigger_price, e.detail) for e in events],
        sorted(
            (a.dedupe_key, a.kind, a.watch_id, a.old_price, a.new_price, a.protected_until)
            for a in alerts
        ),
        [(w.paused_by_user, w.snoozed_until, w.sleep_crossings, w.left_at) for w in watches],
    )


async def poll_once(
    store: Store, product_id: str, previous: Decimal, price: Decimal, bulk: bool
) -> tuple[object, ...]:
    moves = plain_moves({product_id: price}, {product_id: previous}, NOW) if bulk else []
    one_by_one = await store.watches.for_products([product_id], moves)
    changes = plan_poll(one_by_one, {product_id: price}, {}, NOW, moves)
    assert not (await store.watches.record_poll(changes)).conflicts
    conversation = f"test/{product_id}"
    claimed = await store.outbox.claim_conversation(conversation, NOW, NOW)
    watches = await store.watches.of_conversation(conversation)
    events = [
        event
        for watch in watches
        for event in await store.events.of_watch(watch.id, 50)
        if event.at == NOW and event.kind not in SET_UP
    ]
    return outcome(watches, claimed, events)


SET_UP = (
    EventKind.CREATED,
    EventKind.PAUSED,
    EventKind.SNOOZED,
    EventKind.UNAVAILABLE,
    EventKind.LEFT,
)
"""Events the scenario's set-up records, not the poll."""


@settings(max_examples=300)  # cheap, and the bulk path must never drift from the rules
@given(scenario=scenarios())
@example(  # a price just above a trigger, by more digits than the app's decimal context
    scenario=(
        Decimal("0.02"),
        Decimal("0.0100000000000000001"),
        [(Decimal("0.01"), RuleState(armed=True, last_price=Decimal("0.02")), False, "awake")],
    )
)
@example(  # a watch stopped because the bot left fires asleep in bulk too
    scenario=(
        Decimal("200"),
        Decimal("100"),
        [(Decimal("150"), RuleState(armed=True, last_price=Decimal("200")), False, "left")],
    )
)
async def test_a_plain_move_in_bulk_changes_watches_as_the_rules_do(
    twins: Twins, scenario: tuple[Decimal, Decimal, list[tuple[Decimal, RuleState, bool, str]]]
) -> None:
    previous, price, watches = scenario
    product_id = f"prop-{next(products)}"
    for store in (twins.rules, twins.bulk):
        for trigger, state, paused, sleep in watches:
            watch = await add(store, product_id, trigger, state, sleep)
            if paused:  # unavailable
                change = Change(watch, replace(watch, paused=True))
                assert not (
                    await store.watches.record_poll(PollChanges(changes=[change]))
                ).conflicts

    by_rules = await poll_once(twins.rules, product_id, previous, price, bulk=False)
    in_bulk = await poll_once(twins.bulk, product_id, previous, price, bulk=True)

    assert in_bulk == by_rules


async def test_a_plain_move_reaches_every_follower_without_loading_them(twins: Twins) -> None:
    """The case the bulk path exists for: many armed watches, one drop, one alert each
    carrying the trigger it was judged against (its record: no event beside it), none of
    them loaded."""
    store = twins.bulk
    armed = RuleState(armed=True, last_price=Decimal("200.00"))
    followers = [await add(store, "p-popular", Decimal("150.00"), armed) for _ in range(50)]
    waiting = await add(
        store, "p-popular", Decimal("150.00"), RuleState(True, Decimal("200"), Decimal("1.00"))
    )
    moves = plain_moves({"p-popular": Decimal("149.99")}, {"p-popular": Decimal("200")}, NOW)

    loaded = await store.watches.for_products(["p-popular"], moves)
    recorded = await store.watches.record_poll(
        plan_poll(loaded, {"p-popular": Decimal("149.99")}, {}, NOW, moves)
    )

    assert [watch.id for watch in loaded] == [waiting.id], "only the odd one is loaded"
    assert recorded.alerts == len(followers) + 1, "the odd one fires too, one by one"
    after = await store.watches.by_ids([watch.id for watch in followers])
    assert all(
        after[watch.id].state == RuleState(False, Decimal("149.99"), None, 1, Decimal("200"))
        for watch in followers
    )
    assert all(after[w.id].version == w.version + 1 for w in followers), "a write, a version"
    made = [alert for w in followers for alert in await store.outbox.of_watch(w.id, 50)]
    assert {(a.new_price, a.trigger_price) for a in made} == {
        (Decimal("149.99"), Decimal("150.00"))
    } and len(made) == len(followers)
    events = [event for w in followers for event in await store.events.of_watch(w.id, 50)]
    assert {event.kind for event in events} == {EventKind.CREATED}, "the alert is the record"
    again = await store.watches.record_poll(PollChanges(moves=moves))
    assert (again.alerts, again.conflicts) == (0, []), "a move is applied once"
