"""Watch events on SQLite: written inside the transaction of the change they describe."""

from __future__ import annotations

import sqlite3
from typing import Sequence

from domain.watch_events import WatchEvent
from state.columns import text
from state.sqlite.columns import ts

INSERT_EVENT = (
    "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price, alert_id, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


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
