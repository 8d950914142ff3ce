"""Watches, their rule state, product health and the poller's memory, on PostgreSQL.

A poll's writes go in one transaction, as arrays (`unnest`) rather than a statement per
row: a round trip to the server costs more than the work of a row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from domain.alerts import AlertStatus
from domain.polls import PollChanges, PollMemory, PriceMove, Recheck, Recorded
from domain.products import ProductHealth
from domain.watch_changes import Change, WatchChange, created
from domain.watches import NewWatch, Watch
from state.columns import price_text, price_text_or_none
from state.interfaces import JobLease
from state.postgres.database import PostgresDatabase
from state.postgres.history import record_prices
from state.postgres.turn_locks import assert_lease
from state.postgres.watch_events import insert_events
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

OPEN_STATUSES = [AlertStatus.PENDING.value, AlertStatus.HELD.value]
MOVES = (
    "moves AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
    "$5::bigint[], $6::timestamptz[]) AS m (product_id, previous, price, new_price, cents_up, "
    "seen_at))"
)
FOLLOWS = "watches.product_id = moves.product_id AND " + follows_move_sql("moves.previous")
WATCH_TYPES = (
    "text", "text", "text", "text", "bigint", "int", "text", "text", "int", "text",
    "int", "int", "timestamptz", "int", "timestamptz",
)  # fmt: skip
"""The SQL types of MUTABLE_WATCH_COLUMNS, for their arrays."""
ALERT_TYPES = (
    "text", "text", "text", "bigint", "text", "text", "text", "text", "text",
    "timestamptz", "text", "timestamptz", "timestamptz",
)  # fmt: skip
"""The SQL types of ALERT_COLUMNS, for their arrays."""
WRITE_WATCHES = (
    f"UPDATE watches SET ({', '.join(MUTABLE_WATCH_COLUMNS)}) = "
    f"({', '.join(f'w.{column}' for column in MUTABLE_WATCH_COLUMNS)}), "
    "version = watches.version + 1 FROM unnest($1::bigint[], "
    + ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(WATCH_TYPES, start=2))
    + f") AS w (id, {', '.join(MUTABLE_WATCH_COLUMNS)}) WHERE watches.id = w.id"
)
INSERT_ALERTS = (
    f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) "
    f"SELECT {', '.join(f'a.{column}' for column in ALERT_COLUMNS)} FROM unnest("
    + ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(ALERT_TYPES, start=1))
    + f") WITH ORDINALITY AS a ({', '.join(ALERT_COLUMNS)}, n) "
    # A watch removed since the change was worked out gets no alert; ids (and so
    # delivery order) follow the changes' order.
    "WHERE EXISTS (SELECT 1 FROM watches WHERE watches.id = a.watch_id) ORDER BY a.n "
    "ON CONFLICT (dedupe_key) DO NOTHING"
)
WAKE_HELD_ALERTS = (
    "UPDATE alerts SET next_attempt_at = w.at FROM unnest($1::bigint[], $2::timestamptz[]) "
    "AS w (watch_id, at) WHERE alerts.watch_id = w.watch_id AND alerts.status = $3 "
    "AND alerts.next_attempt_at > w.at"
)
"""A woken watch's alerts held while it slept are due now."""
SCOPE = "conversation_key = $1 AND ($2::bigint IS NULL OR id = $2::bigint)"
"""$1 the conversation, $2 one watch id or NULL for all its watches."""


class PostgresWatches:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def add(self, watch: NewWatch) -> Watch:
        async with self._db.transaction() as db:
            watch_id = await db.fetchval(
                f"INSERT INTO watches ({', '.join(WATCH_COLUMNS)}) VALUES "
                f"({', '.join(f'${n}' for n in range(1, len(WATCH_COLUMNS) + 1))}) RETURNING id",
                *watch_values(watch, watch.created_at, watch.expires_at),
            )
            await insert_events(db, [created(watch_id, watch)])
        return Watch(watch_id, **{f: getattr(watch, f) for f in NewWatch.__dataclass_fields__})

    async def add_many(self, watches: Sequence[NewWatch]) -> int:
        async with self._db.transaction() as db:
            await db.copy_records_to_table(
                "watches",
                records=[
                    watch_values(watch, watch.created_at, watch.expires_at) for watch in watches
                ],
                columns=list(WATCH_COLUMNS),
            )
        # A bulk import changes what the planner must know at once; without fresh
        # statistics it joins a poll's moves to the watches by scanning them all.
        await self._db.pool.execute("ANALYZE watches")
        return len(watches)

    async def of_conversation(self, conversation_key: str) -> list[Watch]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM watches WHERE conversation_key = $1 ORDER BY id", conversation_key
        )
        return [_watch(row) for row in rows]

    async def count_of_user(self, user_id: str) -> int:
        return int(
            await self._db.pool.fetchval("SELECT COUNT(*) FROM watches WHERE user_id = $1", user_id)
        )

    async def remove(self, conversation_key: str, watch_id: int) -> bool:
        async with self._db.transaction() as db:
            removed = await db.fetchval(
                "DELETE FROM watches WHERE id = $1 AND conversation_key = $2 RETURNING id",
                watch_id,
                conversation_key,
            )
            if removed is None:
                return False
            await db.execute(  # by conversation: alerts_by_conversation finds them
                "DELETE FROM alerts WHERE conversation_key = $1 AND watch_id = $2 "
                "AND status = ANY($3::text[])",
                conversation_key,
                watch_id,
                OPEN_STATUSES,
            )
            return True

    async def change(
        self, conversation_key: str, watch_id: int | None, change: WatchChange
    ) -> list[Watch]:
        async with self._db.transaction() as db:
            # Locked in id order, as every writer of watches locks them: no deadlock.
            rows = await db.fetch(
                f"SELECT * FROM watches WHERE {SCOPE} ORDER BY id FOR UPDATE",
                conversation_key,
                watch_id,
            )
            changes = [change(_watch(row)) for row in rows]
            await _write(db, changes)
        return [_written(c) for c in changes]

    async def by_ids(self, watch_ids: Sequence[int]) -> dict[int, Watch]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM watches WHERE id = ANY($1::bigint[])", list(watch_ids)
        )
        return {row["id"]: _watch(row) for row in rows}

    async def snoozed_due(self, now: datetime) -> list[Watch]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM watches WHERE snoozed_until IS NOT NULL AND snoozed_until <= $1 "
            "ORDER BY id",
            now,
        )
        return [_watch(row) for row in rows]

    async def remove_expired(self, now: datetime) -> int:
        status = await self._db.pool.execute(
            "DELETE FROM watches WHERE expires_at IS NOT NULL AND expires_at <= $1", now
        )
        return _row_count(status)

    async def watched_product_ids(self) -> list[str]:
        rows = await self._db.pool.fetch(
            "SELECT DISTINCT product_id FROM watches ORDER BY product_id"
        )
        return [row["product_id"] for row in rows]

    async def for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        moved = {move.product_id for move in moves}
        rows = list(
            await self._db.pool.fetch(
                "SELECT * FROM watches WHERE product_id = ANY($1::text[])",
                [product_id for product_id in product_ids if product_id not in moved],
            )
        )
        if moves:
            rows += await self._db.pool.fetch(
                f"WITH {MOVES} SELECT watches.* FROM moves JOIN watches "
                "ON watches.product_id = moves.product_id "
                f"WHERE NOT {follows_move_sql('moves.previous')}",
                *_move_arrays(moves),
            )
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM products WHERE id = ANY($1::text[])", list(product_ids)
        )
        return {
            row["id"]: ProductHealth(
                row["id"], row["null_streak"], bool(row["unavailable"]), row["outages"]
            )
            for row in rows
        }

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        rows = await self._db.pool.fetch(
            "SELECT product_id FROM watches WHERE id > $1 UNION "
            "SELECT product_id FROM watches WHERE unconfirmed_price IS NOT NULL",
            after_watch_id,
        )
        newest = await self._db.pool.fetchval("SELECT COALESCE(MAX(id), 0) FROM watches")
        return Recheck(frozenset(row[0] for row in rows), int(newest))

    async def poll_memory(self) -> PollMemory:
        rows = await self._db.pool.fetch(
            "SELECT id, evaluated_price FROM products WHERE evaluated_price IS NOT NULL"
        )
        up_to = await self._db.pool.fetchval(
            "SELECT value FROM counters WHERE name = 'evaluated_up_to_watch'"
        )
        prices = {row["id"]: Decimal(row["evaluated_price"]) for row in rows}
        return PollMemory(prices, int(up_to))

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None:
        await self._db.pool.execute(
            "UPDATE counters SET value = $1 WHERE name = 'evaluated_up_to_watch'", watch_id
        )

    async def record_poll(self, changes: PollChanges, lease: JobLease | None = None) -> Recorded:
        async with self._db.transaction() as db:
            # No wait for the log's flush: a poll lost in a crash is made again by the next
            # one (its results and its memory go together), and any later commit that
            # depends on it (a claim, a "sent") flushes it first.
            await db.execute("SET LOCAL synchronous_commit = off")
            conflicts = await _lock(db, changes)
            if changes.prices and changes.seen_at is not None:
                await record_prices(db, changes.prices, changes.seen_at)
            created = await _apply_moves(db, changes.moves)
            if changes.prices:
                await db.execute(
                    "INSERT INTO products (id, evaluated_price) "
                    "SELECT * FROM unnest($1::text[], $2::text[]) "
                    "ON CONFLICT (id) DO UPDATE SET evaluated_price = excluded.evaluated_price",
                    list(changes.prices),
                    [price_text_or_none(price) for price in changes.prices.values()],
                )
            if changes.health:
                await db.execute(
                    "INSERT INTO products (id, null_streak, unavailable, outages) "
                    "SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) "
                    "ON CONFLICT (id) DO UPDATE SET null_streak = excluded.null_streak, "
                    "unavailable = excluded.unavailable, outages = excluded.outages",
                    [h.product_id for h in changes.health],
                    [h.null_streak for h in changes.health],
                    [int(h.unavailable) for h in changes.health],
                    [h.outages for h in changes.health],
                )
            created += await _write(
                db, [c for c in changes.changes if c.before.id not in conflicts]
            )
            if lease is not None:  # last: another instance's takeover waits for the commit
                await assert_lease(db, lease)
        return Recorded(created, sorted(conflicts))


async def _lock(db: Any, changes: PollChanges) -> set[int]:
    """Lock every watch the poll writes (those it worked out, and every follower of its
    moves) in id order, as every writer of watches does, so no two writers deadlock;
    return the conflicts: watches whose change was worked out from a version since
    replaced."""
    planned = {change.before.id: change.before.version for change in changes.changes}
    if not planned and not changes.moves:
        return set()
    rows = await db.fetch(
        f"WITH {MOVES}, locked AS (SELECT id, version FROM watches WHERE id IN "
        "(SELECT unnest($7::bigint[]) UNION SELECT watches.id FROM moves JOIN watches "
        f"ON watches.product_id = moves.product_id WHERE {FOLLOWS}) "
        "ORDER BY id FOR UPDATE) "
        "SELECT id, version FROM locked WHERE id = ANY($7::bigint[])",
        *_move_arrays(changes.moves),
        list(planned),
    )
    return {row["id"] for row in rows if planned[row["id"]] != row["version"]}


async def _apply_moves(db: Any, moves: Sequence[PriceMove]) -> int:
    """Every watch following a move, all moves in one statement each, by the rules' SQL
    twins (`state/rule_sql.py`): the alerts and events of those that fire or re-arm
    (read before the update), then the new state. Returns how many alerts are new."""
    if not moves:
        return 0
    arrays = _move_arrays(moves)
    status = await db.execute(
        f"WITH {MOVES} INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) "
        f"SELECT {CROSSING_KEY_SQL}, {CROSSING_KIND_SQL}, watches.conversation_key, "
        "watches.id, watches.product_id, watches.product_name, watches.currency, "
        f"{ALERT_BASELINE_SQL}, moves.new_price, moves.seen_at, $7, moves.seen_at, "
        f"watches.expires_at FROM moves JOIN watches ON watches.product_id = moves.product_id "
        f"WHERE {FOLLOWS} AND {fires_sql('moves.cents_up')} "
        f"AND NOT {asleep_sql('moves.seen_at')} "
        "ORDER BY watches.id ON CONFLICT (dedupe_key) DO NOTHING",
        *arrays,
        AlertStatus.PENDING.value,
    )
    kind = event_kind_sql("moves.cents_up", "moves.seen_at")
    await db.execute(
        f"WITH {MOVES} INSERT INTO watch_events (watch_id, at, kind, price, trigger_price) "
        f"SELECT watches.id, moves.seen_at, {kind}, moves.new_price, watches.trigger_price "
        f"FROM moves JOIN watches ON watches.product_id = moves.product_id "
        f"WHERE {FOLLOWS} AND {kind} IS NOT NULL ORDER BY watches.id",
        *arrays,
    )
    armed = armed_after_sql("moves.cents_up")
    await db.execute(
        f"WITH {MOVES} UPDATE watches SET last_price = moves.price, armed = {armed}, "
        f"crossings = {crossings_after_sql('moves.cents_up')}, "
        f"crossed_from = {crossed_from_after_sql('moves.cents_up')}, "
        f"version = watches.version + 1 FROM moves WHERE {FOLLOWS} "
        # Only rows that change: a product rechecked at its old price rewrites none.
        f"AND (watches.last_price IS DISTINCT FROM moves.price OR watches.armed != {armed})",
        *arrays,
    )
    return _row_count(status)


async def _write(db: Any, changes: Sequence[Change]) -> int:
    """Write the changes (their watches locked at the version read, which the caller
    made sure of) with their alerts and events; return how many alerts are new."""
    changes = [change for change in changes if change.writes]
    if not changes:
        return 0
    rows = [mutable_values(c.after, c.after.snoozed_until, c.after.expires_at) for c in changes]
    await db.execute(WRITE_WATCHES, [c.after.id for c in changes], *map(list, zip(*rows)))
    created = 0
    alerts = [alert for c in changes for alert in c.alerts]
    if alerts:
        values = [alert_values(a, a.seen_at, a.protected_until) for a in alerts]
        created = _row_count(await db.execute(INSERT_ALERTS, *map(list, zip(*values))))
    await insert_events(db, [event for c in changes for event in c.events])
    woken = [c for c in changes if c.woke_at is not None]
    if woken:
        await db.execute(
            WAKE_HELD_ALERTS,
            [c.after.id for c in woken],
            [c.woke_at for c in woken],
            AlertStatus.HELD.value,
        )
    return created


def _move_arrays(moves: Sequence[PriceMove]) -> list[list[Any]]:
    return [
        [move.product_id for move in moves],
        [price_text(move.previous) for move in moves],
        [price_text(move.price) for move in moves],
        [str(move.price) for move in moves],  # as alerts and events made one by one store it
        [move.price_cents_up for move in moves],
        [move.seen_at for move in moves],
    ]


def _written(change: Change) -> Watch:
    """The watch as stored after the change."""
    if not change.writes:
        return change.after
    return replace(change.after, version=change.before.version + 1)


def _row_count(status: str) -> int:
    """Rows a statement touched, from its status ("INSERT 0 12")."""
    return int(status.rsplit(" ", 1)[-1])


def _watch(row: Any) -> Watch:
    return watch_from(row, row["created_at"], row["snoozed_until"], row["expires_at"])
