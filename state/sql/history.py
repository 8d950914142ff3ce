"""Price history and rendered charts, on any backend. The points are written by a poll's
`record_poll` (`record_prices`), in the poll's transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Mapping, Sequence

from domain.history import Downsampled, PricePoint, lowest
from state.columns import dec, price_text_or_none
from state.interfaces import StoredChart
from state.sql.db import Columns, Db
from state.sql.query import Query

RECORD_CHANGES: Final = Query(
    # A point only when the price differs from the product's latest one (NULLs too), so
    # a recheck at an unchanged price, or a run of nulls, adds nothing.
    "INSERT INTO price_history (product_id, at, price) SELECT p.id, :at, p.price "
    "FROM ROWS(id text, price text) AS p WHERE NOT EXISTS (SELECT 1 FROM "
    "(SELECT h.price FROM price_history AS h WHERE h.product_id = p.id "
    "ORDER BY h.at DESC LIMIT 1) AS last WHERE last.price IS NOT DISTINCT FROM p.price) "
    "ON CONFLICT (product_id, at) DO UPDATE SET price = excluded.price"
)
POINTS_SINCE: Final = Query(
    # Each product's points from :since on, and the last one before (the price that held).
    "WITH wanted (id) AS (SELECT p.id FROM ROWS(id text) AS p) "
    "SELECT h.product_id, h.at, h.price FROM wanted "
    "JOIN price_history AS h ON h.product_id = wanted.id AND h.at >= :since "
    "UNION ALL SELECT h.product_id, h.at, h.price FROM wanted "
    "JOIN price_history AS h ON h.product_id = wanted.id AND h.at = (SELECT o.at "
    "FROM price_history AS o WHERE o.product_id = wanted.id AND o.at < :since "
    "ORDER BY o.at DESC LIMIT 1) ORDER BY product_id, at"
)
PERIOD: Final = Query(
    # The period's points (the one holding at :start moved to it), each with the seconds
    # it held and its slice of the period; of each slice its first, last, first lowest,
    # first highest and first unavailable point, with the period's time-weighted totals.
    # Aggregates by slice rather than a window per mark: a quarter of the time on
    # SQLite. The Python twin is domain.history.summarize (tests/state/
    # test_history_period.py holds them equal). Run with `fetch_long`: it reads every
    # point of the period.
    "WITH spans AS (SELECT greatest(h.at, :start) AS at, h.price, "
    "CAST(h.price AS NUMERIC) AS value, epoch(coalesce(lead(h.at) OVER (ORDER BY h.at), "
    ":end)) - epoch(greatest(h.at, :start)) AS held, "
    "CAST(floor((epoch(greatest(h.at, :start)) - :start_seconds) / :slice_seconds) "
    "AS INTEGER) AS slice FROM price_history AS h WHERE h.product_id = :id "
    "AND h.at <= :end AND h.at >= (SELECT coalesce(max(o.at), :start) "
    "FROM price_history AS o WHERE o.product_id = :id AND o.at <= :start)), "
    "slices AS (SELECT slice, min(at) AS first_at, max(at) AS last_at, "
    "min(value) AS low, max(value) AS high, "
    "min(CASE WHEN value IS NULL THEN at END) AS gap_at, "
    "sum(CASE WHEN value IS NULL THEN 0 ELSE held END) AS priced_seconds, "
    "sum(CASE WHEN value IS NULL THEN 0 ELSE value * held END) AS weighted "
    "FROM spans GROUP BY slice), "
    "marks AS (SELECT g.slice, g.first_at, g.last_at, g.gap_at, "
    "min(CASE WHEN s.value = g.low THEN s.at END) AS low_at, "
    "min(CASE WHEN s.value = g.high THEN s.at END) AS high_at "
    "FROM slices AS g JOIN spans AS s ON s.slice = g.slice "
    "GROUP BY g.slice, g.first_at, g.last_at, g.gap_at), "
    "totals AS (SELECT sum(priced_seconds) AS priced_seconds, sum(weighted) AS weighted "
    "FROM slices) "
    "SELECT s.at, s.price, t.priced_seconds, t.weighted FROM marks AS m "
    "JOIN spans AS s ON s.slice = m.slice AND (s.at = m.first_at OR s.at = m.last_at "
    "OR s.at = m.gap_at OR s.at = m.low_at OR s.at = m.high_at) "
    "CROSS JOIN totals AS t ORDER BY s.at"
)
LATEST: Final = Query(
    "SELECT at, price FROM price_history WHERE product_id = :id ORDER BY at DESC LIMIT 1"
)
PRUNE_POINTS: Final = Query(
    "DELETE FROM price_history WHERE (product_id, at) IN (SELECT old.product_id, old.at "
    "FROM price_history AS old WHERE old.at < :before AND EXISTS (SELECT 1 FROM "
    "price_history AS later WHERE later.product_id = old.product_id "
    "AND later.at > old.at AND later.at <= :before) LIMIT :limit)"
)


async def record_prices(db: Db, prices: Mapping[str, Decimal | None], seen_at: datetime) -> None:
    """The poll's prices as history points, one statement: run before the poll's other
    writes, in its transaction."""
    await db.execute_many(
        RECORD_CHANGES,
        Columns(list(prices), [price_text_or_none(price) for price in prices.values()]),
        at=db.dialect.moment(seen_at),
    )


class History:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment
        self._at = db.dialect.at

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
        rows = await self._db.fetch(
            POINTS_SINCE,
            [(product_id,) for product_id in dict.fromkeys(product_ids)],
            since=self._moment(since),
        )
        points: dict[str, list[PricePoint]] = {}
        for row in rows:
            points.setdefault(row["product_id"], []).append(self._point(row))
        return points

    async def period(
        self, product_id: str, start: datetime, end: datetime, slices: int
    ) -> Downsampled:
        rows = await self._db.fetch_long(
            PERIOD,
            id=product_id,
            start=self._moment(start),
            end=self._moment(end),
            start_seconds=start.timestamp(),
            slice_seconds=max((end - start).total_seconds() / slices, 1e-6),
        )
        return Downsampled(
            start=start,
            end=end,
            points=tuple(self._point(row) for row in rows),
            priced_seconds=_decimal(rows[0]["priced_seconds"] if rows else 0),
            weighted=_decimal(rows[0]["weighted"] if rows else 0),
        )

    async def latest(self, product_id: str) -> PricePoint | None:
        row = await self._db.fetchrow(LATEST, id=product_id)
        return None if row is None else self._point(row)

    async def prune(self, before: datetime, limit: int) -> int:
        return await self._db.execute(PRUNE_POINTS, before=self._moment(before), limit=limit)

    def _point(self, row: Any) -> PricePoint:
        return PricePoint(self._at(row["at"]), dec(row["price"]))


def _decimal(value: float | Decimal | int | None) -> Decimal:
    """A total as the backend answers it (a float on SQLite, numeric or float here)."""
    return Decimal(0) if value is None else Decimal(str(value))


FIND_CHART: Final = Query(
    "SELECT * FROM charts WHERE product_id = :product_id AND version = :version "
    "AND expires_at > :now"
)
PUT_CHART: Final = Query(
    # An expired chart of the same version (not pruned yet) gives way; an unexpired one
    # another instance stored first wins.
    "INSERT INTO charts (token, product_id, version, png, created_at, expires_at) "
    "VALUES (:token, :product_id, :version, :png, :now, :expires_at) "
    "ON CONFLICT (product_id, version) DO UPDATE SET token = excluded.token, "
    "png = excluded.png, created_at = excluded.created_at, expires_at = excluded.expires_at "
    "WHERE charts.expires_at <= excluded.created_at"
)
CHART_OF_VERSION: Final = Query(
    "SELECT * FROM charts WHERE product_id = :product_id AND version = :version"
)
EXTEND_CHART: Final = Query(
    "UPDATE charts SET expires_at = greatest(expires_at, :expires_at) WHERE token = :token"
)
CHART_BY_TOKEN: Final = Query("SELECT * FROM charts WHERE token = :token AND expires_at > :now")
PRUNE_CHARTS: Final = Query(
    "DELETE FROM charts WHERE token IN "
    "(SELECT token FROM charts WHERE expires_at <= :now LIMIT :limit)"
)


class Charts:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment
        self._at = db.dialect.at

    async def find(self, product_id: str, version: str, now: datetime) -> StoredChart | None:
        row = await self._db.fetchrow(
            FIND_CHART, product_id=product_id, version=version, now=self._moment(now)
        )
        return None if row is None else self._chart(row)

    async def put(self, chart: StoredChart, now: datetime) -> StoredChart:
        async with self._db.transaction() as db:
            await db.execute(
                PUT_CHART,
                token=chart.token,
                product_id=chart.product_id,
                version=chart.version,
                png=chart.png,
                now=self._moment(now),
                expires_at=self._moment(chart.expires_at),
            )
            row = await db.fetchrow(
                CHART_OF_VERSION, product_id=chart.product_id, version=chart.version
            )
        return self._chart(row)

    async def extend(self, token: str, expires_at: datetime) -> None:
        await self._db.execute(EXTEND_CHART, token=token, expires_at=self._moment(expires_at))

    async def by_token(self, token: str, now: datetime) -> StoredChart | None:
        row = await self._db.fetchrow(CHART_BY_TOKEN, token=token, now=self._moment(now))
        return None if row is None else self._chart(row)

    async def prune(self, now: datetime, limit: int) -> int:
        return await self._db.execute(PRUNE_CHARTS, now=self._moment(now), limit=limit)

    def _chart(self, row: Any) -> StoredChart:
        return StoredChart(
            row["token"],
            row["product_id"],
            row["version"],
            bytes(row["png"]),
            self._at(row["expires_at"]),
        )
