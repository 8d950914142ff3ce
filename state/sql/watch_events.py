"""Watch events, on any backend: written inside the transaction of the change they
describe (`insert_events`), or on their own (`WatchEvents.record`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Sequence

from domain.watch_events import EVENTS_KEPT_PER_WATCH, EventKind, WatchEvent
from state.columns import dec, text
from state.sql.db import Columns, Db
from state.sql.query import Query

INSERT_EVENTS: Final = Query(
    "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price, alert_id, detail) "
    "SELECT e.watch_id, e.at, e.kind, e.price, e.trigger_price, e.alert_id, e.detail "
    "FROM ROWS(watch_id bigint, at moment, kind text, price text, trigger_price text, "
    "alert_id bigint, detail text) AS e"
)
OF_WATCH: Final = Query(
    "SELECT * FROM watch_events WHERE watch_id = :watch_id ORDER BY id DESC LIMIT :limit"
)
PRUNE_EVENTS: Final = Query(
    # Events past their age, and each over-full watch's beyond its newest `kept`.
    "DELETE FROM watch_events WHERE id IN ("
    "SELECT id FROM watch_events WHERE at < :before "
    "UNION "
    "SELECT old.id FROM ("
    "SELECT watch_id FROM watch_events GROUP BY watch_id HAVING COUNT(*) > :kept"
    ") AS full_watches "
    "JOIN watch_events AS old ON old.watch_id = full_watches.watch_id AND old.id <= ("
    "SELECT id FROM watch_events WHERE watch_id = full_watches.watch_id "
    "ORDER BY id DESC LIMIT 1 OFFSET :kept"
    ") "
    "LIMIT :limit)"
)


async def insert_events(db: Db, events: Sequence[WatchEvent]) -> None:
    """Record the events, one statement: in the caller's transaction when `db` is one."""
    if not events:
        return
    moment = db.dialect.moment
    await db.execute_many(
        INSERT_EVENTS,
        Columns(
            [event.watch_id for event in events],
            [moment(event.at) for event in events],
            [event.kind.value for event in events],
            [text(event.price) for event in events],
            [text(event.trigger_price) for event in events],
            [event.alert_id for event in events],
            [event.detail for event in events],
        ),
    )


class WatchEvents:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment
        self._at = db.dialect.at

    async def record(self, events: Sequence[WatchEvent]) -> None:
        await insert_events(self._db, events)

    async def of_watch(self, watch_id: int, limit: int) -> list[WatchEvent]:
        rows = await self._db.fetch(OF_WATCH, watch_id=watch_id, limit=limit)
        return [self._event(row) for row in reversed(rows)]

    async def prune(self, before: datetime, limit: int) -> int:
        return await self._db.execute(
            PRUNE_EVENTS, before=self._moment(before), kept=EVENTS_KEPT_PER_WATCH, limit=limit
        )

    def _event(self, row: Any) -> WatchEvent:
        return WatchEvent(
            watch_id=row["watch_id"],
            at=self._at(row["at"]),
            kind=EventKind(row["kind"]),
            price=dec(row["price"]),
            trigger_price=dec(row["trigger_price"]),
            alert_id=row["alert_id"],
            detail=row["detail"],
        )
