"""Shop pages as products: read a page a user pastes, keep it, fetch the watched ones
when they are due, and answer their prices from the last reading.

Fetching is its own job (`refresh`), apart from the poll: it takes the due pages (a few
per host each time, so no host gets a burst), fetches them through the polite fetcher
and stores each reading. The poll then reads the stored prices like a feed's
(watchers/prices.py), so page products go through the same poll and alert path.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Sequence
from urllib.parse import urljoin

from domain.clock import Clock
from domain.pages import PageProduct, PageReading, StoredPage, page_product_id
from shops.addresses import Refused, ShopUrl, check_url
from shops.fetcher import Failure, FetchError, PoliteFetcher, Validators, looks_like_a_wall
from shops.reading import Offer, Reading, read_page, variant_key
from state.interfaces import ShopPageStore

logger = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS: Final = 300.0
"""A failed fetch is tried again after 5 minutes, then 10, 20... up to the interval."""
SILENT_AFTER: Final = timedelta(days=1)
"""A page failing this long: its watchers are told, once."""
CLAIM_LIMIT: Final = 2000
"""Due pages looked at per refresh (the soonest first)."""
_EVERYTHING: Final = timedelta(days=365 * 100)


@dataclass(frozen=True)
class PageTerms:
    interval_seconds: float = 3600.0
    """How often each watched page is fetched (SHOP_POLL_INTERVAL_SECONDS)."""
    tick_seconds: float = 10.0
    """How often `refresh` runs: each host gets at most one fetch per minimum gap."""


@dataclass(frozen=True)
class Look:
    """A page read for someone who wants to watch it."""

    url: str
    """Where the page was in the end, after redirects: the page product's address."""
    host: str
    reading: Reading | None = None
    validators: Validators = Validators()
    problem: str | None = None
    """Why it cannot be watched, in plain words; None when `reading` has offers."""

    def product(self, offer: Offer) -> PageProduct:
        """The page product for one of its offers (the sku matters only among variants)."""
        assert self.reading is not None
        sku = variant_key(offer) if self.reading.has_variants else None
        name = (offer.name if self.reading.has_variants else None) or self.reading.name
        return PageProduct(
            page_product_id(self.url, sku), self.url, sku, name or self.host, offer.currency or ""
        )


@dataclass
class RefreshReport:
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "read": self.fetched,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "failures": dict(self.failures),
        }


class ShopPages:
    def __init__(
        self,
        store: ShopPageStore,
        fetcher: PoliteFetcher,
        clock: Clock,
        terms: PageTerms = PageTerms(),
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self._terms = terms
        self._rng = rng or random.Random()
        self._interval = timedelta(seconds=terms.interval_seconds)

    async def look(self, raw_url: str) -> Look:
        """Fetch and read the page a user gave; `Look.problem` says why it won't do."""
        try:
            host = check_url(raw_url, self._fetcher.terms.allowed_hosts).host
        except Refused as refused:
            return Look(raw_url, "", problem=str(refused))
        try:
            fetched = await self._fetcher.fetch(raw_url)
        except FetchError as error:
            return Look(raw_url, host, problem=_told(error))
        assert fetched.body is not None  # asked without validators: never a 304
        reading = read_page(fetched.body)
        final = _page_address(fetched.url, reading.canonical, self._fetcher.terms.allowed_hosts)
        problem = None
        if not reading.found:
            problem = (
                "The shop answered with a bot check instead of the page, so I can't read it."
                if looks_like_a_wall(fetched.body)
                else "I couldn't find a price on that page: it doesn't publish one in a form"
                " I can read (structured data), or it shows it only after JavaScript runs."
            )
        elif any(offer.currency is None for offer in reading.offers):
            problem = "That page doesn't say which currency its price is in, so I can't watch it."
        return Look(final.url, final.host, reading, fetched.validators, problem)

    async def remember(self, look: Look, offer: Offer) -> PageProduct:
        """Keep the page (for this offer) with what was just read; its next fetch comes
        somewhere in the next one and a half intervals, so pages added together spread."""
        page = look.product(offer)
        now = self._clock()
        reading = PageReading(
            offer.price if offer.available else None,
            look.validators.etag,
            look.validators.last_modified,
            now,
        )
        spread = self._interval * (0.5 + self._rng.random())
        await self._store.add(page, look.host, reading, now + spread)
        return page

    async def product(self, product_id: str) -> PageProduct | None:
        stored = (await self._store.get([product_id])).get(product_id)
        return None if stored is None else stored.page

    async def prices(self, product_ids: Sequence[str]) -> dict[str, Decimal | None]:
        """Each page's price as last read (None: not for sale now); pages never read
        are left out."""
        stored = await self._store.get(product_ids)
        return {pid: page.price for pid, page in stored.items() if page.read}

    async def silent(self) -> list[StoredPage]:
        """Watched pages failing for a day whose watchers have not been told."""
        return await self._store.failing_untold(self._clock() - SILENT_AFTER)

    async def told(self, product_ids: Sequence[str]) -> None:
        await self._store.mark_told(product_ids)

    async def refresh(self, everything: bool = False) -> RefreshReport:
        """Fetch the watched pages that are due, a few per host (`everything`: every
        watched page now, each host still one request at a time, its gap apart)."""
        now = self._clock()
        if everything:
            candidates = await self._store.watched()
        else:
            candidates = await self._store.due(now, CLAIM_LIMIT)
        per_host = max(1, int(self._terms.tick_seconds // self._gap()))
        chosen: dict[str, StoredPage] = {}
        taken: dict[str, int] = defaultdict(int)
        for host, page in candidates:
            if everything or taken[host] < per_host:
                taken[host] += 1
                chosen[page.page.product_id] = page
        report = RefreshReport()
        if not chosen:
            return report
        claimed = await self._store.claim(
            list(chosen), now + _EVERYTHING if everything else now, now + self._interval
        )
        await asyncio.gather(*(self._refresh_one(chosen[pid], report) for pid in claimed))
        if report.failed:
            logger.info(
                "shop pages: %d read, %d unchanged, %d failed (%s)",
                report.fetched,
                report.unchanged,
                report.failed,
                ", ".join(f"{k}: {v}" for k, v in sorted(report.failures.items())),
            )
        return report

    async def _refresh_one(self, stored: StoredPage, report: RefreshReport) -> None:
        page = stored.page
        try:
            fetched = await self._fetcher.fetch(
                page.url, Validators(stored.etag, stored.last_modified)
            )
        except FetchError as error:
            await self._failed(stored, error.failure.value, error.reason, error.retry_after)
            report.failed += 1
            report.failures[error.failure.value] = report.failures.get(error.failure.value, 0) + 1
            return
        now = self._clock()
        if fetched.unchanged and stored.read:
            await self._store.record_unchanged(page.product_id, self._next(now))
            report.unchanged += 1
            return
        body = fetched.body or b""
        reading = read_page(body)
        offer = reading.offer(page.sku)
        if offer is None:
            if looks_like_a_wall(body):
                why = Failure.BLOCKED.value, "the shop answered with a bot check"
            elif page.sku and reading.found:
                why = "no price", "the page no longer lists that choice"
            else:
                why = "no price", "no price found on the page"
            await self._failed(stored, *why)
            report.failed += 1
            report.failures[why[0]] = report.failures.get(why[0], 0) + 1
            return
        price = offer.price if offer.available else None
        await self._store.record_reading(
            page.product_id,
            PageReading(price, fetched.validators.etag, fetched.validators.last_modified, now),
            self._next(now),
        )
        report.fetched += 1

    async def _failed(
        self, stored: StoredPage, kind: str, reason: str, retry_after: float | None = None
    ) -> None:
        now = self._clock()
        logger.warning("shop page %s: %s", stored.page.url, reason)
        backoff = min(
            self._terms.interval_seconds, FIRST_BACKOFF_SECONDS * 2 ** min(stored.failures, 20)
        ) * (0.5 + self._rng.random() / 2)
        wait = max(backoff, retry_after or 0.0)
        await self._store.record_failure(
            stored.page.product_id, reason, now, now + timedelta(seconds=wait)
        )

    def _next(self, now: datetime) -> datetime:
        """An interval on, give or take 5%, so pages read together drift apart."""
        return now + self._interval * (0.95 + self._rng.random() / 10)

    def _gap(self) -> float:
        return max(self._fetcher.terms.min_interval_seconds, 0.001)


def _page_address(fetched: str, canonical: str | None, allowed: frozenset[str]) -> ShopUrl:
    """Where the page is, as its product is known: the address it names for itself when
    that is on the same site (so the same page reached by two links is one product),
    else where it was fetched from."""
    where = check_url(fetched, allowed)
    if canonical:
        try:
            named = check_url(urljoin(fetched, canonical), allowed)
        except Refused:
            return where
        if named.origin == where.origin:
            return named
    return where


def _told(error: FetchError) -> str:
    """A fetch failure as the person who pasted the link reads it."""
    if error.failure is Failure.REFUSED:
        told = error.reason[:1].upper() + error.reason[1:]
        return told if told.endswith(".") else told + "."
    if error.failure is Failure.BLOCKED:
        return (
            "The shop turned me away (it blocks bots, or asked me to slow down), so I can't"
            " read that page now."
        )
    if error.failure is Failure.GONE:
        return "That page doesn't exist (the shop says it is gone)."
    return f"I couldn't read that page: {error.reason}. Please try again later."
