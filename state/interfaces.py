"""The store's interfaces, one per aggregate: everything that must survive a restart.

A backend (state/sqlite/ today) implements each over one database object that owns the
connection, the migrations and the checkpoints. The rest of the app sees only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, AsyncContextManager, Protocol, Sequence

from domain.alerts import Alert, Attempt, FailedAttempt, SendFailure, SentMessage
from domain.history import Downsampled, PricePoint
from domain.pages import PageProduct, PageReading, StoredPage
from domain.polls import PollChanges, PollMemory, PriceMove, Recheck, Recorded
from domain.products import ProductHealth
from domain.watch_changes import Change, WatchChange
from domain.watch_events import WatchEvent
from domain.watches import NewWatch, Watch


class EtagConflict(Exception):
    """A state write lost a race: someone wrote the document since it was read."""


class LeaseLost(Exception):
    """A job's lease is no longer its holder's: it ran out, or another instance took it.
    Whatever the holder was about to write for that job is not written."""


@dataclass(frozen=True)
class StateRecord:
    """One bot state document with its e_tag."""

    value: bytes
    etag: int


class ReferenceStore(Protocol):
    """Conversation references, refreshed by every inbound activity, and reachability."""

    async def save(self, conversation_key: str, reference: dict[str, Any], now: datetime) -> None:
        """Store the reference and make the conversation reachable again."""

    async def get(self, conversation_key: str) -> dict[str, Any] | None: ...

    async def get_many(self, conversation_keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        """Send nothing there until the user writes again (a stale reference, a block)."""

    async def is_reachable(self, conversation_key: str) -> bool: ...


class WatchStore(Protocol):
    """Watches with their rule state, how the feed answers for their products, and what
    the poller remembers between polls."""

    async def add(self, watch: NewWatch) -> Watch: ...

    async def add_many(self, watches: Sequence[NewWatch]) -> int:
        """Bulk import in one transaction; returns how many were added."""

    async def of_conversation(self, conversation_key: str) -> list[Watch]: ...

    async def count_of_user(self, user_id: str) -> int:
        """Watches one user made, in any of their conversations."""

    async def remove(self, conversation_key: str, watch_id: int, owner: str | None = None) -> bool:
        """Remove a watch of this conversation, and its undelivered alerts. With an
        `owner` (a group member), only a watch that belongs to them (`domain.owners`)."""

    async def change(
        self,
        conversation_key: str,
        watch_id: int | None,
        change: WatchChange,
        owner: str | None = None,
    ) -> list[Change]:
        """Apply a user's change to the conversation's watch (None: to each of its
        watches; with an `owner`, only those that belong to them, `domain.owners`) under
        the rows' locks, worked out from the watch as it is now, with the alerts and
        events it makes; returns the changes, each `after` as stored. Every write of a
        watch's state is this or `record_poll`; each change of this that writes bumps the
        watch's `user_version`."""

    async def by_ids(self, watch_ids: Sequence[int]) -> dict[int, Watch]:
        """The watches that still exist, by id."""

    async def snoozed_due(self, now: datetime) -> list[Watch]:
        """Watches whose snooze ran out by `now` and has not been noticed yet. Costs one
        indexed look when none is due."""

    async def remove_expired(self, now: datetime) -> int:
        """Remove the price protection watches whose window has ended."""

    async def remove_left(self, before: datetime) -> int:
        """Remove the watches stopped before `before` because their owner or the bot left
        the conversation (`domain.departures`), with any alert of theirs still open."""

    async def watched_product_ids(self) -> list[str]: ...

    async def for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        """The products' watches, except those following one of the moves
        (`state.rule_sql.follows_move_sql`): the store applies a move to those itself."""

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]: ...

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        """Products with watches made after that id, or with a huge drop to confirm."""

    async def poll_memory(self) -> PollMemory:
        """What the polls recorded so far remember (see `record_poll`)."""

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None: ...

    async def record_poll(self, changes: PollChanges, lease: JobLease | None = None) -> Recorded:
        """Write one poll's changes in one transaction. The moves apply to the watches
        following them at that moment, by the rules' SQL twins (`state/rule_sql.py`);
        each watch's change only if the watch is still at the version it was worked out
        from: the others are returned as conflicts, with nothing of theirs written. With a
        `lease`, nothing is written (`LeaseLost`) unless it is still its holder's at the
        commit."""


class OutboxStore(Protocol):
    """The alert outbox. A claim is a short lease: a dead process's claims run out."""

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Alert]:
        """Pending alerts, and held ones whose hold ran out, of reachable conversations."""

    async def claim_conversation(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        """Every pending or held alert of one conversation, due or not."""

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None: ...

    async def release_claims(self, alert_ids: Sequence[int]) -> None: ...

    async def mark_sent(self, messages: Sequence[SentMessage]) -> None:
        """Each message's alerts sent, as that message (the channel gave it its
        `activity_id`); every message in one write, one commit."""

    async def card_message(self, conversation_key: str, alert_id: int) -> list[Alert]:
        """The alerts sent in the same message as this one of the conversation (it
        among them), in the order they were sent; none when the alert is gone or its
        message has no activity id."""

    async def mark_card_done(
        self, conversation_key: str, alert_id: int, watch_id: int, done: str
    ) -> bool:
        """What a button of the alert's card did (`Alert.card_done`); only an alert of that
        conversation and watch (a card's data is the client's word): False for any other."""

    async def mark_held(
        self,
        alert_ids: Sequence[int],
        now: datetime,
        hold_seconds: float,
        until: datetime | None = None,
    ) -> None:
        """Hold for a dialog (at most `hold_seconds` from the first such hold), or, with
        `until`, for quiet hours: due at `until`, remembered in `Alert.quiet_until`."""

    async def mark_asleep(self, alert_ids: Sequence[int], until: datetime) -> None:
        """Hold while the alert's watch sleeps: due at `until`, or as soon as the watch
        wakes (`WatchStore.change` makes a woken watch's held alerts due)."""

    async def mark_dropped(self, alert_ids: Sequence[int], now: datetime, why: str) -> list[int]:
        """Never send these: they no longer stand (`domain.alert_fate`). The open ones
        among them end as failed with `why` as their last error (settled `now`, so the
        prune takes them in time); returns the ids that were still open."""

    async def wake_quiet(self, conversation_key: str, now: datetime) -> int:
        """Make the conversation's alerts held for quiet hours due now (the quiet hours
        changed); return how many there are."""

    async def mark_failed(
        self, attempts: Sequence[FailedAttempt], now: datetime, failure: SendFailure
    ) -> None:
        """Record one failed send of each alert: retry at its retry_at, or give up."""

    async def counts(self) -> dict[str, int]:
        """Alerts by status."""

    async def get(self, alert_ids: Sequence[int]) -> list[Alert]: ...

    async def of_watch(self, watch_id: int, limit: int) -> list[Alert]:
        """The watch's most recent alerts, whatever became of them, oldest first."""

    async def open_of_watches(self, watch_ids: Sequence[int]) -> list[Alert]:
        """The watches' alerts not sent or given up yet (pending or held, claimed or not)."""

    async def attempts(self, alert_id: int) -> list[Attempt]:
        """Every delivery attempt of one alert, oldest first."""

    async def prune(self, finished_before: datetime, limit: int) -> int:
        """Delete up to `limit` sent or failed alerts whose last attempt was before that
        moment, with their attempts; return how many alerts went."""


class WatchEventStore(Protocol):
    """What happened to each watch, recorded when it happened (domain/watch_events.py),
    for `why`. The watch writes record theirs inside their own transaction; `record` is
    for a decision made apart from a watch write (an alert held or dropped)."""

    async def record(self, events: Sequence[WatchEvent]) -> None:
        """Write the events in one transaction of their own."""

    async def of_watch(self, watch_id: int, limit: int) -> list[WatchEvent]:
        """The watch's `limit` most recent events, oldest first."""

    async def prune(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` events that happened before `before` or are not among
        their watch's EVENTS_KEPT_PER_WATCH most recent; return how many went. A removed
        watch's events go by age, as its finished alerts do."""


class PriceHistoryStore(Protocol):
    """Every price change the polls saw, per product (written by `WatchStore.record_poll`:
    a point only when the price differs from the product's latest point; None =
    unavailable from then on)."""

    async def since(self, product_id: str, since: datetime) -> list[PricePoint]:
        """The product's points from `since` on, oldest first, led by the last point
        before `since` when there is one (the price that held when the period began)."""

    async def lows_since(
        self, product_ids: Sequence[str], since: datetime
    ) -> dict[str, PricePoint]:
        """Each product's lowest price from `since` on (a price held from before counts,
        at `since`), and when it was first reached; products without a price are left out."""

    async def period(
        self, product_id: str, start: datetime, end: datetime, slices: int
    ) -> Downsampled:
        """The product's history over [start, end] summed up in the database: each of
        `slices` equal slices' first, last, lowest, highest and first unavailable point
        (a point holding at `start` counts, at `start`), and the period's time-weighted
        totals. It never holds the event loop, whatever the number of points."""

    async def latest(self, product_id: str) -> PricePoint | None:
        """The product's latest point: what a chart of its history is keyed by."""

    async def prune(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` points older than `before`, keeping each product's last
        one before it (the price that held at `before`); return how many went."""


class ShopPageStore(Protocol):
    """Shop pages watched as products (shops/pages.py): the last reading of each, its
    validators, when to fetch it next, and how long it has been failing."""

    async def add(
        self, page: PageProduct, host: str, reading: PageReading, next_fetch_at: datetime
    ) -> None:
        """Store a page just read for a watch, or its new reading when it is known."""

    async def get(self, product_ids: Sequence[str]) -> dict[str, StoredPage]: ...

    async def due(self, now: datetime, limit: int) -> list[tuple[str, StoredPage]]:
        """Watched pages whose fetch is due by `now`, soonest first, with their hosts."""

    async def watched(self) -> list[tuple[str, StoredPage]]:
        """Every watched page, with its host."""

    async def claim(self, product_ids: Sequence[str], now: datetime, until: datetime) -> set[str]:
        """Take the pages still due by `now` for a fetch: their next fetch moves to
        `until`, so no other fetch takes them meanwhile. Returns those taken."""

    async def record_reading(
        self, product_id: str, reading: PageReading, next_fetch_at: datetime
    ) -> None: ...

    async def record_unchanged(self, product_id: str, next_fetch_at: datetime) -> None:
        """The page answered 304: its reading stands."""

    async def record_failure(
        self, product_id: str, failure: str, now: datetime, next_fetch_at: datetime
    ) -> None:
        """A fetch that gave no reading; the page has been failing since the first."""

    async def failing_untold(self, since: datetime) -> list[StoredPage]:
        """Pages failing since `since` or before whose watchers were not told yet."""

    async def mark_told(self, product_ids: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class StoredChart:
    token: str
    product_id: str
    version: str
    png: bytes
    expires_at: datetime


class ChartStore(Protocol):
    """Rendered history charts, shared by every instance: any of them serves any token."""

    async def find(self, product_id: str, version: str, now: datetime) -> StoredChart | None:
        """The unexpired chart of this product at this version of its history."""

    async def put(self, chart: StoredChart, now: datetime) -> StoredChart:
        """Store the chart, or return the unexpired one another writer stored first for
        the same product and version (then that one's token is the one to use)."""

    async def extend(self, token: str, expires_at: datetime) -> None:
        """Let the chart live at least until `expires_at` (a chart shared by a new alert)."""

    async def by_token(self, token: str, now: datetime) -> StoredChart | None:
        """The chart with this token, unless it has expired."""

    async def prune(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` expired charts; return how many went."""


class BotStateStore(Protocol):
    """Bot state documents (conversation and user state), as opaque bytes."""

    async def read(self, keys: Sequence[str]) -> dict[str, StateRecord]: ...

    async def write(self, key: str, value: bytes, expected_etag: int | None) -> int:
        """Write a document; None overwrites, else raise EtagConflict if it changed."""

    async def delete(self, keys: Sequence[str]) -> None: ...

    async def keys_holding(self, prefix: str, needle: bytes) -> list[str]:
        """The keys starting with `prefix` of the documents whose bytes hold `needle` (a
        person's id, as the documents' pickles hold it: UTF-8), for `forget me`."""


@dataclass(frozen=True)
class ForgottenRows:
    """What `PersonalDataStore.forget` deleted."""

    watches: int = 0
    alerts: int = 0
    private_conversations: list[str] = field(default_factory=list)
    """The keys of the 1:1 conversations whose reference named them and is gone."""


class PersonalDataStore(Protocol):
    """Everything the tables hold about one person, found by their user id on one
    channel (`state/sql/personal_data.py` says which rows), for `forget me`; bot state
    documents are found with `BotStateStore.keys_holding`."""

    async def count(self, channel_id: str, user_id: str) -> tuple[int, int]:
        """Their watches, in every conversation of the channel, and those watches' alerts."""

    async def forget(self, channel_id: str, user_id: str) -> ForgottenRows:
        """Delete in one transaction their watches, those watches' alerts with their
        attempts and events, and every conversation reference naming them: a 1:1's goes,
        a group's loses its `user` (whoever spoke last)."""


class TurnLocks(Protocol):
    """One turn at a time per conversation, inbound and proactive alike."""

    def hold(self, conversation_key: str, wait_seconds: float) -> AsyncContextManager[bool]:
        """The conversation's turn lock for the block: yields True once held, or False
        when it stayed busy for `wait_seconds` (then nothing is held)."""


@dataclass(frozen=True)
class JobLease:
    """Who runs a job of the fleet's: what a job's writes carry, so the store can check,
    in their own transaction, that the lease is still the holder's (`LeaseLost` if not).
    On PostgreSQL that check is `state/postgres/turn_locks.py` `assert_lease`; a store
    only one process uses needs none (its holder always holds its leases)."""

    job: str
    holder: str


class JobLeases(Protocol):
    """Jobs one instance of a fleet runs at a time (the poll)."""

    async def take(self, job: str, holder: str, seconds: float) -> bool:
        """Hold `job` for `seconds` from now if it is free, has run out, or is already
        `holder`'s; False while another holder's lease runs."""

    async def renew(self, job: str, holder: str, seconds: float) -> bool:
        """Hold `job` for `seconds` from now if `holder` still holds it, run out or not (no
        other holder has had it since); False once another holder has taken it."""


class Store(Protocol):
    """One database: its aggregates, and the connection's life."""

    @property
    def references(self) -> ReferenceStore: ...

    @property
    def watches(self) -> WatchStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def bot_state(self) -> BotStateStore: ...

    @property
    def history(self) -> PriceHistoryStore: ...

    @property
    def events(self) -> WatchEventStore: ...

    @property
    def charts(self) -> ChartStore: ...

    @property
    def pages(self) -> ShopPageStore: ...

    @property
    def personal(self) -> PersonalDataStore: ...

    @property
    def locks(self) -> TurnLocks: ...

    @property
    def jobs(self) -> JobLeases: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def checkpoint(self) -> None:
        """Make recent writes part of the main database, off the event loop."""

    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query."""
