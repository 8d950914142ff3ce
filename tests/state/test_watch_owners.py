"""Whose a watch is, in the store: the owner's id and name kept, and a group member's
change or removal reaching only their own watches (and those of no known owner)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain import watch_changes
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from state.interfaces import Store

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
GROUP = "msteams/19:group@thread.v2"


def new_watch(user_id: str, owner_name: str | None, product_id: str = "p-100") -> NewWatch:
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    return NewWatch(
        conversation_key=GROUP,
        user_id=user_id,
        product_id=product_id,
        product_name="Noise-cancelling headphones",
        currency="USD",
        rule=rule,
        state=initial_state(rule),
        created_at=T0,
        owner_name=owner_name,
    )


async def test_the_owners_id_and_name_are_kept(store: Store) -> None:
    ana = await store.watches.add(new_watch("29:ana", "Ana Lima"))
    unnamed = await store.watches.add(new_watch("29:ben", None, "p-200"))

    listed = await store.watches.of_conversation(GROUP)
    assert [(w.user_id, w.owner_name) for w in listed] == [("29:ana", "Ana Lima"), ("29:ben", None)]
    assert listed == [ana, unnamed]
    assert (await store.watches.by_ids([ana.id]))[ana.id].owner_name == "Ana Lima"


async def test_a_member_changes_only_their_own_watches_and_the_ownerless(store: Store) -> None:
    ana = await store.watches.add(new_watch("29:ana", "Ana"))
    ben = await store.watches.add(new_watch("29:ben", "Ben", "p-200"))
    nobodys = await store.watches.add(new_watch("", None, "p-300"))
    pause = watch_changes.pause(T0)

    paused = await store.watches.change(GROUP, None, pause, owner="29:ben")

    assert [change.after.id for change in paused] == [ben.id, nobodys.id]
    assert await store.watches.change(GROUP, ana.id, pause, owner="29:ben") == []
    by_id = await store.watches.by_ids([ana.id, ben.id, nobodys.id])
    assert not by_id[ana.id].paused_by_user
    assert by_id[ben.id].paused_by_user and by_id[nobodys.id].paused_by_user
    # Without an owner (a 1:1) every watch of the conversation is in scope.
    snooze = watch_changes.snooze(T0 + timedelta(hours=2), T0)
    assert len(await store.watches.change(GROUP, None, snooze)) == 3


async def test_a_member_cannot_remove_another_members_watch(store: Store) -> None:
    ana = await store.watches.add(new_watch("29:ana", "Ana"))

    assert await store.watches.remove(GROUP, ana.id, owner="29:ben") is False
    assert await store.watches.of_conversation(GROUP) == [ana]
    assert await store.watches.remove(GROUP, ana.id, owner="29:ana") is True
    assert await store.watches.of_conversation(GROUP) == []


async def test_an_ownerless_watch_belongs_to_the_conversation(store: Store) -> None:
    old = await store.watches.add(replace(new_watch("", None), owner_name=None))

    assert await store.watches.remove(GROUP, old.id, owner="29:ben") is True
