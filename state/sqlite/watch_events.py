"""Watch events on SQLite: written inside the transaction of the change they describe
(`insert_events`), or on their own (`SqliteWatchEvents.record`)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Sequence

from domain.watch_events import EVENTS_KEPT_PER_WATCH, EventKind, WatchEvent
from state.columns import dec, text
from state.sqlite.columns import at, ts
from state.sqlite.database import SqliteDatabase

INSERT_EVENT = (
    "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price, alert_id, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
PRUNE_EVENTS = """
    DELETE FROM watch_events WHERE id IN (
        SELECT id FROM watch_events WHERE at < :before
        UNION
        SELECT old.id FROM (
            SELECT watch_id FROM watch_events GROUP BY watch_id HAVING COUNT(*) > :kept
        ) AS full_watches
        JOIN watch_events AS old ON old.watch_id = full_watches.watch_id AND old.id <= (
            SELECT id FROM watch_events WHERE watch_id = full_watches.watch_id
            ORDER BY id DESC LIMIT 1 OFFSET :kept
        )
        LIMIT :limit
    )
    """
"""Events past their age, and each over-full watch's beyond its newest `kept`. Its
PostgreSQL twin is state/postgres/watch_events.py's PRUNE_EVENTS."""


def insert_events(db: sqlite3.Connection, events: Sequence[WatchEvent]) -> None:
    """Record the events in the caller's transaction."""
    if events:
        db.executemany(
            INSERT_EVENT,
            [
                (
                    event.watch_id,
                    ts(event.at),
                    event.kind.value,
                    text(event.price),
                    text(event.trigger_price),
                    event.alert_id,
                    event.detail,
                )
                for event in events
            ],
        )


class SqliteWatchEvents:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def record(self, events: Sequence[WatchEvent]) -> None:
        with self._db.transaction() as db:
            insert_events(db, events)

    async def of_watch(self, watch_id: int, limit: int) -> list[WatchEvent]:
        rows = self._db.fetchall(
            "SELECT * FROM watch_events WHERE watch_id = ? ORDER BY id DESC LIMIT ?",
            (watch_id, limit),
        )
        return [_event(row) for row in reversed(rows)]

    async def prune(self, before: datetime, limit: int) -> int:
        cursor = self._db.conn.execute(
            PRUNE_EVENTS, {"before": ts(before), "kept": EVENTS_KEPT_PER_WATCH, "limit": limit}
        )
        return cursor.rowcount


def _event(row: sqlite3.Row) -> WatchEvent:
    return WatchEvent(
        watch_id=row["watch_id"],
        at=at(row["at"]),
        kind=EventKind(row["kind"]),
        price=dec(row["price"]),
        trigger_price=dec(row["trigger_price"]),
        alert_id=row["alert_id"],
        detail=row["detail"],
    )
