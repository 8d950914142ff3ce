"""The poll's rules in SQL, for the one place it needs them in bulk: a plain price move.

A plain move (`domain.rules.plain_move_cents`) changes each watch that follows it (last
saw the move's previous price, is not paused for an outage, awaits no confirmation, has
a comparable trigger) by comparing the new price with its trigger alone. A popular
product's drop fires thousands of watches at once, so the store applies the move to all
its followers in a few statements instead of loading them: these are the twins of the
Python rules for that case, and the only ones.

- the rule, `domain.rules.evaluate`: `fires_sql`, `armed_after_sql`,
  `crossings_after_sql`, `crossed_from_after_sql`;
- the alert's birth, `domain.alert_birth.born` for a `Crossing`: `CROSSING_KEY_SQL`,
  `CROSSING_KIND_SQL`, `ALERT_BASELINE_SQL`, and `asleep_sql` (`domain.sleep.is_asleep`);
- the event it records, `domain.watch_changes.priced`: `event_kind_sql`.

Change one, change the other: a property test holds them equal on real databases
(tests/state/test_bulk_moves.py). Standard SQL that SQLite and PostgreSQL both run; the
watches table is `watches` as it is before the move, its trigger in whole cents
`trigger_cents` (`domain.rules.comparable_cents`), its flags integers (1 or 0).
"""

from __future__ import annotations

from typing import Final

from domain.alerts import AlertKind
from domain.rules import RuleKind
from domain.watch_events import EventKind


def follows_move_sql(previous: str) -> str:
    """True when a watch takes a plain move in bulk, given the SQL for the move's
    previous price (stored as canonical text). Never NULL, so its NOT is exactly the
    watches the poll loads."""
    return (
        f"(watches.last_price IS NOT DISTINCT FROM {previous} AND watches.paused = 0 "
        "AND watches.unconfirmed_price IS NULL AND watches.trigger_cents IS NOT NULL)"
    )


def fires_sql(cents_up: str) -> str:
    """`evaluate` fires: armed, and the price (`cents_up`, the SQL for the move's
    `cents_up(price)`) is at or under the trigger."""
    return f"(watches.armed = 1 AND watches.trigger_cents >= {cents_up})"


def armed_after_sql(cents_up: str) -> str:
    """`evaluate`'s armed state after a plain move, 1 or 0: the price is above the trigger."""
    return f"(CASE WHEN watches.trigger_cents < {cents_up} THEN 1 ELSE 0 END)"


def crossings_after_sql(cents_up: str) -> str:
    """The crossing count after a plain move: one more if it fires."""
    return f"(watches.crossings + CASE WHEN {fires_sql(cents_up)} THEN 1 ELSE 0 END)"


def crossed_from_after_sql(cents_up: str) -> str:
    """`crossed_from` after a plain move: the last price if it fires."""
    return (
        f"(CASE WHEN {fires_sql(cents_up)} THEN watches.last_price ELSE watches.crossed_from END)"
    )


def asleep_sql(now: str) -> str:
    """`domain.sleep.is_asleep`, given the SQL for the moment; never NULL."""
    return (
        "(watches.left_at IS NOT NULL OR watches.paused_by_user = 1 "
        f"OR (watches.snoozed_until IS NOT NULL AND watches.snoozed_until > {now}) "
        f"OR (watches.expires_at IS NOT NULL AND watches.expires_at <= {now}))"
    )


CROSSING_KEY_SQL: Final = "'watch-' || watches.id || '-crossing-' || (watches.crossings + 1)"
"""The key `domain.alerts.dedupe_key` gives the crossing a watch fires for."""

CROSSING_KIND_SQL: Final = (
    f"(CASE WHEN watches.kind = '{RuleKind.PROTECT.value}' THEN '{AlertKind.PROTECT.value}' "
    f"ELSE '{AlertKind.DROP.value}' END)"
)
"""`domain.alerts.crossing_kind`."""

ALERT_BASELINE_SQL: Final = (
    f"(CASE WHEN watches.kind = '{RuleKind.BELOW.value}' AND watches.last_price IS NOT NULL "
    "THEN watches.last_price ELSE watches.start_price END)"
)
"""The price a crossing alert says the price fell from (`domain.alert_birth`)."""


def event_kind_sql(cents_up: str, now: str) -> str:
    """The event `domain.watch_changes.priced` records for a plain move: fired while
    asleep, armed again, or NULL for none (a crossing that makes an alert has the alert
    as its record)."""
    return (
        f"(CASE WHEN {fires_sql(cents_up)} THEN (CASE WHEN {asleep_sql(now)} "
        f"THEN '{EventKind.FIRED_ASLEEP.value}' END) "
        f"WHEN watches.armed = 0 AND {armed_after_sql(cents_up)} = 1 "
        f"THEN '{EventKind.ARMED.value}' END)"
    )
