from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.alerts import (
    Alert,
    AlertKind,
    AlertStatus,
    FailedAttempt,
    FailureKind,
    NewAlert,
    SendFailure,
    SentMessage,
)
from domain.rules import RuleState, below_rule, initial_state, percent_rule
from domain.watches import NewWatch
from state.interfaces import EtagConflict, StateRecord, Store
from state.sqlite import SqliteStore
from tests.support.changes import record

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
CONVERSATION = "msteams/conv-a"
OTHER_CONVERSATION = "msteams/conv-b"
THIRD_CONVERSATION = "msteams/conv-c"
NO_ALERTS = {"pending": 0, "held": 0, "sent": 0, "failed": 0}
HOSTILE = [
    "'); DROP TABLE watches; --",
    '"; DELETE FROM alerts; --',
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE bot_state;-- 🎧 \u202eevil",
]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_watch(
    conversation_key: str = CONVERSATION,
    product_id: str = "p-100",
    product_name: str = "Noise-cancelling headphones",
    start: str = "199.99",
) -> NewWatch:

    rule = percent_rule(Decimal(start), Decimal(20))
    return NewWatch(
        conversation_key=conversation_key,
        user_id="user-1",
        product_id=product_id,
        product_name=product_name,
        currency="USD",
        rule=rule,
        state=initial_state(rule),
        created_at=T0,
    )


def new_alert(
    watch_id: int,
    dedupe_key: str,
    conversation_key: str = CONVERSATION,
    seen_at: datetime = T0,
    product_name: str = "Noise-cancelling headphones",
) -> NewAlert:
    return NewAlert(
        dedupe_key=dedupe_key,
        conversation_key=conversation_key,
        watch_id=watch_id,
        product_id="p-100",
        product_name=product_name,
        currency="USD",
        old_price=Decimal("199.99"),
        new_price=Decimal("150.00"),
        seen_at=seen_at,
    )


def keys(alerts: list[Alert]) -> list[str]:
    return [alert.dedupe_key for alert in alerts]


def owned(alerts: list[Alert]) -> list[tuple[str, str]]:
    """Each alert's conversation and dedupe key."""
    return [(alert.conversation_key, alert.dedupe_key) for alert in alerts]


def reference(conversation_key: str) -> dict[str, Any]:
    return {"conversation": {"id": conversation_key.removeprefix("msteams/")}}


async def make_reachable(store: Store, *conversation_keys: str) -> None:
    """Save a reference, as an inbound message does: due alerts there can be claimed."""
    for conversation_key in conversation_keys:
        await store.references.save(conversation_key, reference(conversation_key), T0)


async def poll(
    store: Store,
    states: list[tuple[int, RuleState]] | None = None,
    alerts: list[NewAlert] | None = None,
) -> int:
    return await record(store, states or [], alerts or [])


async def add_alerts(store: Store, *dedupe_keys: str, seen_at: datetime = T0) -> int:
    """A watch with one pending alert per key; returns the watch id."""
    await make_reachable(store, CONVERSATION)
    watch = await store.watches.add(new_watch())
    created = await poll(
        store, alerts=[new_alert(watch.id, key, seen_at=seen_at) for key in dedupe_keys]
    )
    assert created == len(dedupe_keys)
    return watch.id


async def alert_ids(store: Store, conversation_key: str = CONVERSATION) -> dict[str, int]:
    """Ids of a conversation's open alerts by dedupe key; the lease given has already run out."""
    claimed = await store.outbox.claim_conversation(conversation_key, at(10**6), T0)
    return {alert.dedupe_key: alert.id for alert in claimed}


# --- conversation references ---


async def test_a_reference_round_trips_and_is_overwritten(store: Store) -> None:
    first = {"conversation": {"id": "conv-a"}, "serviceUrl": "https://smba.example/"}
    second = {"conversation": {"id": "conv-a"}, "serviceUrl": "https://smba2.example/"}

    assert await store.references.get(CONVERSATION) is None
    await store.references.save(CONVERSATION, first, T0)
    assert await store.references.get(CONVERSATION) == first
    await store.references.save(CONVERSATION, second, at(60))
    assert await store.references.get(CONVERSATION) == second


async def test_get_references_returns_the_stored_ones_by_key(store: Store) -> None:
    await make_reachable(store, CONVERSATION, OTHER_CONVERSATION)
    for text in HOSTILE:
        await store.references.save(text, {"conversation": {"id": text}}, T0)

    assert await store.references.get_many([]) == {}
    assert await store.references.get_many(["msteams/nobody"]) == {}
    assert await store.references.get_many(
        [OTHER_CONVERSATION, "msteams/nobody", CONVERSATION]
    ) == {
        CONVERSATION: {"conversation": {"id": "conv-a"}},
        OTHER_CONVERSATION: {"conversation": {"id": "conv-b"}},
    }
    assert await store.references.get_many([*HOSTILE, "msteams/nobody"]) == {
        text: {"conversation": {"id": text}} for text in HOSTILE
    }
    many = [f"msteams/unknown-{n}" for n in range(1200)] + [CONVERSATION]
    assert await store.references.get_many(many) == {CONVERSATION: reference(CONVERSATION)}


# --- watches ---


async def test_added_watches_are_listed_per_conversation(store: Store) -> None:
    first = await store.watches.add(new_watch())
    below = below_rule(Decimal("449.00"), Decimal(400))
    second = await store.watches.add(
        replace(new_watch(product_id="p-200"), rule=below, state=initial_state(below))
    )
    other = await store.watches.add(new_watch(OTHER_CONVERSATION))

    assert await store.watches.of_conversation(CONVERSATION) == [first, second]
    assert await store.watches.of_conversation(OTHER_CONVERSATION) == [other]
    assert await store.watches.of_conversation("msteams/nobody") == []
    assert second.rule.trigger_price == Decimal("400.00")
    assert second.rule.threshold_percent is None
    assert first.rule.threshold_percent == Decimal(20)
    assert first.created_at == T0


async def test_a_watch_is_removed_only_from_its_own_conversation(store: Store) -> None:
    watch = await store.watches.add(new_watch())

    assert await store.watches.remove(OTHER_CONVERSATION, watch.id) is False
    assert await store.watches.of_conversation(CONVERSATION) == [watch]
    assert await store.watches.remove(CONVERSATION, watch.id) is True
    assert await store.watches.of_conversation(CONVERSATION) == []
    assert await store.watches.remove(CONVERSATION, watch.id) is False


async def test_removing_a_watch_drops_its_unsent_alerts_but_keeps_sent_ones(
    store: Store,
) -> None:
    watch_id = await add_alerts(store, "sent", "held", "pending")
    kept = await store.watches.add(new_watch(product_id="p-200"))
    await poll(store, alerts=[new_alert(kept.id, "other-watch")])
    by_key = await alert_ids(store)
    await store.outbox.mark_sent([SentMessage([by_key["sent"]], T0)])
    await store.outbox.mark_held([by_key["held"]], T0, hold_seconds=60)

    assert await store.watches.remove(CONVERSATION, watch_id) is True

    assert await store.outbox.counts() == {**NO_ALERTS, "sent": 1, "pending": 1}
    later = at(10**7)
    assert owned(await store.outbox.claim_due(later, later, 10)) == [(CONVERSATION, "other-watch")]
    assert keys(await store.outbox.claim_conversation(CONVERSATION, later, later)) == [
        "other-watch"
    ]


async def test_an_alert_for_a_watch_removed_before_the_poll_was_recorded_is_dropped(
    store: Store,
) -> None:
    # The poller reads watches, then records the poll: the user can remove the watch between.
    await make_reachable(store, CONVERSATION)
    watch = await store.watches.add(new_watch())
    await store.watches.remove(CONVERSATION, watch.id)

    created = await poll(
        store,
        states=[(watch.id, RuleState(armed=False, last_price=Decimal("150.00"), crossings=1))],
        alerts=[new_alert(watch.id, f"watch-{watch.id}-crossing-1")],
    )

    assert created == 0
    assert await store.outbox.claim_due(T0, at(60), 10) == []
    assert await store.outbox.claim_conversation(CONVERSATION, T0, at(60)) == []


async def test_watched_product_ids_are_distinct(store: Store) -> None:
    assert await store.watches.watched_product_ids() == []
    await store.watches.add(new_watch(CONVERSATION, "p-100"))
    await store.watches.add(new_watch(OTHER_CONVERSATION, "p-100"))
    only_espresso = await store.watches.add(new_watch(CONVERSATION, "p-200"))

    assert await store.watches.watched_product_ids() == ["p-100", "p-200"]

    await store.watches.remove(CONVERSATION, only_espresso.id)
    assert await store.watches.watched_product_ids() == ["p-100"]


async def test_watches_for_products(store: Store) -> None:
    a = await store.watches.add(new_watch(CONVERSATION, "p-100"))
    b = await store.watches.add(new_watch(OTHER_CONVERSATION, "p-100"))
    c = await store.watches.add(new_watch(CONVERSATION, "p-200"))
    await store.watches.add(new_watch(CONVERSATION, "p-300"))

    assert await store.watches.for_products(["p-100"]) == [a, b]
    assert await store.watches.for_products(["p-200", "p-100"]) == [a, b, c]
    assert await store.watches.for_products([]) == []
    assert await store.watches.for_products(["p-nope"]) == []
    many = [f"p-unknown-{n}" for n in range(1200)] + ["p-200"]
    assert await store.watches.for_products(many) == [c]


# --- polls ---


async def test_record_poll_saves_states_and_creates_alerts(store: Store) -> None:
    await make_reachable(store, CONVERSATION)
    watch = await store.watches.add(new_watch())
    fired = RuleState(armed=False, last_price=Decimal("150.00"), crossings=1)

    created = await poll(
        store,
        states=[(watch.id, fired)],
        alerts=[new_alert(watch.id, f"watch-{watch.id}-crossing-1")],
    )

    assert created == 1
    [saved] = await store.watches.of_conversation(CONVERSATION)
    assert saved.state == fired
    [alert] = await store.outbox.claim_due(T0, at(60), 10)
    assert alert.conversation_key == CONVERSATION
    assert (alert.status, alert.kind) == (AlertStatus.PENDING, AlertKind.DROP)
    assert (alert.old_price, alert.new_price) == (Decimal("199.99"), Decimal("150.00"))
    assert (alert.watch_id, alert.product_name, alert.seen_at) == (
        watch.id,
        watch.product_name,
        T0,
    )
    assert (alert.attempts, alert.held_at, alert.last_error) == (0, None, None)


async def test_a_state_awaiting_confirmation_round_trips(store: Store) -> None:
    watch = await store.watches.add(new_watch())
    waiting = RuleState(armed=True, last_price=Decimal("199.99"), unconfirmed_price=Decimal("0.01"))

    assert await poll(store, states=[(watch.id, waiting)]) == 0
    [saved] = await store.watches.of_conversation(CONVERSATION)
    assert saved.state == waiting


async def test_the_same_dedupe_key_creates_one_alert(store: Store) -> None:
    watch = await store.watches.add(new_watch())
    alert = new_alert(watch.id, "watch-1-crossing-1")

    assert await poll(store, alerts=[alert]) == 1
    assert await poll(store, alerts=[alert]) == 0
    assert await poll(store, alerts=[alert, alert, new_alert(watch.id, "k2")]) == 1
    assert await store.outbox.counts() == {**NO_ALERTS, "pending": 2}


# --- the outbox ---


async def test_claim_due_alerts_leases_them(store: Store) -> None:
    await add_alerts(store, "a", "b", seen_at=at(10))

    assert await store.outbox.claim_due(at(9), at(69), 10) == []
    assert keys(await store.outbox.claim_due(at(10), at(70), 10)) == ["a", "b"]
    assert await store.outbox.claim_due(at(69), at(129), 10) == []
    assert keys(await store.outbox.claim_due(at(70), at(130), 10)) == ["a", "b"]


async def test_claim_due_alerts_takes_every_conversations_alerts(store: Store) -> None:
    await add_alerts(store, "mine")
    await make_reachable(store, OTHER_CONVERSATION)
    theirs = await store.watches.add(new_watch(OTHER_CONVERSATION))
    await poll(store, alerts=[new_alert(theirs.id, "theirs", conversation_key=OTHER_CONVERSATION)])

    assert owned(await store.outbox.claim_due(T0, at(60), 10)) == [
        (CONVERSATION, "mine"),
        (OTHER_CONVERSATION, "theirs"),
    ]
    assert await store.outbox.claim_due(T0, at(60), 10) == []


async def test_claim_due_alerts_takes_the_earliest_due_unclaimed_alerts_of_reachable_ones(
    store: Store,
) -> None:
    # Made first and due first, but nobody there ever wrote: no reference, so never claimed.
    silent = await store.watches.add(new_watch(THIRD_CONVERSATION))
    await poll(store, alerts=[new_alert(silent.id, "silent", conversation_key=THIRD_CONVERSATION)])
    await make_reachable(store, OTHER_CONVERSATION)
    theirs = await store.watches.add(new_watch(OTHER_CONVERSATION))
    await poll(
        store,
        alerts=[new_alert(theirs.id, "later", conversation_key=OTHER_CONVERSATION, seen_at=at(30))],
    )
    await add_alerts(store, "a", "b")  # made after "later", due before it

    assert await store.outbox.claim_due(at(30), at(90), 0) == []
    assert owned(await store.outbox.claim_due(at(30), at(90), 1)) == [(CONVERSATION, "a")]
    assert owned(await store.outbox.claim_due(at(30), at(90), 1)) == [(CONVERSATION, "b")]
    await store.references.mark_unreachable(OTHER_CONVERSATION, at(30))
    assert await store.outbox.claim_due(at(31), at(91), 10) == []

    await store.references.save(OTHER_CONVERSATION, reference(OTHER_CONVERSATION), at(32))
    assert owned(await store.outbox.claim_due(at(32), at(92), 10)) == [
        (OTHER_CONVERSATION, "later")
    ]
    await make_reachable(store, THIRD_CONVERSATION)
    assert owned(await store.outbox.claim_due(at(33), at(93), 10)) == [
        (THIRD_CONVERSATION, "silent")
    ]
    assert await store.outbox.counts() == {**NO_ALERTS, "pending": 4}


async def test_claim_conversation_alerts(store: Store) -> None:
    await make_reachable(store, CONVERSATION, OTHER_CONVERSATION)
    mine = await store.watches.add(new_watch())
    theirs = await store.watches.add(new_watch(OTHER_CONVERSATION))
    await poll(
        store,
        alerts=[
            new_alert(mine.id, "mine-pending"),
            new_alert(mine.id, "mine-held"),
            new_alert(mine.id, "mine-sent"),
            new_alert(theirs.id, "theirs", conversation_key=OTHER_CONVERSATION),
        ],
    )
    by_key = await alert_ids(store)
    await store.outbox.mark_sent([SentMessage([by_key["mine-sent"]], T0)])
    await store.outbox.mark_held([by_key["mine-held"]], T0, hold_seconds=3600)

    claimed = await store.outbox.claim_conversation(CONVERSATION, at(1), at(61))

    assert keys(claimed) == ["mine-pending", "mine-held"]
    assert [alert.status for alert in claimed] == [AlertStatus.PENDING, AlertStatus.HELD]
    assert await store.outbox.claim_conversation(CONVERSATION, at(2), at(62)) == []
    assert owned(await store.outbox.claim_due(at(2), at(62), 10)) == [
        (OTHER_CONVERSATION, "theirs")
    ]
    assert owned(await store.outbox.claim_due(at(61), at(121), 10)) == [
        (CONVERSATION, "mine-pending")
    ]


async def test_a_sent_alert_is_never_claimed_again(store: Store) -> None:
    await add_alerts(store, "a")
    [alert] = await store.outbox.claim_due(T0, at(60), 10)

    await store.outbox.mark_sent([SentMessage([alert.id], at(1))])

    later = at(10**6)
    assert await store.outbox.claim_due(later, later, 10) == []
    assert await store.outbox.claim_conversation(CONVERSATION, later, later) == []
    assert await store.outbox.counts() == {**NO_ALERTS, "sent": 1}


async def test_a_held_alert_is_due_when_the_first_hold_runs_out(store: Store) -> None:
    await add_alerts(store, "a")
    [alert] = await store.outbox.claim_due(T0, at(60), 10)

    await store.outbox.mark_held([alert.id], at(100), hold_seconds=300)
    assert await store.outbox.claim_due(at(399), at(459), 10) == []
    await store.outbox.mark_held([alert.id], at(399), hold_seconds=300)  # held again: no extension

    [due] = await store.outbox.claim_due(at(400), at(460), 10)
    assert due.status is AlertStatus.HELD
    assert due.held_at == at(100)
    assert await store.outbox.counts() == {**NO_ALERTS, "held": 1}


async def test_a_failed_attempt_is_retried_at_retry_at(store: Store) -> None:
    await add_alerts(store, "a")
    [alert] = await store.outbox.claim_due(T0, at(600), 10)

    await store.outbox.mark_failed([FailedAttempt(alert.id, at(31))], at(1), failure("HTTP 503"))
    assert await store.outbox.claim_due(at(30), at(90), 10) == []
    [retry] = await store.outbox.claim_due(at(31), at(91), 10)
    assert retry.status is AlertStatus.PENDING
    assert (retry.attempts, retry.last_error) == (1, "HTTP 503")

    await store.outbox.mark_failed([FailedAttempt(alert.id, at(92))], at(32), failure("timeout"))
    [again] = await store.outbox.claim_due(at(92), at(152), 10)
    assert (again.attempts, again.last_error) == (2, "timeout")
    assert again.last_failure is FailureKind.TRANSIENT


async def test_each_alert_keeps_its_own_attempts_and_retry_time(store: Store) -> None:
    await add_alerts(store, "a", "b")
    first, second = await store.outbox.claim_due(T0, at(600), 10)
    await store.outbox.mark_failed([FailedAttempt(first.id, at(31))], at(1), failure("HTTP 503"))
    [first] = await store.outbox.claim_due(at(31), at(631), 10)

    await store.outbox.mark_failed(
        [FailedAttempt(first.id, None), FailedAttempt(second.id, at(90))],
        at(40),
        failure("HTTP 403", FailureKind.UNREACHABLE),
    )

    gone, retried = await store.outbox.get([first.id, second.id])
    assert (gone.status, gone.attempts) == (AlertStatus.FAILED, 2)
    assert (retried.status, retried.attempts) == (AlertStatus.PENDING, 1)
    assert gone.last_failure is retried.last_failure is FailureKind.UNREACHABLE
    assert await store.outbox.claim_due(at(89), at(150), 10) == []
    assert keys(await store.outbox.claim_due(at(90), at(150), 10)) == ["b"]


async def test_a_failed_attempt_without_retry_gives_up(store: Store) -> None:
    await add_alerts(store, "a", "b")
    by_key = await alert_ids(store)

    await store.outbox.mark_failed(
        [FailedAttempt(by_key["a"], None)], at(1), failure("bot was blocked")
    )

    assert await store.outbox.counts() == {**NO_ALERTS, "failed": 1, "pending": 1}
    [failed] = await store.outbox.get([by_key["a"]])
    assert (failed.status, failed.attempts, failed.last_error) == (
        AlertStatus.FAILED,
        1,
        "bot was blocked",
    )
    later = at(10**7)
    assert keys(await store.outbox.claim_due(later, later, 10)) == ["b"]
    assert keys(await store.outbox.claim_conversation(CONVERSATION, later, later)) == ["b"]


async def test_marking_no_alerts_is_a_no_op(store: Store) -> None:
    await store.outbox.mark_sent([SentMessage([], T0)])
    await store.outbox.mark_held([], T0, 60)
    await store.outbox.mark_failed([], T0, failure("x"))

    assert await store.outbox.counts() == NO_ALERTS


def failure(description: str, kind: FailureKind = FailureKind.TRANSIENT) -> SendFailure:
    return SendFailure(kind, description)


# --- bot state documents ---


async def test_state_documents_follow_etags(store: Store) -> None:
    assert await store.bot_state.read(["conv"]) == {}
    assert await store.bot_state.read([]) == {}

    first = await store.bot_state.write("conv", b"v1", None)
    assert await store.bot_state.read(["conv", "missing"]) == {"conv": StateRecord(b"v1", first)}

    second = await store.bot_state.write("conv", b"v2", first)
    assert second != first
    with pytest.raises(EtagConflict):
        await store.bot_state.write("conv", b"stale", first)
    assert await store.bot_state.read(["conv"]) == {"conv": StateRecord(b"v2", second)}

    third = await store.bot_state.write("conv", b"v3", None)
    assert third not in (first, second)
    assert await store.bot_state.read(["conv"]) == {"conv": StateRecord(b"v3", third)}


async def test_delete_state(store: Store) -> None:
    await store.bot_state.write("a", b"1", None)
    await store.bot_state.write("b", b"2", None)

    await store.bot_state.delete(["a", "missing"])
    await store.bot_state.delete([])

    assert list(await store.bot_state.read(["a", "b"])) == ["b"]


# --- restarts and hostile text ---


async def test_everything_survives_a_restart(db_path: Path) -> None:
    store = SqliteStore(db_path)
    await store.open()
    await store.references.save(CONVERSATION, {"conversation": {"id": "conv-a"}}, T0)
    watch = await store.watches.add(new_watch())
    fired = RuleState(armed=False, last_price=Decimal("150.00"), crossings=1)
    await poll(
        store,
        states=[(watch.id, fired)],
        alerts=[new_alert(watch.id, "a"), new_alert(watch.id, "b")],
    )
    [a, b] = await store.outbox.claim_due(T0, at(60), 10)
    await store.outbox.mark_sent([SentMessage([a.id], T0)])
    etag = await store.bot_state.write("conv", b"document", None)
    await store.close()

    reopened = SqliteStore(db_path)
    await reopened.open()
    try:
        assert await reopened.references.get(CONVERSATION) == {"conversation": {"id": "conv-a"}}
        assert await reopened.watches.of_conversation(CONVERSATION) == [
            replace(watch, state=fired, version=watch.version + 1)
        ]
        assert await reopened.outbox.counts() == {**NO_ALERTS, "sent": 1, "pending": 1}
        assert await reopened.outbox.claim_due(at(59), at(119), 10) == []  # leased
        assert owned(await reopened.outbox.claim_due(at(60), at(120), 10)) == [(CONVERSATION, "b")]
        assert await reopened.bot_state.read(["conv"]) == {"conv": StateRecord(b"document", etag)}
        assert await reopened.bot_state.write("conv", b"next", etag) != etag
    finally:
        await reopened.close()


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
async def test_hostile_text_is_stored_verbatim(store: Store, text: str) -> None:
    await store.references.save(text, {"conversation": {"id": text}}, T0)
    watch = await store.watches.add(
        new_watch(conversation_key=text, product_id=text, product_name=text)
    )
    await poll(store, alerts=[new_alert(watch.id, text, conversation_key=text, product_name=text)])
    etag = await store.bot_state.write(text, text.encode(), None)

    assert await store.references.get(text) == {"conversation": {"id": text}}
    [listed] = await store.watches.of_conversation(text)
    assert (listed.conversation_key, listed.product_id, listed.product_name) == (text, text, text)
    assert await store.watches.watched_product_ids() == [text]
    assert await store.watches.for_products([text]) == [listed]
    assert await store.references.get_many([text]) == {text: {"conversation": {"id": text}}}
    [alert] = await store.outbox.claim_due(T0, at(60), 10)
    assert (alert.dedupe_key, alert.conversation_key, alert.product_name) == (text, text, text)
    assert await store.bot_state.read([text]) == {text: StateRecord(text.encode(), etag)}
    assert await store.watches.remove(text, watch.id) is True
    await store.bot_state.delete([text])
    # Every table is still there, and nothing else was changed.
    assert await store.watches.of_conversation(text) == []
    assert await store.outbox.counts() == NO_ALERTS
    assert await store.bot_state.read([text]) == {}
    assert await store.references.get(text) == {"conversation": {"id": text}}


async def test_a_closed_store_refuses_work(db_path: Path) -> None:
    store = SqliteStore(db_path)

    with pytest.raises(RuntimeError):
        await store.ping()
    await store.open()
    await store.ping()
    await store.close()
    with pytest.raises(RuntimeError):
        await store.watches.of_conversation(CONVERSATION)


async def test_an_alert_held_for_quiet_hours_is_due_at_the_windows_end(store: Store) -> None:
    await add_alerts(store, "a")
    [alert] = await store.outbox.claim_due(T0, at(60), 10)

    await store.outbox.mark_held([alert.id], at(100), hold_seconds=300, until=at(5000))
    assert await store.outbox.claim_due(at(4999), at(5059), 10) == []

    [due] = await store.outbox.claim_due(at(5000), at(5060), 10)
    assert due.status is AlertStatus.HELD
    assert due.quiet_until == at(5000)
    assert due.held_at is None, "the dialog hold's clock has not started"


async def test_waking_quiet_holds_makes_them_due_now(store: Store) -> None:
    await add_alerts(store, "a", "b")
    a, b = await store.outbox.claim_due(T0, at(60), 10)
    await store.outbox.mark_held([a.id], at(100), hold_seconds=300, until=at(5000))
    await store.outbox.mark_held([b.id], at(100), hold_seconds=300)  # a dialog's hold

    assert await store.outbox.wake_quiet(CONVERSATION, at(200)) == 1
    assert await store.outbox.wake_quiet("someone-else", at(200)) == 0

    [due] = await store.outbox.claim_due(at(200), at(260), 10)
    assert due.id == a.id


async def test_a_watchs_recent_alerts_come_oldest_first(store: Store) -> None:
    watch_id = await add_alerts(store, "a", "b", "c")
    [a, b, c] = await store.outbox.claim_due(T0, at(60), 10)
    await store.outbox.mark_sent([SentMessage([a.id], at(1))])

    assert [alert.id for alert in await store.outbox.of_watch(watch_id, 2)] == [b.id, c.id]
    recent = await store.outbox.of_watch(watch_id, 10)
    assert [alert.status for alert in recent] == [
        AlertStatus.SENT,
        AlertStatus.PENDING,
        AlertStatus.PENDING,
    ]
    assert await store.outbox.of_watch(watch_id + 1, 10) == []


async def test_dropped_alerts_are_never_sent_and_say_why(store: Store) -> None:
    await add_alerts(store, "a", "b", "c")
    a, b, c = await store.outbox.claim_due(T0, at(60), 10)
    await store.outbox.mark_sent([SentMessage([c.id], at(1))])
    await store.outbox.mark_held([b.id], at(1), hold_seconds=300)

    dropped = await store.outbox.mark_dropped([a.id, b.id, c.id], at(2), "the target changed")

    assert dropped == [a.id, b.id]  # the sent one stays sent
    assert await store.outbox.claim_due(at(1000), at(1060), 10) == []
    [a, b, c] = await store.outbox.get([a.id, b.id, c.id])
    assert (a.status, a.last_error, a.attempts) == (AlertStatus.FAILED, "the target changed", 0)
    assert (b.status, c.status) == (AlertStatus.FAILED, AlertStatus.SENT)
    assert await store.outbox.attempts(a.id) == []
    assert await store.outbox.counts() == {**NO_ALERTS, "failed": 2, "sent": 1}
    assert await store.outbox.mark_dropped([], at(3), "nothing") == []
    assert await store.outbox.prune(at(3), 10) == 3
