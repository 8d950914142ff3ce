"""Whose a watch is: a group member's own, anyone's in a 1:1, the conversation's when its
maker is not known."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from domain.owners import belongs_to, owned_by
from domain.rules import initial_state, percent_rule
from domain.watches import Watch


def watch(watch_id: int, user_id: str) -> Watch:
    rule = percent_rule(Decimal("100"), Decimal(20))
    return Watch(
        id=watch_id,
        conversation_key="msteams/19:g",
        user_id=user_id,
        product_id="p-100",
        product_name="Headphones",
        currency="USD",
        rule=rule,
        state=initial_state(rule),
        created_at=datetime(2026, 11, 25, tzinfo=timezone.utc),
    )


def test_in_a_group_a_member_has_their_own_and_the_ownerless_watches() -> None:
    anas, bens, nobodys = watch(1, "29:ana"), watch(2, "29:ben"), watch(3, "")
    assert owned_by([anas, bens, nobodys], "29:ben") == [bens, nobodys]
    assert not belongs_to(anas, "29:ben")
    assert belongs_to(anas, "29:ana")


def test_in_a_one_to_one_every_watch_is_the_users() -> None:
    watches = [watch(1, "user-1"), watch(2, "user-2-after-a-new-session")]
    assert owned_by(watches, None) == watches
