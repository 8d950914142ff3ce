"""Watch events on PostgreSQL: written inside the transaction of the change they describe."""

from __future__ import annotations

from typing import Any, Sequence

from domain.watch_events import WatchEvent
from state.columns import text


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
