"""The alert outbox on SQLite: claims as short leases, outcomes, every attempt kept."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any, Sequence

from domain.alerts import (
    Alert,
    AlertStatus,
    Attempt,
    FailedAttempt,
    SendFailure,
)
from state.rows import alert_from
from state.sqlite.columns import at, at_or_none, placeholders, ts
from state.sqlite.database import SqliteDatabase

OPEN_STATUSES = (AlertStatus.PENDING.value, AlertStatus.HELD.value)
FINISHED_STATUSES = (AlertStatus.SENT.value, AlertStatus.FAILED.value)


class SqliteOutbox:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Alert]:
        return self._claim(
            "status IN (?, ?) AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) "
            "AND conversation_key IN (SELECT key FROM conversations WHERE reachable = 1) "
            "ORDER BY next_attempt_at, id LIMIT ?",
            (*OPEN_STATUSES, ts(now), ts(now), limit),
            lease_until,
        )

    async def claim_conversation(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        return self._claim(
            "conversation_key = ? AND status IN (?, ?) "
            "AND (claimed_until IS NULL OR claimed_until <= ?)",
            (conversation_key, *OPEN_STATUSES, ts(now)),
            lease_until,
        )

    def _claim(self, where: str, params: Sequence[Any], lease_until: datetime) -> list[Alert]:
        rows = self._db.write(
            f"UPDATE alerts SET claimed_until = ? WHERE id IN "
            f"(SELECT id FROM alerts WHERE {where}) RETURNING *",
            (ts(lease_until), *params),
        )
        return sorted((_alert(row) for row in rows), key=lambda alert: alert.id)

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None:
        self._update(alert_ids, "claimed_until = ?", (ts(lease_until),), only_open=True)

    async def release_claims(self, alert_ids: Sequence[int]) -> None:
        self._update(alert_ids, "claimed_until = NULL", (), only_open=True)

    async def mark_sent(self, alert_ids: Sequence[int], now: datetime) -> None:
        self._update(
            alert_ids,
            "status = ?, sent_at = ?, last_attempt_at = ?, attempts = attempts + 1, "
            "claimed_until = NULL, last_error = NULL",
            (AlertStatus.SENT.value, ts(now), ts(now)),
        )

    async def mark_held(
        self,
        alert_ids: Sequence[int],
        now: datetime,
        hold_seconds: float,
        until: datetime | None = None,
    ) -> None:
        if until is not None:
            # Quiet hours: due at the window's end; held_at stays the dialog hold's.
            self._update(
                alert_ids,
                "status = ?, quiet_until = ?, next_attempt_at = ?, claimed_until = NULL",
                (AlertStatus.HELD.value, ts(until), ts(until)),
            )
            return
        self._update(
            alert_ids,
            "status = ?, held_at = COALESCE(held_at, ?), "
            "next_attempt_at = COALESCE(held_at, ?) + ?, claimed_until = NULL",
            (AlertStatus.HELD.value, ts(now), ts(now), hold_seconds),
        )

    async def mark_asleep(self, alert_ids: Sequence[int], until: datetime) -> None:
        self._update(
            alert_ids,
            "status = ?, next_attempt_at = ?, claimed_until = NULL",
            (AlertStatus.HELD.value, ts(until)),
        )

    async def mark_dropped(self, alert_ids: Sequence[int], now: datetime, why: str) -> list[int]:
        if not alert_ids:
            return []
        rows = self._db.write(
            "UPDATE alerts SET status = ?, last_error = ?, last_attempt_at = ?, "
            f"claimed_until = NULL WHERE id IN ({placeholders(len(alert_ids))}) "
            "AND status IN (?, ?) RETURNING id",
            (AlertStatus.FAILED.value, why, ts(now), *alert_ids, *OPEN_STATUSES),
        )
        return sorted(row["id"] for row in rows)

    async def wake_quiet(self, conversation_key: str, now: datetime) -> int:
        rows = self._db.write(
            "UPDATE alerts SET next_attempt_at = ? WHERE conversation_key = ? "
            "AND status = ? AND quiet_until IS NOT NULL AND next_attempt_at > ? RETURNING id",
            (ts(now), conversation_key, AlertStatus.HELD.value, ts(now)),
        )
        return len(rows)

    async def mark_failed(
        self, attempts: Sequence[FailedAttempt], now: datetime, failure: SendFailure
    ) -> None:
        with self._db.transaction() as db:
            db.executemany(
                "UPDATE alerts SET attempts = attempts + 1, last_attempt_at = :now, "
                "last_error = :error, last_failure_kind = :kind, claimed_until = NULL, "
                "status = CASE WHEN :retry_at IS NULL THEN :failed ELSE status END, "
                "next_attempt_at = COALESCE(:retry_at, next_attempt_at) "
                "WHERE id = :id AND status IN (:pending, :held)",
                [
                    {
                        "id": attempt.alert_id,
                        "retry_at": None if attempt.retry_at is None else ts(attempt.retry_at),
                        "now": ts(now),
                        "error": failure.description,
                        "kind": failure.kind.value,
                        "failed": AlertStatus.FAILED.value,
                        "pending": AlertStatus.PENDING.value,
                        "held": AlertStatus.HELD.value,
                    }
                    for attempt in attempts
                ],
            )

    def _update(
        self,
        alert_ids: Sequence[int],
        assignments: str,
        params: Sequence[Any],
        only_open: bool = False,
    ) -> None:
        if not alert_ids:
            return
        condition = " AND status IN (?, ?)" if only_open else ""
        self._db.write(
            f"UPDATE alerts SET {assignments} "
            f"WHERE id IN ({placeholders(len(alert_ids))}){condition}",
            (*params, *alert_ids, *(OPEN_STATUSES if only_open else ())),
        )

    async def counts(self) -> dict[str, int]:
        rows = self._db.fetchall("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
        counts = {status.value: 0 for status in AlertStatus}
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def of_watch(self, watch_id: int, limit: int) -> list[Alert]:
        rows = self._db.fetchall(
            "SELECT * FROM alerts WHERE watch_id = ? ORDER BY id DESC LIMIT ?", (watch_id, limit)
        )
        return [_alert(row) for row in reversed(rows)]

    async def attempts(self, alert_id: int) -> list[Attempt]:
        rows = self._db.fetchall(
            "SELECT at, status, error FROM alert_attempts WHERE alert_id = ? ORDER BY rowid",
            (alert_id,),
        )
        return [Attempt(at(row["at"]), AlertStatus(row["status"]), row["error"]) for row in rows]

    async def prune(self, finished_before: datetime, limit: int) -> int:
        with self._db.transaction() as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM alerts WHERE status IN (?, ?) AND last_attempt_at < ? "
                    "ORDER BY last_attempt_at LIMIT ?",
                    (*FINISHED_STATUSES, ts(finished_before), limit),
                )
            ]
            marks = placeholders(len(ids))
            db.execute(f"DELETE FROM alert_attempts WHERE alert_id IN ({marks})", ids)
            db.execute(f"DELETE FROM alerts WHERE id IN ({marks})", ids)
        return len(ids)

    async def get(self, alert_ids: Sequence[int]) -> list[Alert]:
        rows = self._db.fetch_in("SELECT * FROM alerts WHERE id IN ({})", alert_ids)
        return sorted((_alert(row) for row in rows), key=lambda alert: alert.id)


def _alert(row: sqlite3.Row) -> Alert:
    return alert_from(
        row,
        at(row["seen_at"]),
        at_or_none(row["held_at"]),
        protected_until=at_or_none(row["protected_until"]),
        quiet_until=at_or_none(row["quiet_until"]),
    )
