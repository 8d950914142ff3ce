"""Price history and rendered charts, on PostgreSQL. The points are written by
`PostgresWatches.record_poll` (`record_prices`), in the poll's transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping, Sequence

from domain.history import PricePoint, lowest
from state.columns import dec, price_text_or_none
from state.interfaces import StoredChart
from state.postgres.database import PostgresDatabase

RECORD_CHANGES = (
    # A point only when the price differs from the product's latest one (NULLs too), so
    # a recheck at an unchanged price, or a run of nulls, adds nothing.
    "INSERT INTO price_history (product_id, at, price) SELECT p.id, $3, p.price "
    "FROM unnest($1::text[], $2::text[]) AS p (id, price) WHERE NOT EXISTS (SELECT 1 FROM "
    "(SELECT h.price FROM price_history h WHERE h.product_id = p.id ORDER BY h.at DESC "
    "LIMIT 1) AS last WHERE last.price IS NOT DISTINCT FROM p.price) "
    "ON CONFLICT (product_id, at) DO UPDATE SET price = excluded.price"
)
POINTS_SINCE = (
    "SELECT h.product_id, h.at, h.price FROM unnest($1::text[]) AS p (id) "
    "CROSS JOIN LATERAL (SELECT product_id, at, price FROM price_history "
    "WHERE product_id = p.id AND at >= $2 UNION ALL (SELECT product_id, at, price "
    "FROM price_history WHERE product_id = p.id AND at < $2 ORDER BY at DESC LIMIT 1)) AS h"
)


async def record_prices(db: Any, prices: Mapping[str, Decimal | None], seen_at: datetime) -> None:
    """The poll's prices as history points, one statement: run before the poll's other
    writes, in its transaction."""
    await db.execute(
        RECORD_CHANGES,
        list(prices),
        [price_text_or_none(price) for price in prices.values()],
        seen_at,
    )


class PostgresHistory:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def since(self, product_id: str, since: datetime) -> list[PricePoint]:
        return (await self._points([product_id], since)).get(product_id, [])

    async def lows_since(
        self, product_ids: Sequence[str], since: datetime
    ) -> dict[str, PricePoint]:
        lows = {}
        for product_id, points in (await self._points(product_ids, since)).items():
            low = lowest(points, since, points[-1].at)
            if low is not None:
                lows[product_id] = low
        return lows

    async def _points(
        self, product_ids: Sequence[str], since: datetime
    ) -> dict[str, list[PricePoint]]:
        rows = await self._db.pool.fetch(POINTS_SINCE, list(dict.fromkeys(product_ids)), since)
        points: dict[str, list[PricePoint]] = {}
        for row in sorted(rows, key=lambda row: row["at"]):
            points.setdefault(row["product_id"], []).append(
                PricePoint(row["at"], dec(row["price"]))
            )
        return points

    async def latest(self, product_id: str) -> PricePoint | None:
        row = await self._db.pool.fetchrow(
            "SELECT at, price FROM price_history WHERE product_id = $1 ORDER BY at DESC LIMIT 1",
            product_id,
        )
        return None if row is None else PricePoint(row["at"], dec(row["price"]))

    async def prune(self, before: datetime, limit: int) -> int:
        status = await self._db.pool.execute(
            "DELETE FROM price_history WHERE (product_id, at) IN (SELECT old.product_id, old.at "
            "FROM price_history AS old WHERE old.at < $1 AND EXISTS (SELECT 1 FROM "
            "price_history AS later WHERE later.product_id = old.product_id "
            "AND later.at > old.at AND later.at <= $1) LIMIT $2)",
            before,
            limit,
        )
        return int(status.rsplit(" ", 1)[-1])


class PostgresCharts:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def find(self, product_id: str, version: str, now: datetime) -> StoredChart | None:
        row = await self._db.pool.fetchrow(
            "SELECT * FROM charts WHERE product_id = $1 AND version = $2 AND expires_at > $3",
            product_id,
            version,
            now,
        )
        return None if row is None else _chart(row)

    async def put(self, chart: StoredChart, now: datetime) -> StoredChart:
        async with self._db.transaction() as db:
            # An expired chart of the same version (not pruned yet) gives way; an
            # unexpired one another instance stored first wins.
            await db.execute(
                "INSERT INTO charts (token, product_id, version, png, created_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (product_id, version) DO UPDATE SET "
                "token = excluded.token, png = excluded.png, created_at = excluded.created_at, "
                "expires_at = excluded.expires_at WHERE charts.expires_at <= excluded.created_at",
                chart.token,
                chart.product_id,
                chart.version,
                chart.png,
                now,
                chart.expires_at,
            )
            row = await db.fetchrow(
                "SELECT * FROM charts WHERE product_id = $1 AND version = $2",
                chart.product_id,
                chart.version,
            )
        return _chart(row)

    async def extend(self, token: str, expires_at: datetime) -> None:
        await self._db.pool.execute(
            "UPDATE charts SET expires_at = greatest(expires_at, $1) WHERE token = $2",
            expires_at,
            token,
        )

    async def by_token(self, token: str, now: datetime) -> StoredChart | None:
        row = await self._db.pool.fetchrow(
            "SELECT * FROM charts WHERE token = $1 AND expires_at > $2", token, now
        )
        return None if row is None else _chart(row)

    async def prune(self, now: datetime, limit: int) -> int:
        status = await self._db.pool.execute(
            "DELETE FROM charts WHERE token IN "
            "(SELECT token FROM charts WHERE expires_at <= $1 LIMIT $2)",
            now,
            limit,
        )
        return int(status.rsplit(" ", 1)[-1])


def _chart(row: Any) -> StoredChart:
    return StoredChart(
        row["token"], row["product_id"], row["version"], bytes(row["png"]), row["expires_at"]
    )
