"""What the store deletes for `forget me`, and how it keeps and deletes the watches that
stopped when their owner or the bot left, on every backend."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain import watch_changes
from domain.alerts import (
    AlertStatus,
    FailedAttempt,
    FailureKind,
    SendFailure,
    SentMessage,
)
from domain.departures import Departure
from domain.rules import initial_state, percent_rule
from domain.watch_events import EventKind, WatchEvent
from domain.watches import NewWatch, Watch
from state.interfaces import Store
from tests.support.alerts import drop_of
from tests.support.changes import record

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
ANA, BEN = "29:1ana", "29:1ben"
GROUP, OTHER_GROUP, ANAS_CHAT = "msteams/19:g1", "msteams/19:g2", "msteams/a:1ana"


async def add_watch(store: Store, conversation_key: str, user: str, name: str = "") -> Watch:
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    return await store.watches.add(
        NewWatch(
            conversation_key=conversation_key,
            user_id=user,
            product_id="p-100",
            product_name="Noise-cancelling headphones",
            currency="USD",
            rule=rule,
            state=initial_state(rule),
            created_at=T0,
            owner_name=name or None,
        )
    )


async def add_alert(store: Store, watch: Watch, tried: bool = True) -> int:
    """A pending alert of the watch, with one failed try when `tried`; its id."""
    assert await record(store, alerts=[drop_of(watch, T0)]) == 1
    [made] = [a for a in await store.outbox.get(range(1, 1000)) if a.watch_id == watch.id]
    if tried:
        failure = SendFailure(FailureKind.TRANSIENT, "HTTP 503")
        await store.outbox.mark_failed([FailedAttempt(made.id, T0)], T0, failure)
    return made.id


def reference(user: str, name: str, group: bool) -> dict[str, object]:
    conversation: dict[str, object] = {"id": "c", "tenantId": "t"}
    if group:
        conversation["isGroup"] = True
    return {
        "user": {"id": user, "name": name, "aadObjectId": f"aad-{user}"},
        "bot": {"id": "28:bot", "name": "PriceWatch"},
        "conversation": conversation,
        "channelId": "msteams",
        "serviceUrl": "https://smba.example/",
    }


async def test_forget_deletes_the_persons_watches_alerts_attempts_and_events_and_no_one_elses(
    store: Store,
) -> None:
    anas = [
        await add_watch(store, GROUP, ANA, "Ana Lima"),
        await add_watch(store, ANAS_CHAT, ANA),
    ]
    bens = await add_watch(store, GROUP, BEN, "Ben Ode")
    nobodys = await add_watch(store, GROUP, "")
    same_id_elsewhere = await add_watch(store, "emulator/conv", ANA)
    anas_alert = await add_alert(store, anas[0])
    bens_alert = await add_alert(store, bens)
    await store.events.record([WatchEvent(bens.id, T0, EventKind.HELD, alert_id=bens_alert)])

    assert await store.personal.count("msteams", ANA) == (2, 1)
    forgotten = await store.personal.forget("msteams", ANA)

    assert (forgotten.watches, forgotten.alerts) == (2, 1)
    left = await store.watches.by_ids([w.id for w in [*anas, bens, nobodys, same_id_elsewhere]])
    assert sorted(left) == sorted([bens.id, nobodys.id, same_id_elsewhere.id])
    assert [alert.id for alert in await store.outbox.get(range(1, 1000))] == [bens_alert]
    assert await store.outbox.attempts(anas_alert) == []
    assert len(await store.outbox.attempts(bens_alert)) == 1
    assert await store.events.of_watch(anas[0].id, 50) == []
    assert [e.kind for e in await store.events.of_watch(bens.id, 50)] == [
        EventKind.CREATED,
        EventKind.HELD,
    ]
    assert await store.personal.count("msteams", ANA) == (0, 0)


async def test_forget_deletes_a_1_1_reference_and_makes_a_groups_forget_who_spoke_last(
    store: Store,
) -> None:
    await store.references.save(ANAS_CHAT, reference(ANA, "Ana Lima", group=False), T0)
    await store.references.save(GROUP, reference(ANA, "Ana Lima", group=True), T0)
    await store.references.save(OTHER_GROUP, reference(BEN, "Ben Ode", group=True), T0)
    await store.references.save("emulator/a:1ana", reference(ANA, "Ana", group=False), T0)
    upper = reference("29:1ANA", "Someone else", group=False)
    await store.references.save("msteams/a:1upper", upper, T0)

    forgotten = await store.personal.forget("msteams", ANA)

    assert forgotten.private_conversations == [ANAS_CHAT]
    assert await store.references.get(ANAS_CHAT) is None
    group = await store.references.get(GROUP)
    assert group is not None and "user" not in group
    assert group["conversation"] == {"id": "c", "tenantId": "t", "isGroup": True}
    assert await store.references.is_reachable(GROUP)
    assert await store.references.get(OTHER_GROUP) == reference(BEN, "Ben Ode", group=True)
    assert await store.references.get("emulator/a:1ana") is not None, "another channel's"
    assert await store.references.get("msteams/a:1upper") == upper, "ids are case-sensitive"


async def test_state_documents_holding_an_id_are_found_by_their_bytes(store: Store) -> None:
    documents = {
        "msteams/conversations/19:g1": {"MemberSettings": {ANA: {"QuietHours": "22:00-07:00"}}},
        "msteams/conversations/19:g2": {"MemberSettings": {BEN: {"QuietHours": "22:00-07:00"}}},
        "emulator/conversations/c": {"MemberSettings": {ANA: {}}},
    }
    for key, document in documents.items():
        await store.bot_state.write(key, pickle.dumps(document, protocol=5), None)

    assert await store.bot_state.keys_holding("msteams/conversations/", ANA.encode()) == [
        "msteams/conversations/19:g1"
    ]
    assert await store.bot_state.keys_holding("msteams/conversations/", b"29:1") == [
        "msteams/conversations/19:g1",
        "msteams/conversations/19:g2",
    ]


async def test_a_stopped_watch_is_deleted_after_retention_with_its_open_alerts(
    store: Store,
) -> None:
    stopped_long_ago = await add_watch(store, GROUP, ANA)
    stopped_lately = await add_watch(store, GROUP, BEN)
    resumed = await add_watch(store, OTHER_GROUP, ANA)
    old_alert = await add_alert(store, stopped_long_ago, tried=False)
    for watch, when in [(stopped_long_ago, T0), (stopped_lately, T0 + timedelta(days=20))]:
        await store.watches.change(
            GROUP, watch.id, watch_changes.left(Departure.MEMBER_LEFT, when), watch.user_id
        )
    await store.watches.change(
        OTHER_GROUP, resumed.id, watch_changes.left(Departure.BOT_REMOVED, T0)
    )
    await store.watches.change(OTHER_GROUP, resumed.id, watch_changes.resume(T0))

    [stored] = (await store.watches.by_ids([stopped_long_ago.id])).values()
    assert (stored.left_at, stored.left_why) == (T0, Departure.MEMBER_LEFT)
    assert [a.id for a in await store.outbox.open_of_watches([stopped_long_ago.id])] == [old_alert]

    assert await store.watches.remove_left(T0 + timedelta(days=10)) == 1
    assert sorted(
        await store.watches.by_ids([w.id for w in [stopped_long_ago, stopped_lately, resumed]])
    ) == sorted([stopped_lately.id, resumed.id])
    assert await store.outbox.open_of_watches([stopped_long_ago.id]) == []
    assert await store.watches.remove_left(T0 + timedelta(days=10)) == 0


async def test_open_of_watches_leaves_out_finished_alerts(store: Store) -> None:
    watch = await add_watch(store, GROUP, ANA)
    alert = await add_alert(store, watch, tried=False)
    assert [a.status for a in await store.outbox.open_of_watches([watch.id])] == [
        AlertStatus.PENDING
    ]
    await store.outbox.mark_sent([SentMessage([alert], T0)])
    assert await store.outbox.open_of_watches([watch.id]) == []
