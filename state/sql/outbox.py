"""The alert outbox, on any backend: claims as short leases, outcomes, every attempt kept
(the alert_attempts trigger in the migrations writes one row per attempt).

On PostgreSQL a claim's subquery takes its rows `FOR UPDATE SKIP LOCKED`, so instances
share the work and never take the same alert; it names the conversations in `IN (...)`,
not in a join, so it locks alerts alone. SQLite's one writer needs no row locks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, Sequence

from domain.alerts import Alert, AlertStatus, Attempt, FailedAttempt, SendFailure, SentMessage
from state.rows import alert_from
from state.sql.db import Columns, Db
from state.sql.query import Query

# Statuses are written into the queries as the partial indexes' predicates spell them
# (alerts_open_due, alerts_finished), so a planner sees that an index covers the query.
PENDING: Final = f"'{AlertStatus.PENDING.value}'"
HELD: Final = f"'{AlertStatus.HELD.value}'"
SENT: Final = f"'{AlertStatus.SENT.value}'"
FAILED: Final = f"'{AlertStatus.FAILED.value}'"
OPEN: Final = f"({PENDING}, {HELD})"
FINISHED: Final = f"({SENT}, {FAILED})"

CLAIM_DUE: Final = Query(
    "UPDATE alerts SET claimed_until = :lease_until WHERE id IN (SELECT id FROM alerts "
    f"WHERE status IN {OPEN} AND next_attempt_at <= :now "
    "AND (claimed_until IS NULL OR claimed_until <= :now) "
    "AND conversation_key IN (SELECT key FROM conversations WHERE reachable = 1) "
    # The earliest due first: what a fan-out too big for one claim sends first.
    "ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING *"
)
CLAIM_CONVERSATION: Final = Query(
    "UPDATE alerts SET claimed_until = :lease_until WHERE id IN (SELECT id FROM alerts "
    f"WHERE conversation_key = :key AND status IN {OPEN} "
    "AND (claimed_until IS NULL OR claimed_until <= :now) FOR UPDATE SKIP LOCKED) RETURNING *"
)
EXTEND: Final = Query(
    f"UPDATE alerts SET claimed_until = :lease_until WHERE id IN :ids AND status IN {OPEN}"
)
RELEASE: Final = Query(
    f"UPDATE alerts SET claimed_until = NULL WHERE id IN :ids AND status IN {OPEN}"
)
MARK_SENT: Final = Query(
    f"UPDATE alerts SET status = {SENT}, sent_at = s.at, last_attempt_at = s.at, "
    "attempts = attempts + 1, claimed_until = NULL, last_error = NULL, "
    "activity_id = s.activity_id FROM ROWS(id bigint, at moment, activity_id text) AS s "
    "WHERE alerts.id = s.id"
)
CARD_MESSAGE: Final = Query(
    # By conversation too: an activity id is the channel's, unique in its conversation.
    "SELECT * FROM alerts WHERE conversation_key = :key AND activity_id = "
    "(SELECT activity_id FROM alerts WHERE id = :id AND conversation_key = :key) ORDER BY id"
)
CARD_DONE: Final = Query(
    "UPDATE alerts SET card_done = :done "
    "WHERE id = :id AND conversation_key = :key AND watch_id = :watch_id"
)
HOLD_FOR_DIALOG: Final = Query(
    f"UPDATE alerts SET status = {HELD}, held_at = COALESCE(held_at, :now), "
    "next_attempt_at = COALESCE(held_at, :now) + :hold, claimed_until = NULL WHERE id IN :ids"
)
HOLD_FOR_QUIET: Final = Query(
    # Due at the window's end; held_at stays the dialog hold's.
    f"UPDATE alerts SET status = {HELD}, quiet_until = :until, next_attempt_at = :until, "
    "claimed_until = NULL WHERE id IN :ids"
)
HOLD_ASLEEP: Final = Query(
    f"UPDATE alerts SET status = {HELD}, next_attempt_at = :until, claimed_until = NULL "
    "WHERE id IN :ids"
)
DROP: Final = Query(
    f"UPDATE alerts SET status = {FAILED}, last_error = :why, last_attempt_at = :now, "
    f"claimed_until = NULL WHERE id IN :ids AND status IN {OPEN} RETURNING id"
)
WAKE_QUIET: Final = Query(
    "UPDATE alerts SET next_attempt_at = :now WHERE conversation_key = :key "
    f"AND status = {HELD} AND quiet_until IS NOT NULL AND next_attempt_at > :now"
)
MARK_FAILED: Final = Query(
    "UPDATE alerts SET attempts = attempts + 1, last_attempt_at = :now, "
    "last_error = :error, last_failure_kind = :kind, claimed_until = NULL, "
    f"status = CASE WHEN f.retry_at IS NULL THEN {FAILED} ELSE status END, "
    "next_attempt_at = COALESCE(f.retry_at, next_attempt_at) "
    "FROM ROWS(id bigint, retry_at moment) AS f "
    f"WHERE alerts.id = f.id AND status IN {OPEN}"
)
COUNTS: Final = Query("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
OF_WATCH: Final = Query(
    "SELECT * FROM alerts WHERE watch_id = :watch_id ORDER BY id DESC LIMIT :limit"
)
ATTEMPTS: Final = Query(
    "SELECT at, status, error FROM alert_attempts WHERE alert_id = :alert_id ORDER BY id"
)
PRUNE: Final = Query(
    "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts "
    f"WHERE status IN {FINISHED} AND last_attempt_at < :before "
    "ORDER BY last_attempt_at LIMIT :limit) RETURNING id"
)
PRUNE_ATTEMPTS: Final = Query("DELETE FROM alert_attempts WHERE alert_id IN :ids")
GET: Final = Query("SELECT * FROM alerts WHERE id IN :ids ORDER BY id")
OPEN_OF_WATCHES: Final = Query(
    f"SELECT * FROM alerts WHERE watch_id IN :ids AND status IN {OPEN} ORDER BY id"
)


class Outbox:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment
        self._at = db.dialect.at
        self._at_or_none = db.dialect.at_or_none

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Alert]:
        return self._claimed(
            await self._db.fetch(
                CLAIM_DUE,
                lease_until=self._moment(lease_until),
                now=self._moment(now),
                limit=limit,
            )
        )

    async def claim_conversation(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        return self._claimed(
            await self._db.fetch(
                CLAIM_CONVERSATION,
                lease_until=self._moment(lease_until),
                key=conversation_key,
                now=self._moment(now),
            )
        )

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None:
        if alert_ids:
            await self._db.execute(EXTEND, ids=alert_ids, lease_until=self._moment(lease_until))

    async def release_claims(self, alert_ids: Sequence[int]) -> None:
        if alert_ids:
            await self._db.execute(RELEASE, ids=alert_ids)

    async def mark_sent(self, messages: Sequence[SentMessage]) -> None:
        rows = [
            (alert_id, self._moment(message.at), message.activity_id)
            for message in messages
            for alert_id in message.alert_ids
        ]
        if rows:
            await self._db.execute_many(MARK_SENT, rows)

    async def card_message(self, conversation_key: str, alert_id: int) -> list[Alert]:
        rows = await self._db.fetch(CARD_MESSAGE, key=conversation_key, id=alert_id)
        return [self._alert(row) for row in rows]

    async def mark_card_done(
        self, conversation_key: str, alert_id: int, watch_id: int, done: str
    ) -> bool:
        changed = await self._db.execute(
            CARD_DONE, key=conversation_key, id=alert_id, watch_id=watch_id, done=done
        )
        return changed > 0

    async def mark_held(
        self,
        alert_ids: Sequence[int],
        now: datetime,
        hold_seconds: float,
        until: datetime | None = None,
    ) -> None:
        if not alert_ids:
            return
        if until is not None:
            await self._db.execute(HOLD_FOR_QUIET, ids=alert_ids, until=self._moment(until))
            return
        await self._db.execute(
            HOLD_FOR_DIALOG,
            ids=alert_ids,
            now=self._moment(now),
            hold=self._db.dialect.duration(timedelta(seconds=hold_seconds)),
        )

    async def mark_asleep(self, alert_ids: Sequence[int], until: datetime) -> None:
        if alert_ids:
            await self._db.execute(HOLD_ASLEEP, ids=alert_ids, until=self._moment(until))

    async def mark_dropped(self, alert_ids: Sequence[int], now: datetime, why: str) -> list[int]:
        if not alert_ids:
            return []
        rows = await self._db.fetch(DROP, ids=alert_ids, why=why, now=self._moment(now))
        return sorted(row["id"] for row in rows)

    async def wake_quiet(self, conversation_key: str, now: datetime) -> int:
        return await self._db.execute(WAKE_QUIET, key=conversation_key, now=self._moment(now))

    async def mark_failed(
        self, attempts: Sequence[FailedAttempt], now: datetime, failure: SendFailure
    ) -> None:
        await self._db.execute_many(
            MARK_FAILED,
            Columns(
                [attempt.alert_id for attempt in attempts],
                [self._db.dialect.moment_or_none(attempt.retry_at) for attempt in attempts],
            ),
            now=self._moment(now),
            error=failure.description,
            kind=failure.kind.value,
        )

    async def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in AlertStatus}
        counts.update({row["status"]: row["n"] for row in await self._db.fetch(COUNTS)})
        return counts

    async def get(self, alert_ids: Sequence[int]) -> list[Alert]:
        if not alert_ids:
            return []
        return [self._alert(row) for row in await self._db.fetch(GET, ids=alert_ids)]

    async def open_of_watches(self, watch_ids: Sequence[int]) -> list[Alert]:
        if not watch_ids:
            return []
        return [self._alert(row) for row in await self._db.fetch(OPEN_OF_WATCHES, ids=watch_ids)]

    async def of_watch(self, watch_id: int, limit: int) -> list[Alert]:
        rows = await self._db.fetch(OF_WATCH, watch_id=watch_id, limit=limit)
        return [self._alert(row) for row in reversed(rows)]

    async def attempts(self, alert_id: int) -> list[Attempt]:
        return [
            Attempt(self._at(row["at"]), AlertStatus(row["status"]), row["error"])
            for row in await self._db.fetch(ATTEMPTS, alert_id=alert_id)
        ]

    async def prune(self, finished_before: datetime, limit: int) -> int:
        async with self._db.transaction() as db:
            pruned = [
                row["id"]
                for row in await db.fetch(PRUNE, before=self._moment(finished_before), limit=limit)
            ]
            if pruned:
                await db.execute(PRUNE_ATTEMPTS, ids=pruned)
        return len(pruned)

    def _claimed(self, rows: list[Any]) -> list[Alert]:
        # RETURNING gives rows in no order; a conversation's alerts go oldest first.
        return sorted(map(self._alert, rows), key=lambda alert: alert.id)

    def _alert(self, row: Any) -> Alert:
        return alert_from(
            row,
            self._at(row["seen_at"]),
            self._at_or_none(row["held_at"]),
            protected_until=self._at_or_none(row["protected_until"]),
            quiet_until=self._at_or_none(row["quiet_until"]),
        )
