"""Watches and alerts to and from table rows, for every backend: the same columns, the
same canonical texts; only how a backend writes a moment differs, so it passes those in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from domain.alerts import Alert, AlertKind, AlertStatus, FailureKind, NewAlert
from domain.departures import Departure
from domain.rules import Rule, RuleKind, RuleState, comparable_cents
from domain.watches import NewWatch, Watch
from state.columns import dec, price_text_or_none, text

RULE_COLUMNS = {
    "kind": "text",
    "threshold_percent": "text",
    "start_price": "text",
    "trigger_price": "text",
    "trigger_cents": "bigint",
    "armed": "int",
    "last_price": "text",
    "unconfirmed_price": "text",
    "crossings": "int",
    "crossed_from": "text",
}
"""A watch's rule and its state, in the order `rule_values` gives them, with their types
(as `ROWS(...)` in state/sql/ names them; `moment`: a point in time)."""

WATCH_COLUMNS = {
    "conversation_key": "text",
    "user_id": "text",
    "product_id": "text",
    "product_name": "text",
    "currency": "text",
    **RULE_COLUMNS,
    "created_at": "moment",
    "expires_at": "moment",
    "owner_name": "text",
}
"""A new watch's columns, in the order `watch_values` gives them."""

MUTABLE_WATCH_COLUMNS = {
    **RULE_COLUMNS,
    "paused": "int",
    "paused_by_user": "int",
    "snoozed_until": "moment",
    "sleep_crossings": "int",
    "expires_at": "moment",
    "user_version": "int",
    "left_at": "moment",
    "left_why": "text",
}
"""What a change of a watch may write, in the order `mutable_values` gives them."""

ALERT_COLUMNS = {
    "dedupe_key": "text",
    "kind": "text",
    "conversation_key": "text",
    "watch_id": "bigint",
    "product_id": "text",
    "product_name": "text",
    "currency": "text",
    "old_price": "text",
    "new_price": "text",
    "seen_at": "moment",
    "status": "text",
    "next_attempt_at": "moment",
    "protected_until": "moment",
    "trigger_price": "text",
}
"""A new alert's columns, in the order `alert_values` gives them."""


def mutable_values(
    watch: Watch, snoozed_until: Any, expires_at: Any, left_at: Any
) -> tuple[Any, ...]:
    """The values of MUTABLE_WATCH_COLUMNS; the moments as the backend writes them."""
    return (
        *rule_values(watch.rule, watch.state),
        int(watch.paused),
        int(watch.paused_by_user),
        snoozed_until,
        watch.sleep_crossings,
        expires_at,
        watch.user_version,
        left_at,
        None if watch.left_why is None else watch.left_why.value,
    )


def alert_values(alert: NewAlert, seen_at: Any, protected_until: Any) -> tuple[Any, ...]:
    """The values of ALERT_COLUMNS for a new, pending alert; the moments as the backend
    writes them."""
    return (
        alert.dedupe_key,
        alert.kind.value,
        alert.conversation_key,
        alert.watch_id,
        alert.product_id,
        alert.product_name,
        alert.currency,
        text(alert.old_price),
        text(alert.new_price),
        seen_at,
        AlertStatus.PENDING.value,
        seen_at,
        protected_until,
        text(alert.trigger_price),
    )


def rule_values(rule: Rule, state: RuleState) -> tuple[Any, ...]:
    """The values of RULE_COLUMNS."""
    return (
        rule.kind.value,
        text(rule.threshold_percent),
        str(rule.start_price),
        str(rule.trigger_price),
        comparable_cents(rule.trigger_price),
        *state_values(state),
    )


def state_values(state: RuleState) -> tuple[int, str | None, str | None, int, str | None]:
    """armed, last_price, unconfirmed_price, crossings, crossed_from."""
    return (
        int(state.armed),
        price_text_or_none(state.last_price),
        price_text_or_none(state.unconfirmed_price),
        state.crossings,
        price_text_or_none(state.crossed_from),
    )


def watch_values(watch: NewWatch, created_at: Any, expires_at: Any) -> tuple[Any, ...]:
    """The values of WATCH_COLUMNS; the moments as the backend writes them."""
    return (
        watch.conversation_key,
        watch.user_id,
        watch.product_id,
        watch.product_name,
        watch.currency,
        *rule_values(watch.rule, watch.state),
        created_at,
        expires_at,
        watch.owner_name,
    )


def watch_from(
    row: Mapping[str, Any],
    created_at: datetime,
    snoozed_until: datetime | None,
    expires_at: datetime | None,
    left_at: datetime | None,
) -> Watch:
    """A watch from its row; the moments as the backend reads them."""
    return Watch(
        id=row["id"],
        conversation_key=row["conversation_key"],
        user_id=row["user_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        currency=row["currency"],
        rule=Rule(
            kind=RuleKind(row["kind"]),
            start_price=Decimal(row["start_price"]),
            trigger_price=Decimal(row["trigger_price"]),
            threshold_percent=dec(row["threshold_percent"]),
        ),
        state=RuleState(
            armed=bool(row["armed"]),
            last_price=dec(row["last_price"]),
            unconfirmed_price=dec(row["unconfirmed_price"]),
            crossings=row["crossings"],
            crossed_from=dec(row["crossed_from"]),
        ),
        created_at=created_at,
        expires_at=expires_at,
        paused=bool(row["paused"]),
        paused_by_user=bool(row["paused_by_user"]),
        snoozed_until=snoozed_until,
        sleep_crossings=row["sleep_crossings"],
        owner_name=row["owner_name"],
        left_at=left_at,
        left_why=None if row["left_why"] is None else Departure(row["left_why"]),
        version=row["version"],
        user_version=row["user_version"],
    )


def alert_from(
    row: Mapping[str, Any],
    seen_at: datetime,
    held_at: datetime | None,
    protected_until: datetime | None = None,
    quiet_until: datetime | None = None,
) -> Alert:
    failure = row["last_failure_kind"]
    return Alert(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        conversation_key=row["conversation_key"],
        watch_id=row["watch_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        currency=row["currency"],
        old_price=dec(row["old_price"]),
        new_price=dec(row["new_price"]),
        seen_at=seen_at,
        status=AlertStatus(row["status"]),
        attempts=row["attempts"],
        held_at=held_at,
        last_error=row["last_error"],
        kind=AlertKind(row["kind"]),
        last_failure=None if failure is None else FailureKind(failure),
        protected_until=protected_until,
        quiet_until=quiet_until,
        activity_id=row["activity_id"],
        card_done=row["card_done"],
        trigger_price=dec(row["trigger_price"]),
    )
