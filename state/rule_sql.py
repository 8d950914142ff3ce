"""The rule in SQL, for the one place the poll needs it in bulk: a plain price move.

The twin of `domain.rules.evaluate` for the watches a plain move leaves quiet: they
follow the move (last saw the move's previous price, are not paused for an outage,
await no confirmation, have a comparable trigger) and the new price keeps them on the
same side of their trigger, so only their last price changes: no alert, no event, no
new arming. Every other watch of the product is loaded and evaluated in Python, where
every alert is born (`domain.alert_birth`). A property test holds the two equal
(tests/state/test_bulk_moves.py). Standard SQL that SQLite and PostgreSQL both run; the
watches table is `watches`, its trigger in whole cents `trigger_cents`
(`domain.rules.comparable_cents`), its flags integers.
"""

from __future__ import annotations


def follows_move_sql(previous: str) -> str:
    """True when a watch takes a plain move by its trigger alone, given the SQL for the
    move's previous price (stored as canonical text). Never NULL."""
    return (
        f"(watches.last_price IS NOT DISTINCT FROM {previous} AND watches.paused = 0 "
        "AND watches.unconfirmed_price IS NULL AND watches.trigger_cents IS NOT NULL)"
    )


def quiet_follower_sql(previous: str, cents_up: str) -> str:
    """True when a watch follows the move and stays on its side of its trigger: armed
    and still above it (`cents_up`, the SQL for the move's `cents_up(price)`), or
    disarmed and still at or under it."""
    return (
        f"({follows_move_sql(previous)} AND CASE WHEN watches.armed = 1 "
        f"THEN watches.trigger_cents < {cents_up} ELSE watches.trigger_cents >= {cents_up} END)"
    )
