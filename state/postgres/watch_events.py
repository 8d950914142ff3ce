"""Watch events on PostgreSQL: written inside the transaction of the change they
describe (`insert_events`), or on their own (`PostgresWatchEvents.record`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from domain.watch_events import EVENTS_KEPT_PER_WATCH, EventKind, WatchEvent
from state.columns import dec, text
from state.postgres.database import PostgresDatabase

PRUNE_EVENTS = """
    DELETE FROM watch_events WHERE id IN (
        SELECT id FROM watch_events WHERE at < $1
        UNION
        SELECT old.id FROM (
            SELECT watch_id FROM watch_events GROUP BY watch_id HAVING COUNT(*) > $2
        ) AS full_watches
        JOIN watch_events AS old ON old.watch_id = full_watches.watch_id AND old.id <= (
            SELECT id FROM watch_events WHERE watch_id = full_watches.watch_id
            ORDER BY id DESC LIMIT 1 OFFSET $2
        )
        LIMIT $3
    )
    """
"""Events past their age, and each over-full watch's beyond its newest `kept`. Its
SQLite twin is state/sqlite/watch_events.py's PRUNE_EVENTS."""


async def insert_events(db: Any, events: Sequence[WatchEvent]) -> None:
    """Record the events in the caller's transaction, one statement."""
    if events:
        await db.execute(
            "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price, alert_id, "
            "detail) SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], "
            "$4::text[], $5::text[], $6::bigint[], $7::text[])",
            [event.watch_id for event in events],
            [event.at for event in events],
            [event.kind.value for event in events],
            [text(event.price) for event in events],
            [text(event.trigger_price) for event in events],
            [event.alert_id for event in events],
            [event.detail for event in events],
        )


class PostgresWatchEvents:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def record(self, events: Sequence[WatchEvent]) -> None:
        await insert_events(self._db.pool, events)

    async def of_watch(self, watch_id: int, limit: int) -> list[WatchEvent]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM watch_events WHERE watch_id = $1 ORDER BY id DESC LIMIT $2",
            watch_id,
            limit,
        )
        return [_event(row) for row in reversed(rows)]

    async def prune(self, before: datetime, limit: int) -> int:
        status = await self._db.pool.execute(PRUNE_EVENTS, before, EVENTS_KEPT_PER_WATCH, limit)
        return int(status.rsplit(" ", 1)[-1])


def _event(row: Any) -> WatchEvent:
    return WatchEvent(
        watch_id=row["watch_id"],
        at=row["at"],
        kind=EventKind(row["kind"]),
        price=dec(row["price"]),
        trigger_price=dec(row["trigger_price"]),
        alert_id=row["alert_id"],
        detail=row["detail"],
    )
