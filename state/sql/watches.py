"""Watches, their rule state, product health and the poller's memory, on any backend.

The one write path of a watch's state: `change` (a user's, under the rows' locks) and
`record_poll` (the poll's, compare-and-set on each watch's version; a plain move's
followers in bulk by the rules' SQL twins, `state/rule_sql.py`). On PostgreSQL a poll's
write and a user's exclude each other by one lock taken before any row (`POLL_WRITES`,
`USER_WRITES`), and a user's change locks its rows in id order, so no two writers ever
wait on each other in a cycle; SQLite has one writer at a time (`BEGIN IMMEDIATE`).
Those, and how a new watch gets its id, are what differs by backend.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Sequence

from domain.alerts import AlertStatus
from domain.polls import PollChanges, PollMemory, PriceMove, Recheck, Recorded
from domain.products import ProductHealth
from domain.watch_changes import Change, WatchChange, created
from domain.watches import NewWatch, Watch
from state.columns import price_text, price_text_or_none
from state.interfaces import JobLease, LeaseLost
from state.rows import (
    ALERT_COLUMNS,
    MUTABLE_WATCH_COLUMNS,
    WATCH_COLUMNS,
    alert_values,
    mutable_values,
    watch_from,
    watch_values,
)
from state.rule_sql import (
    ALERT_BASELINE_SQL,
    CROSSING_KEY_SQL,
    CROSSING_KIND_SQL,
    armed_after_sql,
    asleep_sql,
    crossed_from_after_sql,
    crossings_after_sql,
    event_kind_sql,
    fires_sql,
    follows_move_sql,
)
from state.sql.db import Columns, Db
from state.sql.history import record_prices
from state.sql.query import Query
from state.sql.watch_events import insert_events

OPEN_STATUSES: Final = [AlertStatus.PENDING.value, AlertStatus.HELD.value]
WATCH_WRITERS_LOCK: Final = 0x5057_0002
"""The advisory lock of PostgreSQL's watch writers (0x5057 is "PW")."""
POLL_WRITES: Final = Query(f"SELECT pg_advisory_xact_lock({WATCH_WRITERS_LOCK})")
"""A poll's write waits for the users' writes in flight, and holds new ones off until it
commits: the poll never waits for a row a user holds, nor a user for one the poll holds
while the user holds another. Locking a 1% drop's followers one by one instead took
8 ms of a 100,000-watch poll."""
USER_WRITES: Final = Query(f"SELECT pg_advisory_xact_lock_shared({WATCH_WRITERS_LOCK})")
"""Users' writes of existing watches run side by side, each locking its rows in id order."""


def _rows(columns: dict[str, str], *first: str) -> str:
    """A `ROWS(...)` column list: `first`, then the columns with their types."""
    return ", ".join([*first, *(f"{column} {kind}" for column, kind in columns.items())])


INSERT_WATCHES: Final = Query(
    f"INSERT INTO watches (id, {', '.join(WATCH_COLUMNS)}) "
    f"SELECT w.id, {', '.join(f'w.{column}' for column in WATCH_COLUMNS)} "
    f"FROM ROWS({_rows(WATCH_COLUMNS, 'id bigint')}) AS w"
)
COUNTED_IDS: Final = Query(
    "UPDATE counters SET value = value + :count WHERE name = 'watches' RETURNING value"
)
"""SQLite's watch ids: a counter, so an id is never reused, even the last one removed."""
SEQUENCE_IDS: Final = Query("SELECT nextval('watch_ids') AS id FROM generate_series(1, :count)")
OF_CONVERSATION: Final = Query("SELECT * FROM watches WHERE conversation_key = :key ORDER BY id")
BY_IDS: Final = Query("SELECT * FROM watches WHERE id IN :ids")
COUNT_OF_USER: Final = Query("SELECT COUNT(*) FROM watches WHERE user_id = :user_id")
OWNED_BY_SQL: Final = "(CAST(:owner AS text) IS NULL OR user_id = :owner OR user_id = '')"
"""`domain.owners.belongs_to` in SQL: no owner scope (a 1:1), the owner's, or no one's."""
REMOVE: Final = Query(
    f"DELETE FROM watches WHERE id = :id AND conversation_key = :key AND {OWNED_BY_SQL} "
    "RETURNING id"
)
REMOVE_OPEN_ALERTS: Final = Query(
    # By conversation too: alerts_by_conversation finds them.
    "DELETE FROM alerts WHERE conversation_key = :key AND watch_id = :id AND status IN :statuses"
)
SCOPE_LOCKED: Final = Query(
    "SELECT * FROM watches WHERE conversation_key = :key "
    f"AND (CAST(:watch_id AS bigint) IS NULL OR id = :watch_id) AND {OWNED_BY_SQL} "
    "ORDER BY id FOR UPDATE"
)
SNOOZED_DUE: Final = Query(
    "SELECT * FROM watches WHERE snoozed_until IS NOT NULL AND snoozed_until <= :now ORDER BY id"
)
REMOVE_EXPIRED: Final = Query(
    "DELETE FROM watches WHERE expires_at IS NOT NULL AND expires_at <= :now"
)
REMOVE_LEFT: Final = Query(
    "DELETE FROM watches WHERE left_at IS NOT NULL AND left_at <= :before RETURNING id"
)
REMOVE_ALERTS_OF: Final = Query(
    # Their finished alerts go with the retention job, by age, as other watches' do.
    f"DELETE FROM alerts WHERE watch_id IN :ids AND status IN ('{AlertStatus.PENDING.value}', "
    f"'{AlertStatus.HELD.value}')"
)
WATCHED_PRODUCTS: Final = Query("SELECT DISTINCT product_id FROM watches ORDER BY product_id")
OF_PRODUCTS: Final = Query("SELECT * FROM watches WHERE product_id IN :ids")
NOT_FOLLOWING: Final = Query(
    "SELECT watches.* FROM ROWS(product_id text, previous text) AS m "
    "JOIN watches ON watches.product_id = m.product_id "
    f"WHERE NOT {follows_move_sql('m.previous')}"
)
PRODUCT_HEALTH: Final = Query("SELECT * FROM products WHERE id IN :ids")
RECHECK: Final = Query(
    # The newest watch id and the products to look at again, in one statement, so one
    # snapshot: a watch made meanwhile is in both or in neither (a row even when no
    # product is due: `product_id` NULL).
    "SELECT n.newest, r.product_id FROM (SELECT COALESCE(MAX(id), 0) AS newest FROM watches) "
    "AS n LEFT JOIN (SELECT product_id FROM watches WHERE id > :after UNION "
    "SELECT product_id FROM watches WHERE unconfirmed_price IS NOT NULL) AS r ON true"
)
EVALUATED: Final = Query(
    "SELECT id, evaluated_price FROM products WHERE evaluated_price IS NOT NULL"
)
EVALUATED_UP_TO: Final = Query("SELECT value FROM counters WHERE name = 'evaluated_up_to_watch'")
REMEMBER_UP_TO: Final = Query(
    "UPDATE counters SET value = :id WHERE name = 'evaluated_up_to_watch'"
)
REMEMBER_PRICES: Final = Query(
    "INSERT INTO products (id, evaluated_price) SELECT p.id, p.price "
    "FROM ROWS(id text, price text) AS p WHERE true "
    "ON CONFLICT (id) DO UPDATE SET evaluated_price = excluded.evaluated_price"
)
SET_HEALTH: Final = Query(
    "INSERT INTO products (id, null_streak, unavailable, outages) "
    "SELECT h.id, h.null_streak, h.unavailable, h.outages "
    "FROM ROWS(id text, null_streak int, unavailable int, outages int) AS h WHERE true "
    "ON CONFLICT (id) DO UPDATE SET null_streak = excluded.null_streak, "
    "unavailable = excluded.unavailable, outages = excluded.outages"
)
VERSIONS: Final = Query("SELECT id, version FROM watches WHERE id IN :ids")
LEASE_HELD: Final = Query(
    # FOR SHARE: another instance's takeover (an UPDATE of this row) waits for our commit.
    "SELECT 1 FROM job_leases WHERE name = :job AND holder = :holder AND until > now() FOR SHARE"
)
MOVE_ROWS: Final = (
    "ROWS(product_id text, previous text, new_price text, cents_up bigint, seen_at moment) AS m"
)
"""A move as its alerts and events read it (`new_price` as alerts made one by one say it)."""
MOVE_STATE_ROWS: Final = "ROWS(product_id text, previous text, price text, cents_up bigint) AS m"
"""A move as its new states read it (`price` canonical, as last prices are matched)."""
FOLLOWS: Final = "watches.product_id = m.product_id AND " + follows_move_sql("m.previous")
MOVE_ALERTS: Final = Query(
    f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) SELECT {CROSSING_KEY_SQL}, "
    f"{CROSSING_KIND_SQL}, watches.conversation_key, watches.id, watches.product_id, "
    f"watches.product_name, watches.currency, {ALERT_BASELINE_SQL}, m.new_price, m.seen_at, "
    f"'{AlertStatus.PENDING.value}', m.seen_at, watches.expires_at, watches.trigger_price "
    f"FROM watches, {MOVE_ROWS} "
    f"WHERE {FOLLOWS} AND {fires_sql('m.cents_up')} AND NOT {asleep_sql('m.seen_at')} "
    "ORDER BY watches.id ON CONFLICT (watch_id, dedupe_key) DO NOTHING"
)
MOVE_EVENT_KIND: Final = event_kind_sql("m.cents_up", "m.seen_at")
MOVE_EVENTS: Final = Query(
    "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price) "
    f"SELECT watches.id, m.seen_at, {MOVE_EVENT_KIND}, m.new_price, watches.trigger_price "
    f"FROM watches, {MOVE_ROWS} WHERE {FOLLOWS} AND {MOVE_EVENT_KIND} IS NOT NULL "
    # Nothing conflicts (an event's only key is its new id): said so that SQLite runs
    # it as INSERT OR IGNORE, which needs no statement journal (state/sqlite/sql.py).
    "ORDER BY watches.id ON CONFLICT DO NOTHING"
)
MOVE_STATES: Final = Query(
    f"UPDATE watches SET last_price = m.price, armed = {armed_after_sql('m.cents_up')}, "
    f"crossings = {crossings_after_sql('m.cents_up')}, "
    f"crossed_from = {crossed_from_after_sql('m.cents_up')}, version = watches.version + 1 "
    f"FROM {MOVE_STATE_ROWS} WHERE {FOLLOWS} "
    # Only rows that change: a product rechecked at its old price rewrites none.
    "AND (watches.last_price IS DISTINCT FROM m.price "
    f"OR watches.armed != {armed_after_sql('m.cents_up')})"
)
WRITE_WATCHES: Final = Query(
    f"UPDATE watches SET ({', '.join(MUTABLE_WATCH_COLUMNS)}) = "
    f"({', '.join(f'w.{column}' for column in MUTABLE_WATCH_COLUMNS)}), "
    "version = watches.version + 1 "
    f"FROM ROWS({_rows(MUTABLE_WATCH_COLUMNS, 'id bigint')}) AS w "
    "WHERE watches.id = w.id"
)
INSERT_ALERTS: Final = Query(
    f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) "
    f"SELECT {', '.join(f'a.{column}' for column in ALERT_COLUMNS)} "
    f"FROM ROWS({_rows(ALERT_COLUMNS)}, n int) AS a "
    # A watch removed since the change was worked out gets no alert; ids (and so
    # delivery order) follow the changes' order.
    "WHERE EXISTS (SELECT 1 FROM watches WHERE watches.id = a.watch_id) ORDER BY a.n "
    "ON CONFLICT (watch_id, dedupe_key) DO NOTHING"
)
WAKE_HELD_ALERTS: Final = Query(
    # A woken watch's alerts held while it slept are due now.
    "UPDATE alerts SET next_attempt_at = w.at FROM ROWS(watch_id bigint, at moment) AS w "
    f"WHERE alerts.watch_id = w.watch_id AND alerts.status = '{AlertStatus.HELD.value}' "
    "AND alerts.next_attempt_at > w.at"
)


class Watches:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._dialect = db.dialect
        self._moment = db.dialect.moment
        self._at = db.dialect.at
        self._at_or_none = db.dialect.at_or_none
        self._locks_rows = db.dialect.name == "postgres"
        """Whether writers run at once and lock their rows (PostgreSQL), or take turns."""

    async def add(self, watch: NewWatch) -> Watch:
        async with self._db.transaction() as tx:
            [watch_id] = await self._insert(tx, [watch])
            await insert_events(tx, [created(watch_id, watch)])
        return Watch(watch_id, **{f: getattr(watch, f) for f in NewWatch.__dataclass_fields__})

    async def add_many(self, watches: Sequence[NewWatch]) -> int:
        """A bulk import: no story events."""
        async with self._db.transaction() as tx:
            await self._insert(tx, watches)
        if self._locks_rows:
            # A bulk import changes what the planner must know at once; without fresh
            # statistics it joins a poll's moves to the watches by scanning them all.
            await self._db.execute(Query("ANALYZE watches"))
        return len(watches)

    async def _insert(self, tx: Db, watches: Sequence[NewWatch]) -> list[int]:
        if self._locks_rows:
            ids = [row["id"] for row in await tx.fetch(SEQUENCE_IDS, count=len(watches))]
        else:
            last = await tx.fetchval(COUNTED_IDS, count=len(watches))
            ids = list(range(last - len(watches) + 1, last + 1))
        moment = self._moment
        await tx.execute_many(
            INSERT_WATCHES,
            [
                (
                    watch_id,
                    *watch_values(
                        watch,
                        moment(watch.created_at),
                        self._dialect.moment_or_none(watch.expires_at),
                    ),
                )
                for watch_id, watch in zip(ids, watches)
            ],
        )
        return ids

    async def of_conversation(self, conversation_key: str) -> list[Watch]:
        return [
            self._watch(row) for row in await self._db.fetch(OF_CONVERSATION, key=conversation_key)
        ]

    async def by_ids(self, watch_ids: Sequence[int]) -> dict[int, Watch]:
        rows = await self._db.fetch(BY_IDS, ids=list(watch_ids))
        return {row["id"]: self._watch(row) for row in rows}

    async def count_of_user(self, user_id: str) -> int:
        return int(await self._db.fetchval(COUNT_OF_USER, user_id=user_id))

    async def remove(self, conversation_key: str, watch_id: int, owner: str | None = None) -> bool:
        async with self._db.transaction() as tx:
            await self._user_writes(tx)
            removed = await tx.fetchval(REMOVE, id=watch_id, key=conversation_key, owner=owner)
            if removed is None:
                return False
            await tx.execute(
                REMOVE_OPEN_ALERTS, key=conversation_key, id=watch_id, statuses=OPEN_STATUSES
            )
            return True

    async def change(
        self,
        conversation_key: str,
        watch_id: int | None,
        change: WatchChange,
        owner: str | None = None,
    ) -> list[Change]:
        async with self._db.transaction() as tx:
            await self._user_writes(tx)
            rows = await tx.fetch(
                SCOPE_LOCKED, key=conversation_key, watch_id=watch_id, owner=owner
            )
            changes = [_by_its_user(change(self._watch(row))) for row in rows]
            await self._write(tx, changes)
        return [replace(c, after=_written(c)) for c in changes]

    async def snoozed_due(self, now: datetime) -> list[Watch]:
        return [
            self._watch(row) for row in await self._db.fetch(SNOOZED_DUE, now=self._moment(now))
        ]

    async def remove_expired(self, now: datetime) -> int:
        async with self._db.transaction() as tx:
            await self._user_writes(tx)
            return await tx.execute(REMOVE_EXPIRED, now=self._moment(now))

    async def remove_left(self, before: datetime) -> int:
        async with self._db.transaction() as tx:
            await self._user_writes(tx)
            removed = [
                row["id"] for row in await tx.fetch(REMOVE_LEFT, before=self._moment(before))
            ]
            if removed:
                await tx.execute(REMOVE_ALERTS_OF, ids=removed)
            return len(removed)

    async def _user_writes(self, tx: Db) -> None:
        if self._locks_rows:
            await tx.execute(USER_WRITES)

    async def watched_product_ids(self) -> list[str]:
        return [row["product_id"] for row in await self._db.fetch(WATCHED_PRODUCTS)]

    async def for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        moved = {move.product_id for move in moves}
        unmoved = [product_id for product_id in product_ids if product_id not in moved]
        rows = list(await self._db.fetch(OF_PRODUCTS, ids=unmoved)) if unmoved else []
        if moves:
            rows += await self._db.fetch(
                NOT_FOLLOWING, [(move.product_id, price_text(move.previous)) for move in moves]
            )
        return sorted((self._watch(row) for row in rows), key=lambda watch: watch.id)

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]:
        rows = await self._db.fetch(PRODUCT_HEALTH, ids=list(product_ids))
        return {
            row["id"]: ProductHealth(
                row["id"], row["null_streak"], bool(row["unavailable"]), row["outages"]
            )
            for row in rows
        }

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        rows = await self._db.fetch(RECHECK, after=after_watch_id)
        due = frozenset(row["product_id"] for row in rows if row["product_id"] is not None)
        return Recheck(due, int(rows[0]["newest"]))

    async def poll_memory(self) -> PollMemory:
        rows = await self._db.fetch(EVALUATED)
        up_to = await self._db.fetchval(EVALUATED_UP_TO)
        return PollMemory({row["id"]: Decimal(row["evaluated_price"]) for row in rows}, int(up_to))

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None:
        await self._db.execute(REMEMBER_UP_TO, id=watch_id)

    async def record_poll(self, changes: PollChanges, lease: JobLease | None = None) -> Recorded:
        """With a `lease`, on a store several instances share, the lease is checked last
        (`LEASE_HELD`); one process holds every lease of a store only it uses."""
        async with self._db.transaction(durable=False) as tx:
            # Durable or not: a poll lost in a crash is made again by the next one (its
            # results and its memory go together), and any later commit that depends on
            # it (a claim, a "sent") waits for it.
            if self._locks_rows:
                await tx.execute(POLL_WRITES)
            conflicts = await self._conflicts(tx, changes)
            if changes.prices and changes.seen_at is not None:
                await record_prices(tx, changes.prices, changes.seen_at)
            created = await self._apply_moves(tx, changes.moves)
            if changes.prices:
                await tx.execute_many(
                    REMEMBER_PRICES,
                    Columns(
                        list(changes.prices),
                        [price_text_or_none(price) for price in changes.prices.values()],
                    ),
                )
            if changes.health:
                await tx.execute_many(
                    SET_HEALTH,
                    [
                        (h.product_id, h.null_streak, int(h.unavailable), h.outages)
                        for h in changes.health
                    ],
                )
            fresh = [c for c in changes.changes if c.before.id not in conflicts]
            created += await self._write(tx, fresh)
            if lease is not None and self._locks_rows:
                if await tx.fetchval(LEASE_HELD, job=lease.job, holder=lease.holder) is None:
                    raise LeaseLost(
                        f"the {lease.job!r} lease is no longer held by {lease.holder!r}"
                    )
        return Recorded(created, sorted(conflicts))

    async def _conflicts(self, tx: Db, changes: PollChanges) -> set[int]:
        """Watches whose change was worked out from a version since replaced (read with
        the poll's writes alone, so no user changes one before the commit)."""
        planned = {change.before.id: change.before.version for change in changes.changes}
        if not planned:
            return set()
        rows = await tx.fetch(VERSIONS, ids=list(planned))
        return {row["id"] for row in rows if planned[row["id"]] != row["version"]}

    async def _apply_moves(self, tx: Db, moves: Sequence[PriceMove]) -> int:
        """Every watch following a move, by the rules' SQL twins (`state/rule_sql.py`):
        the alerts and events of those that fire or re-arm (read before the update), then
        the new state. Returns how many alerts are new."""
        if not moves:
            return 0
        news = [
            (
                move.product_id,
                price_text(move.previous),
                str(move.price),
                move.price_cents_up,
                self._moment(move.seen_at),
            )
            for move in moves
        ]
        created = await tx.execute_many(MOVE_ALERTS, news)
        await tx.execute_many(MOVE_EVENTS, news)
        await tx.execute_many(
            MOVE_STATES,
            [
                (
                    move.product_id,
                    price_text(move.previous),
                    price_text(move.price),
                    move.price_cents_up,
                )
                for move in moves
            ],
        )
        return created

    async def _write(self, tx: Db, changes: Sequence[Change]) -> int:
        """Write the changes (their watches at the version read, which the caller made
        sure of) with their alerts and events; return how many alerts are new."""
        changes = [change for change in changes if change.writes]
        if not changes:
            return 0
        moment = self._dialect.moment_or_none
        await tx.execute_many(
            WRITE_WATCHES,
            [
                (
                    c.after.id,
                    *mutable_values(
                        c.after,
                        moment(c.after.snoozed_until),
                        moment(c.after.expires_at),
                        moment(c.after.left_at),
                    ),
                )
                for c in changes
            ],
        )
        alerts = [alert for c in changes for alert in c.alerts]
        created = 0
        if alerts:
            created = await tx.execute_many(
                INSERT_ALERTS,
                [
                    (*alert_values(a, self._moment(a.seen_at), moment(a.protected_until)), n)
                    for n, a in enumerate(alerts)
                ],
            )
        await insert_events(tx, [event for c in changes for event in c.events])
        woken = [(c.after.id, self._moment(c.woke_at)) for c in changes if c.woke_at is not None]
        if woken:
            await tx.execute_many(WAKE_HELD_ALERTS, woken)
        return created

    def _watch(self, row: Any) -> Watch:
        return watch_from(
            row,
            self._at(row["created_at"]),
            self._at_or_none(row["snoozed_until"]),
            self._at_or_none(row["expires_at"]),
            self._at_or_none(row["left_at"]),
        )


def _by_its_user(change: Change) -> Change:
    """A user's change that writes makes the watch's cards made before out of date."""
    if not change.writes:
        return change
    return replace(change, after=replace(change.after, user_version=change.before.user_version + 1))


def _written(change: Change) -> Watch:
    """The watch as stored after the change."""
    if not change.writes:
        return change.after
    return replace(change.after, version=change.before.version + 1)
