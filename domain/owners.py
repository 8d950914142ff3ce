"""Whose watch it is: in a group conversation a watch belongs to the member who made it.

In a 1:1 conversation every watch of the conversation is the user's (no owner scope).
A watch whose maker is not known (no user id) belongs to the whole conversation. The
store applies the same rule in SQL (`state/sql/watches.py`, `OWNED_BY_SQL`).
"""

from __future__ import annotations

from domain.watches import Watch


def belongs_to(watch: Watch, owner: str | None) -> bool:
    """Whether `owner` (a group member's user id; None: a 1:1, anyone) may see and
    change the watch."""
    return owner is None or not watch.user_id or watch.user_id == owner


def owned_by(watches: list[Watch], owner: str | None) -> list[Watch]:
    """The watches `owner` may see and change, in their order."""
    return [watch for watch in watches if belongs_to(watch, owner)]
