"""The alert outbox on PostgreSQL: claims with FOR UPDATE SKIP LOCKED and a lease, so
instances share the work and never take the same alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from domain.alerts import (
    Alert,
    AlertStatus,
    Attempt,
    FailedAttempt,
    SendFailure,
)
from state.postgres.database import PostgresDatabase
from state.rows import alert_from

OPEN_STATUSES = [AlertStatus.PENDING.value, AlertStatus.HELD.value]
FINISHED_STATUSES = [AlertStatus.SENT.value, AlertStatus.FAILED.value]


class PostgresOutbox:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Alert]:
        return await self._claim(
            "status = ANY($2::text[]) AND next_attempt_at <= $3 "
            "AND (claimed_until IS NULL OR claimed_until <= $3) "
            "AND conversation_key IN (SELECT key FROM conversations WHERE reachable = 1) "
            "ORDER BY next_attempt_at, id LIMIT $4",
            lease_until,
            OPEN_STATUSES,
            now,
            limit,
        )

    async def claim_conversation(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        return await self._claim(
            "conversation_key = $4 AND status = ANY($2::text[]) "
            "AND (claimed_until IS NULL OR claimed_until <= $3)",
            lease_until,
            OPEN_STATUSES,
            now,
            conversation_key,
        )

    async def _claim(self, where: str, *params: Any) -> list[Alert]:
        rows = await self._db.pool.fetch(
            "UPDATE alerts SET claimed_until = $1 WHERE id IN "
            f"(SELECT id FROM alerts WHERE {where} FOR UPDATE SKIP LOCKED) RETURNING *",
            *params,
        )
        return sorted((_alert(row) for row in rows), key=lambda alert: alert.id)

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None:
        await self._update(alert_ids, "claimed_until = $2", lease_until, only_open=True)

    async def release_claims(self, alert_ids: Sequence[int]) -> None:
        await self._update(alert_ids, "claimed_until = NULL", only_open=True)

    async def mark_sent(self, alert_ids: Sequence[int], now: datetime) -> None:
        await self._update(
            alert_ids,
            "status = $2, sent_at = $3, last_attempt_at = $3, attempts = attempts + 1, "
            "claimed_until = NULL, last_error = NULL",
            AlertStatus.SENT.value,
            now,
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
            await self._update(
                alert_ids,
                "status = $2, quiet_until = $3, next_attempt_at = $3, claimed_until = NULL",
                AlertStatus.HELD.value,
                until,
            )
            return
        await self._update(
            alert_ids,
            "status = $2, held_at = COALESCE(held_at, $3), "
            "next_attempt_at = COALESCE(held_at, $3) + make_interval(secs => $4), "
            "claimed_until = NULL",
            AlertStatus.HELD.value,
            now,
            float(hold_seconds),
        )

    async def mark_asleep(self, alert_ids: Sequence[int], until: datetime) -> None:
        await self._update(
            alert_ids,
            "status = $2, next_attempt_at = $3, claimed_until = NULL",
            AlertStatus.HELD.value,
            until,
        )

    async def mark_dropped(self, alert_ids: Sequence[int], now: datetime, why: str) -> list[int]:
        rows = await self._db.pool.fetch(
            "UPDATE alerts SET status = $2, last_error = $3, last_attempt_at = $4, "
            "claimed_until = NULL WHERE id = ANY($1::bigint[]) AND status = ANY($5::text[]) "
            "RETURNING id",
            list(alert_ids),
            AlertStatus.FAILED.value,
            why,
            now,
            OPEN_STATUSES,
        )
        return sorted(row["id"] for row in rows)

    async def wake_quiet(self, conversation_key: str, now: datetime) -> int:
        rows = await self._db.pool.fetch(
            "UPDATE alerts SET next_attempt_at = $1 WHERE conversation_key = $2 "
            "AND status = $3 AND quiet_until IS NOT NULL AND next_attempt_at > $1 RETURNING id",
            now,
            conversation_key,
            AlertStatus.HELD.value,
        )
        return len(rows)

    async def mark_failed(
        self, attempts: Sequence[FailedAttempt], now: datetime, failure: SendFailure
    ) -> None:
        if not attempts:
            return
        await self._db.pool.execute(
            "UPDATE alerts SET attempts = attempts + 1, last_attempt_at = $3, "
            "last_error = $4, last_failure_kind = $5, claimed_until = NULL, "
            "status = CASE WHEN f.retry_at IS NULL THEN $6 ELSE status END, "
            "next_attempt_at = COALESCE(f.retry_at, next_attempt_at) "
            "FROM unnest($1::bigint[], $2::timestamptz[]) AS f (id, retry_at) "
            "WHERE alerts.id = f.id AND status = ANY($7::text[])",
            [attempt.alert_id for attempt in attempts],
            [attempt.retry_at for attempt in attempts],
            now,
            failure.description,
            failure.kind.value,
            AlertStatus.FAILED.value,
            OPEN_STATUSES,
        )

    async def _update(
        self, alert_ids: Sequence[int], assignments: str, *params: Any, only_open: bool = False
    ) -> None:
        if not alert_ids:
            return
        condition = f" AND status = ANY(${len(params) + 2}::text[])" if only_open else ""
        await self._db.pool.execute(
            f"UPDATE alerts SET {assignments} WHERE id = ANY($1::bigint[]){condition}",
            list(alert_ids),
            *params,
            *([OPEN_STATUSES] if only_open else []),
        )

    async def counts(self) -> dict[str, int]:
        rows = await self._db.pool.fetch("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
        counts = {status.value: 0 for status in AlertStatus}
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def of_watch(self, watch_id: int, limit: int) -> list[Alert]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM alerts WHERE watch_id = $1 ORDER BY id DESC LIMIT $2", watch_id, limit
        )
        return [_alert(row) for row in reversed(rows)]

    async def attempts(self, alert_id: int) -> list[Attempt]:
        rows = await self._db.pool.fetch(
            "SELECT at, status, error FROM alert_attempts WHERE alert_id = $1 ORDER BY id",
            alert_id,
        )
        return [Attempt(row["at"], AlertStatus(row["status"]), row["error"]) for row in rows]

    async def prune(self, finished_before: datetime, limit: int) -> int:
        async with self._db.transaction() as db:
            ids = await db.fetch(
                "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts "
                "WHERE status = ANY($1::text[]) AND last_attempt_at < $2 "
                "ORDER BY last_attempt_at LIMIT $3) RETURNING id",
                FINISHED_STATUSES,
                finished_before,
                limit,
            )
            await db.execute(
                "DELETE FROM alert_attempts WHERE alert_id = ANY($1::bigint[])",
                [row["id"] for row in ids],
            )
        return len(ids)

    async def get(self, alert_ids: Sequence[int]) -> list[Alert]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM alerts WHERE id = ANY($1::bigint[]) ORDER BY id", list(alert_ids)
        )
        return [_alert(row) for row in rows]


def _alert(row: Any) -> Alert:
    return alert_from(
        row,
        row["seen_at"],
        row["held_at"],
        protected_until=row["protected_until"],
        quiet_until=row["quiet_until"],
    )
