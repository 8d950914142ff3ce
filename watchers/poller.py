"""Poll tick: one batched price request for every watched product, rules, outbox rows."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final, Mapping, Protocol, Sequence

from domain.clock import Clock
from domain.pages import UNAVAILABLE_AFTER_READINGS, StoredPage, is_page_product
from domain.polls import PollChanges, PriceMove, Recheck
from domain.products import ProductHealth
from domain.rules import plain_move_cents
from domain.watch_changes import (
    Change,
    WatchChange,
    priced,
    shop_silent,
    snooze_ran_out,
    unavailable,
)
from domain.watches import Watch
from feed.client import PriceBatch, PriceFeed
from metrics import Metrics
from state.interfaces import JobLease, WatchStore

logger = logging.getLogger(__name__)

CONFLICT_ROUNDS: Final = 5
"""How often a poll works out again the watches changed since it read them, before it
leaves them to the next poll (a user who changes a watch five times during one write)."""
UNAVAILABLE_AFTER_NULLS: Final = 5
"""Polls in a row a healthy feed must answer null before watchers hear of it."""
PRODUCTS_PER_BATCH: Final = 500
"""Products evaluated together (about 0.1 s of work when every watch is loaded), so
memory stays flat however many watches exist."""
WATCHED_REFRESH_TICKS: Final = 100
"""Re-read the full list of watched products this often; new watches join at once."""


class SilentPages(Protocol):
    """shops/pages.py's ShopPages: pages that have given no reading for a day."""

    async def silent(self) -> list[StoredPage]:
        """Watched pages failing for a day whose watchers have not been told."""

    async def told(self, product_ids: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class PollReport:
    products: int
    prices: int
    alerts: int
    feed_error: str | None = None
    evaluated: int = 0
    """Products whose watches were evaluated: those that moved or needed a look."""
    pages: dict[str, object] | None = None
    """What reading every watched shop page first did (/api/notify)."""


def plain_moves(
    prices: Mapping[str, Decimal | None],
    previous_prices: Mapping[str, Decimal | None],
    now: datetime,
) -> list[PriceMove]:
    """The products whose move from the price last seen is plain (`plain_move_cents`):
    most of their watches are then evaluated by the store in bulk."""
    moves = []
    for product_id, price in prices.items():
        previous = previous_prices.get(product_id)
        if price is not None and previous is not None:
            cents = plain_move_cents(previous, price)
            if cents is not None:
                moves.append(PriceMove(product_id, previous, price, cents, now))
    return moves


def plan_poll(
    watches: Sequence[Watch],
    prices: Mapping[str, Decimal | None],
    health: Mapping[str, ProductHealth],
    now: datetime,
    moves: Sequence[PriceMove] = (),
    unavailable_after: int | None = None,
) -> PollChanges:
    """What one poll changes for some products. `prices` holds only what the feed
    answered for them: a price, or None for an explicit null; anything else never
    reaches here. `watches` are the ones evaluated here, one by one; the store applies
    the `moves` to the rest."""
    changes = PollChanges(moves=list(moves), prices=dict(prices), seen_at=now)
    by_product: dict[str, list[Watch]] = defaultdict(list)
    for move in moves:
        by_product[move.product_id] = []
    for watch in watches:
        by_product[watch.product_id].append(watch)
    for product_id, product_watches in by_product.items():
        if product_id not in prices:
            continue
        price = prices[product_id]
        before = health.get(product_id, ProductHealth(product_id))
        after = health_after(before, price, unavailable_after or nulls_to_unavailable(product_id))
        changes.changes.extend(
            watch_change(watch, price, before, after, now) for watch in product_watches
        )
        if after != before:
            changes.health.append(after)
    return changes


def nulls_to_unavailable(product_id: str) -> int:
    """Answers of "no price" in a row before a product's watchers hear it is unavailable:
    a feed's null may be a glitch; a shop page that says out of stock means it."""
    return UNAVAILABLE_AFTER_READINGS if is_page_product(product_id) else UNAVAILABLE_AFTER_NULLS


def health_after(
    health: ProductHealth, price: Decimal | None, unavailable_after: int
) -> ProductHealth:
    """The product's health once the feed answered `price` (None: an explicit null)."""
    if price is not None:
        return replace(health, null_streak=0, unavailable=False)
    streak = health.null_streak + 1
    if health.unavailable or streak < unavailable_after:
        return replace(health, null_streak=streak)
    return ProductHealth(health.product_id, streak, unavailable=True, outages=health.outages + 1)


def watch_change(
    watch: Watch,
    price: Decimal | None,
    before: ProductHealth,
    after: ProductHealth,
    now: datetime,
) -> Change:
    """What the poll's answer for its product changes of one watch."""
    if price is not None:
        return priced(watch, price, before.outages, now)
    if after.unavailable and not before.unavailable:
        return unavailable(watch, after.outages, now)
    return Change(watch, watch)


def _warn_about_gaps(answers: Sequence[PriceBatch], nulls: Sequence[str]) -> None:
    """One line per poll for products the feed had no usable price for."""
    unanswered = [
        product_id
        for batch in answers
        if len(batch.prices) < len(batch.asked)
        for product_id in batch.asked
        if product_id not in batch.prices
    ]
    if unanswered:
        logger.warning(
            "the feed gave no usable price for %d product(s), e.g. %s",
            len(unanswered),
            ", ".join(unanswered[:5]),
        )
    if nulls:
        logger.warning(
            "the feed says %d product(s) are unavailable, e.g. %s",
            len(nulls),
            ", ".join(nulls[:5]),
        )


class Poller:
    """Asks the feed for every watched product, then evaluates only what can change.

    A watch's rule state changes only when its product's price changes, while a huge
    drop awaits confirmation, when the feed says null, or right after the watch is made.
    Everything else is skipped, so a tick over 100,000 quiet watches costs about what
    fetching the prices costs. Where a price moved plainly, the store applies the move
    to the product's watches in bulk (`plain_moves`). What the poller remembers is
    stored with each poll's results, so a restart changes none of this.
    """

    def __init__(
        self,
        watches: WatchStore,
        feed: PriceFeed,
        clock: Clock,
        metrics: Metrics,
        products_per_batch: int = PRODUCTS_PER_BATCH,
        lease: JobLease | None = None,
        pages: SilentPages | None = None,
    ) -> None:
        """`lease`: the fleet's poll lease this poller writes under (`LeaseLost` when it
        is no longer this instance's at a write's commit); None for a store one process
        uses. `pages`: the shop pages, whose watchers hear once when one stops answering."""
        self._watches = watches
        self._pages = pages
        self._lease = lease
        self._products_per_batch = products_per_batch
        self._feed = feed
        self._clock = clock
        self._metrics = metrics
        self._recalled = False  # what the last poll, maybe before a restart, remembers
        self._last_prices: dict[str, Decimal | None] = {}
        self._evaluated_up_to_watch = 0
        self._watched: set[str] = set()
        self._watched_sorted: list[str] = []
        self._ticks_until_refresh = 0

    def forget(self) -> None:
        """Drop what this poller remembers: another instance may have polled since, so
        the next tick starts from what the store remembers."""
        self._recalled = False
        self._last_prices = {}
        self._ticks_until_refresh = 0

    async def tick(self) -> PollReport:
        self._metrics.polls.inc()
        if not self._recalled:
            memory = await self._watches.poll_memory()
            self._last_prices.update(memory.prices)
            self._evaluated_up_to_watch = memory.evaluated_up_to_watch
            self._recalled = True
        now = self._clock()
        snoozed, recheck = await asyncio.gather(
            self._watches.snoozed_due(now),
            self._watches.products_to_recheck(self._evaluated_up_to_watch),
        )
        woken = await self._apply(snoozed, snooze_ran_out(now))
        woken += await self._tell_silent_pages(now)
        watched = await self._watched_products(recheck)
        if not watched:
            return PollReport(0, 0, 0)
        answers: list[PriceBatch] = []
        failures: list[PriceBatch] = []
        changed: dict[str, Decimal | None] = {}
        async for batch in self._feed.price_batches(watched):
            if batch.error is not None:
                failures.append(batch)
                continue
            answers.append(batch)
            changed.update(self._changed(batch.prices, recheck.product_ids))
        # All at once, after the fetch. The fetch is CPU-bound in this process, so
        # evaluating batch by batch while it runs saved nothing and cost a transaction
        # each: a 1% drop over 100,000 watches took 1.9x the fetch that way, 1.5x this.
        created = woken + await self._evaluate(changed)
        nulls = [product_id for product_id, price in changed.items() if price is None]
        # A new watch whose product went unanswered still needs its first look.
        looked_at_all = not failures and recheck.product_ids.issubset(changed)
        await self._remember(changed, recheck, looked_at_all)
        self._metrics.alerts_created.inc(created)
        if created:
            logger.info("poll created %d alert(s)", created)
        answered = sum(len(batch.prices) for batch in answers)
        feed_error = self._report_failures(failures, answered_any=answered > 0)
        _warn_about_gaps(answers, nulls)
        return PollReport(
            len(watched), answered - len(nulls), created, feed_error, evaluated=len(changed)
        )

    def _changed(
        self, prices: Mapping[str, Decimal | None], recheck: frozenset[str]
    ) -> dict[str, Decimal | None]:
        """The prices that can change a watch: moved ones, nulls, and rechecked products'."""
        last = self._last_prices.get
        changed = {
            product_id: price
            for product_id, price in prices.items()
            if price is None or last(product_id, _UNSEEN) != price
        }
        if recheck:
            changed.update(
                (product_id, prices[product_id]) for product_id in recheck & prices.keys()
            )
        return changed

    async def _watched_products(self, recheck: Recheck) -> list[str]:
        """Every watched product, sorted, re-read now and then; new watches join at once."""
        if self._ticks_until_refresh <= 0:
            self._watched = set(await self._watches.watched_product_ids())
            self._last_prices = {
                pid: price for pid, price in self._last_prices.items() if pid in self._watched
            }
            self._watched_sorted = sorted(self._watched)
            self._ticks_until_refresh = WATCHED_REFRESH_TICKS
        self._ticks_until_refresh -= 1
        if not recheck.product_ids <= self._watched:
            self._watched |= recheck.product_ids
            self._watched_sorted = sorted(self._watched)
        return self._watched_sorted

    async def _remember(
        self, changed: Mapping[str, Decimal | None], recheck: Recheck, looked_at_all: bool
    ) -> None:
        """The store has the prices already, written with what they changed."""
        self._last_prices.update(changed)  # every other price is the one remembered
        if looked_at_all and recheck.newest_watch_id != self._evaluated_up_to_watch:
            self._evaluated_up_to_watch = recheck.newest_watch_id
            await self._watches.remember_evaluated_up_to_watch(recheck.newest_watch_id)

    def _report_failures(self, failures: list[PriceBatch], answered_any: bool) -> str | None:
        if not failures:
            return None
        self._metrics.feed_errors.inc()
        error = str(failures[0].error)
        if answered_any:
            logger.warning(
                "the feed failed for %d of the poll's requests (%s); the rest were used",
                len(failures),
                error,
            )
        else:
            logger.warning("poll skipped, the feed failed: %s", error)
        return error

    async def _evaluate(self, prices: Mapping[str, Decimal | None]) -> int:
        """Rules for the products given, a slice at a time so memory stays flat. Other
        work (a chat turn) gets the loop between slices, which matters when a poll has
        every watch to look at. A watch a user changes between a slice's read and its
        write is not overwritten: the store writes each change only over the version it
        was worked out from, and the slice works the conflicts out again."""
        product_ids = list(prices)
        created = 0
        for start in range(0, len(product_ids), self._products_per_batch):
            if start:
                await asyncio.sleep(0)
            chunk = {
                product_id: prices[product_id]
                for product_id in product_ids[start : start + self._products_per_batch]
            }
            now = self._clock()
            moves = plain_moves(chunk, self._last_prices, now)
            chunk_ids = list(chunk)
            watches, health = await asyncio.gather(  # two reads at once on PostgreSQL
                self._watches.for_products(chunk_ids, moves),
                self._watches.product_health(chunk_ids),
            )
            changes = plan_poll(watches, chunk, health, now, moves)
            recorded = await self._watches.record_poll(changes, self._lease)
            created += recorded.alerts

            def again(watch: Watch) -> Change:
                price = chunk[watch.product_id]
                before = health.get(watch.product_id, ProductHealth(watch.product_id))
                after = health_after(before, price, nulls_to_unavailable(watch.product_id))
                return watch_change(watch, price, before, after, now)

            created += await self._settle(recorded.conflicts, again)
        return created

    async def _tell_silent_pages(self, now: datetime) -> int:
        """Each watcher of a page that has given no reading for a day hears it once."""
        if self._pages is None:
            return 0
        silent = await self._pages.silent()
        created = 0
        for stored in silent:
            since = stored.failing_since or now
            watches = await self._watches.for_products([stored.page.product_id])
            created += await self._apply(watches, shop_silent(since, stored.failure or "", now))
        await self._pages.told([stored.page.product_id for stored in silent])
        return created

    async def _apply(self, watches: Sequence[Watch], change: WatchChange) -> int:
        """Apply a change to the watches read, with the poll's guard; returns new alerts."""
        if not watches:
            return 0
        recorded = await self._watches.record_poll(
            PollChanges(changes=[change(watch) for watch in watches]), self._lease
        )
        return recorded.alerts + await self._settle(recorded.conflicts, change)

    async def _settle(self, conflicts: Sequence[int], change: WatchChange) -> int:
        """Work the conflicting watches out again from a fresh read, until none is left."""
        created = 0
        for _ in range(CONFLICT_ROUNDS):
            if not conflicts:
                return created
            fresh = await self._watches.by_ids(conflicts)
            recorded = await self._watches.record_poll(
                PollChanges(changes=[change(watch) for watch in fresh.values()]), self._lease
            )
            created += recorded.alerts
            conflicts = recorded.conflicts
        if conflicts:
            logger.warning(
                "%d watch(es) kept changing during the poll; the next one looks", len(conflicts)
            )
        return created


_UNSEEN: Final = object()
