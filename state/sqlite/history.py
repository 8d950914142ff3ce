"""Price history and rendered charts, on SQLite. The points are written by
`SqliteWatches.record_poll` (`record_prices`), in the poll's transaction."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Mapping, Sequence

from domain.history import PricePoint, lowest
from state.columns import dec, price_text_or_none
from state.interfaces import StoredChart
from state.sqlite.columns import at, ts
from state.sqlite.database import SqliteDatabase

RECORD_CHANGE = (
    # A point only when the price differs from the product's latest one (IS: NULLs too),
    # so a recheck at an unchanged price, or a run of nulls, adds nothing.
    "INSERT INTO price_history (product_id, at, price) SELECT :id, :at, :price "
    "WHERE NOT EXISTS (SELECT 1 FROM (SELECT price FROM price_history "
    "WHERE product_id = :id ORDER BY at DESC LIMIT 1) WHERE price IS :price) "
    "ON CONFLICT (product_id, at) DO UPDATE SET price = excluded.price"
)
POINTS_SINCE = (
    "SELECT product_id, at, price FROM price_history WHERE product_id = :id AND at >= :since "
    "UNION ALL SELECT * FROM (SELECT product_id, at, price FROM price_history "
    "WHERE product_id = :id AND at < :since ORDER BY at DESC LIMIT 1)"
)


def record_prices(
    db: sqlite3.Connection, prices: Mapping[str, Decimal | None], seen_at: datetime
) -> None:
    """The poll's prices as history points, one statement: run before the poll's other
    writes, in its transaction."""
    moment = ts(seen_at)
    db.executemany(
        RECORD_CHANGE,
        [
            {"id": product_id, "at": moment, "price": price_text_or_none(price)}
            for product_id, price in prices.items()
        ],
    )


class SqliteHistory:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def since(self, product_id: str, since: datetime) -> list[PricePoint]:
        rows = self._db.fetchall(POINTS_SINCE, {"id": product_id, "since": ts(since)})
        return sorted((_point(row) for row in rows), key=lambda point: point.at)

    async def lows_since(
        self, product_ids: Sequence[str], since: datetime
    ) -> dict[str, PricePoint]:
        lows = {}
        for product_id in dict.fromkeys(product_ids):
            points = await self.since(product_id, since)
            low = lowest(points, since, points[-1].at) if points else None
            if low is not None:
                lows[product_id] = low
        return lows

    async def latest(self, product_id: str) -> PricePoint | None:
        rows = self._db.fetchall(
            "SELECT at, price FROM price_history WHERE product_id = ? ORDER BY at DESC LIMIT 1",
            (product_id,),
        )
        return _point(rows[0]) if rows else None

    async def prune(self, before: datetime, limit: int) -> int:
        cursor = self._db.conn.execute(
            "DELETE FROM price_history WHERE (product_id, at) IN (SELECT old.product_id, old.at "
            "FROM price_history AS old WHERE old.at < :before AND EXISTS (SELECT 1 FROM "
            "price_history AS later WHERE later.product_id = old.product_id "
            "AND later.at > old.at AND later.at <= :before) LIMIT :limit)",
            {"before": ts(before), "limit": limit},
        )
        return cursor.rowcount


class SqliteCharts:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def find(self, product_id: str, version: str, now: datetime) -> StoredChart | None:
        rows = self._db.fetchall(
            "SELECT * FROM charts WHERE product_id = ? AND version = ? AND expires_at > ?",
            (product_id, version, ts(now)),
        )
        return _chart(rows[0]) if rows else None

    async def put(self, chart: StoredChart, now: datetime) -> StoredChart:
        with self._db.transaction() as db:
            # An expired chart of the same version (not pruned yet) gives way.
            db.execute(
                "INSERT INTO charts (token, product_id, version, png, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (product_id, version) DO UPDATE SET "
                "token = excluded.token, png = excluded.png, created_at = excluded.created_at, "
                "expires_at = excluded.expires_at WHERE charts.expires_at <= excluded.created_at",
                (
                    chart.token,
                    chart.product_id,
                    chart.version,
                    chart.png,
                    ts(now),
                    ts(chart.expires_at),
                ),
            )
            [row] = db.execute(
                "SELECT * FROM charts WHERE product_id = ? AND version = ?",
                (chart.product_id, chart.version),
            ).fetchall()
        return _chart(row)

    async def extend(self, token: str, expires_at: datetime) -> None:
        self._db.write(
            "UPDATE charts SET expires_at = max(expires_at, ?) WHERE token = ?",
            (ts(expires_at), token),
        )

    async def by_token(self, token: str, now: datetime) -> StoredChart | None:
        rows = self._db.fetchall(
            "SELECT * FROM charts WHERE token = ? AND expires_at > ?", (token, ts(now))
        )
        return _chart(rows[0]) if rows else None

    async def prune(self, now: datetime, limit: int) -> int:
        cursor = self._db.conn.execute(
            "DELETE FROM charts WHERE token IN "
            "(SELECT token FROM charts WHERE expires_at <= ? LIMIT ?)",
            (ts(now), limit),
        )
        return cursor.rowcount


def _point(row: sqlite3.Row) -> PricePoint:
    return PricePoint(at(row["at"]), dec(row["price"]))


def _chart(row: sqlite3.Row) -> StoredChart:
    return StoredChart(
        row["token"], row["product_id"], row["version"], bytes(row["png"]), at(row["expires_at"])
    )
