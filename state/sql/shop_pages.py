"""Shop pages watched as products: their last reading, when to fetch them next, and how
long they have been failing, on any backend (shops/pages.py reads and writes them)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Sequence

from domain.pages import PageProduct, PageReading, StoredPage
from state.columns import price_text_or_none
from state.sql.db import Db
from state.sql.query import Query

COLUMNS: Final = (
    "product_id, url, sku, name, currency, host, price, has_reading, etag, last_modified, "
    "failures, failing_since, failure"
)
ADD: Final = Query(
    "INSERT INTO shop_pages (product_id, url, sku, name, currency, host, price, has_reading, "
    "etag, last_modified, next_fetch_at, created_at) VALUES (:id, :url, :sku, :name, "
    ":currency, :host, :price, 1, :etag, :last_modified, :next_at, :now) "
    "ON CONFLICT (product_id) DO UPDATE SET price = excluded.price, has_reading = 1, "
    "etag = excluded.etag, last_modified = excluded.last_modified, failures = 0, "
    "failing_since = NULL, failure = NULL, failure_told = 0"
)
BY_IDS: Final = Query(f"SELECT {COLUMNS} FROM shop_pages WHERE product_id IN :ids")
WATCHED_DUE: Final = Query(
    f"SELECT {COLUMNS} FROM shop_pages WHERE next_fetch_at <= :now AND EXISTS "
    "(SELECT 1 FROM watches WHERE watches.product_id = shop_pages.product_id) "
    "ORDER BY next_fetch_at LIMIT :limit"
)
WATCHED: Final = Query(
    f"SELECT {COLUMNS} FROM shop_pages WHERE EXISTS "
    "(SELECT 1 FROM watches WHERE watches.product_id = shop_pages.product_id) "
    "ORDER BY next_fetch_at"
)
CLAIM: Final = Query(
    "UPDATE shop_pages SET next_fetch_at = :until WHERE product_id IN :ids "
    "AND next_fetch_at <= :now RETURNING product_id"
)
READ: Final = Query(
    "UPDATE shop_pages SET price = :price, has_reading = 1, etag = :etag, "
    "last_modified = :last_modified, next_fetch_at = :next_at, failures = 0, "
    "failing_since = NULL, failure = NULL, failure_told = 0 WHERE product_id = :id"
)
UNCHANGED: Final = Query(
    "UPDATE shop_pages SET next_fetch_at = :next_at, failures = 0, failing_since = NULL, "
    "failure = NULL, failure_told = 0 WHERE product_id = :id"
)
FAILED: Final = Query(
    "UPDATE shop_pages SET next_fetch_at = :next_at, failures = failures + 1, "
    "failing_since = COALESCE(failing_since, :now), failure = :failure WHERE product_id = :id"
)
FAILING_UNTOLD: Final = Query(
    f"SELECT {COLUMNS} FROM shop_pages WHERE failing_since <= :since AND failure_told = 0"
)
TOLD: Final = Query("UPDATE shop_pages SET failure_told = 1 WHERE product_id IN :ids")


class ShopPages:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment
        self._at_or_none = db.dialect.at_or_none

    async def add(
        self, page: PageProduct, host: str, reading: PageReading, next_fetch_at: datetime
    ) -> None:
        """A page just read for a new watch (or read again for another): its reading."""
        await self._db.execute(
            ADD,
            id=page.product_id,
            url=page.url,
            sku=page.sku,
            name=page.name,
            currency=page.currency,
            host=host,
            price=price_text_or_none(reading.price),
            etag=reading.etag,
            last_modified=reading.last_modified,
            next_at=self._moment(next_fetch_at),
            now=self._moment(reading.at),
        )

    async def get(self, product_ids: Sequence[str]) -> dict[str, StoredPage]:
        rows = await self._db.fetch(BY_IDS, ids=list(product_ids))
        return {row["product_id"]: self._page(row) for row in rows}

    async def due(self, now: datetime, limit: int) -> list[tuple[str, StoredPage]]:
        """Watched pages whose fetch is due, soonest first, with their hosts."""
        rows = await self._db.fetch(WATCHED_DUE, now=self._moment(now), limit=limit)
        return [(row["host"], self._page(row)) for row in rows]

    async def watched(self) -> list[tuple[str, StoredPage]]:
        """Every watched page, with its host."""
        return [(row["host"], self._page(row)) for row in await self._db.fetch(WATCHED)]

    async def claim(self, product_ids: Sequence[str], now: datetime, until: datetime) -> set[str]:
        """Push the pages' next fetch to `until` (if still due by `now`), so no other
        fetch takes them meanwhile; returns those claimed."""
        if not product_ids:
            return set()
        rows = await self._db.fetch(
            CLAIM, ids=list(product_ids), now=self._moment(now), until=self._moment(until)
        )
        return {row["product_id"] for row in rows}

    async def record_reading(
        self, product_id: str, reading: PageReading, next_fetch_at: datetime
    ) -> None:
        await self._db.execute(
            READ,
            id=product_id,
            price=price_text_or_none(reading.price),
            etag=reading.etag,
            last_modified=reading.last_modified,
            next_at=self._moment(next_fetch_at),
        )

    async def record_unchanged(self, product_id: str, next_fetch_at: datetime) -> None:
        await self._db.execute(UNCHANGED, id=product_id, next_at=self._moment(next_fetch_at))

    async def record_failure(
        self, product_id: str, failure: str, now: datetime, next_fetch_at: datetime
    ) -> None:
        await self._db.execute(
            FAILED,
            id=product_id,
            failure=failure,
            now=self._moment(now),
            next_at=self._moment(next_fetch_at),
        )

    async def failing_untold(self, since: datetime) -> list[StoredPage]:
        """Pages failing since `since` or before whose watchers have not been told."""
        rows = await self._db.fetch(FAILING_UNTOLD, since=self._moment(since))
        return [self._page(row) for row in rows]

    async def mark_told(self, product_ids: Sequence[str]) -> None:
        if product_ids:
            await self._db.execute(TOLD, ids=list(product_ids))

    def _page(self, row: Any) -> StoredPage:
        return StoredPage(
            page=PageProduct(
                row["product_id"], row["url"], row["sku"], row["name"], row["currency"]
            ),
            price=None if row["price"] is None else Decimal(row["price"]),
            read=bool(row["has_reading"]),
            etag=row["etag"],
            last_modified=row["last_modified"],
            failures=row["failures"],
            failing_since=self._at_or_none(row["failing_since"]),
            failure=row["failure"],
        )
