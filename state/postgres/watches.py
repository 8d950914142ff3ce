"""Watches, their rule state, product health and the poller's memory, on PostgreSQL.

A poll's writes go in one transaction, as arrays (`unnest`) rather than a statement per
row: a round trip to the server costs more than the work of a row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence

from domain.alerts import CROSSING_KIND_SQL, AlertStatus
from domain.polls import PollChanges, PollMemory, PriceMove, Recheck
from domain.products import ProductHealth
from domain.rules import (
    ALERT_BASELINE_SQL,
    CROSSING_KEY_SQL,
    WAKE_BASELINE_SQL,
    Rule,
    armed_after_sql,
    comparable_cents,
    crossed_from_after_sql,
    crossings_after_sql,
    fires_sql,
    follows_move_sql,
)
from domain.sleep import SLEEPING_SQL, WAKE_KEY_SQL, asleep_sql, owes_wake_alert_sql
from domain.watches import NewWatch, Watch
from state.columns import price_text, price_text_or_none, text
from state.postgres.database import PostgresDatabase
from state.postgres.history import record_prices
from state.rows import WATCH_COLUMNS, state_values, watch_from, watch_values

OPEN_STATUSES = [AlertStatus.PENDING.value, AlertStatus.HELD.value]
MOVES = (
    "moves AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
    "$5::bigint[], $6::timestamptz[]) AS m (product_id, previous, price, new_price, cents_up, "
    "seen_at))"
)
FOLLOWS = "watches.product_id = moves.product_id AND " + follows_move_sql("moves.previous")


def wake_alerts(condition: str, now: str) -> str:
    """The alerts the watches picked by the condition owe on waking (`domain.sleep`)."""
    return (
        "INSERT INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
        "product_id, product_name, currency, old_price, new_price, seen_at, status, "
        f"next_attempt_at, protected_until) SELECT {WAKE_KEY_SQL}, {CROSSING_KIND_SQL}, "
        f"conversation_key, id, product_id, product_name, currency, {WAKE_BASELINE_SQL}, "
        f"last_price, {now}, 'pending', {now}, expires_at FROM watches WHERE {condition} "
        f"AND {owes_wake_alert_sql(now)} "
        "ORDER BY watches.id ON CONFLICT (dedupe_key) DO NOTHING"
    )


SCOPE = "conversation_key = $1 AND ($2::bigint IS NULL OR id = $2::bigint)"
"""$1 the conversation, $2 one watch id or NULL for all its watches."""


class PostgresWatches:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def add(self, watch: NewWatch) -> Watch:
        watch_id = await self._db.pool.fetchval(
            f"INSERT INTO watches ({', '.join(WATCH_COLUMNS)}) VALUES "
            f"({', '.join(f'${n}' for n in range(1, len(WATCH_COLUMNS) + 1))}) RETURNING id",
            *watch_values(watch, watch.created_at, watch.expires_at),
        )
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

    async def pause(self, conversation_key: str, watch_id: int | None) -> list[Watch]:
        return await self._update(
            "paused_by_user = 1, sleep_crossings = CASE WHEN "
            f"{SLEEPING_SQL} THEN sleep_crossings ELSE crossings END",
            conversation_key,
            watch_id,
        )

    async def snooze(
        self, conversation_key: str, watch_id: int | None, until: datetime
    ) -> list[Watch]:
        return await self._update(
            "snoozed_until = $3, sleep_crossings = CASE WHEN "
            f"{SLEEPING_SQL} THEN sleep_crossings ELSE crossings END",
            conversation_key,
            watch_id,
            until,
        )

    async def resume(
        self, conversation_key: str, watch_id: int | None, now: datetime
    ) -> list[Watch]:
        async with self._db.transaction() as db:
            await db.execute(
                wake_alerts(f"{SCOPE} AND {SLEEPING_SQL}", "$3::timestamptz"),
                conversation_key,
                watch_id,
                now,
            )
            rows = await db.fetch(
                f"UPDATE watches SET paused_by_user = 0, snoozed_until = NULL WHERE {SCOPE} "
                "RETURNING *",
                conversation_key,
                watch_id,
            )
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def wake_snoozed(self, now: datetime) -> int:
        due = "snoozed_until IS NOT NULL AND snoozed_until <= $1::timestamptz"
        exists = f"SELECT EXISTS (SELECT 1 FROM watches WHERE {due})"
        if not await self._db.pool.fetchval(exists, now):
            return 0  # the common case: one look at an index
        async with self._db.transaction() as db:
            status = await db.execute(
                wake_alerts(f"{due} AND paused_by_user = 0", "$1::timestamptz"), now
            )
            await db.execute(f"UPDATE watches SET snoozed_until = NULL WHERE {due}", now)
        return _row_count(status)

    async def set_rule(
        self, conversation_key: str, watch_id: int, rule: Rule, armed: bool
    ) -> Watch | None:
        [watch] = await self._update(
            "kind = $3, start_price = $4, trigger_price = $5, trigger_cents = $6, armed = $7",
            conversation_key,
            watch_id,
            rule.kind.value,
            str(rule.start_price),
            str(rule.trigger_price),
            comparable_cents(rule.trigger_price),
            int(armed),
        ) or [None]
        return watch

    async def remove_expired(self, now: datetime) -> int:
        status = await self._db.pool.execute(
            "DELETE FROM watches WHERE expires_at IS NOT NULL AND expires_at <= $1", now
        )
        return _row_count(status)

    async def _update(
        self, assignments: str, conversation_key: str, watch_id: int | None, *values: Any
    ) -> list[Watch]:
        """Update the conversation's watch (or all its watches, watch_id None); the
        assignments' values are $3 on."""
        rows = await self._db.pool.fetch(
            f"UPDATE watches SET {assignments} WHERE {SCOPE} RETURNING *",
            conversation_key,
            watch_id,
            *values,
        )
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

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

    async def record_poll(self, changes: PollChanges) -> int:
        async with self._db.transaction() as db:
            # No wait for the log's flush: a poll lost in a crash is made again by the next
            # one (its results and its memory go together), and any later commit that
            # depends on it (a claim, a "sent") flushes it first.
            await db.execute("SET LOCAL synchronous_commit = off")
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
            if changes.states:
                columns = list(zip(*(state_values(state) for _, state in changes.states)))
                await db.execute(
                    "UPDATE watches SET armed = s.armed, last_price = s.last_price, "
                    "unconfirmed_price = s.unconfirmed_price, crossings = s.crossings, "
                    "crossed_from = s.crossed_from FROM unnest($1::bigint[], $2::int[], "
                    "$3::text[], $4::text[], $5::int[], $6::text[]) "
                    "AS s (id, armed, last_price, unconfirmed_price, crossings, crossed_from) "
                    "WHERE watches.id = s.id",
                    [watch_id for watch_id, _ in changes.states],
                    *map(list, columns),
                )
            if changes.pauses:
                await db.execute(
                    "UPDATE watches SET paused = p.paused FROM unnest($1::bigint[], $2::int[]) "
                    "AS p (id, paused) WHERE watches.id = p.id",
                    [watch_id for watch_id, _ in changes.pauses],
                    [int(paused) for _, paused in changes.pauses],
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
            if changes.alerts:
                alerts = changes.alerts
                status = await db.execute(
                    # A watch removed since the poll read it gets no alert.
                    "INSERT INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
                    "product_id, product_name, currency, old_price, new_price, seen_at, status, "
                    "next_attempt_at, protected_until) SELECT a.dedupe_key, a.kind, "
                    "a.conversation_key, a.watch_id, a.product_id, a.product_name, a.currency, "
                    "a.old_price, a.new_price, a.seen_at, $11, a.seen_at, a.protected_until "
                    "FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], "
                    "$6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], "
                    "$12::timestamptz[]) WITH ORDINALITY AS a (dedupe_key, kind, "
                    "conversation_key, watch_id, product_id, product_name, currency, "
                    "old_price, new_price, seen_at, protected_until, n) WHERE EXISTS "
                    "(SELECT 1 FROM watches "
                    # In the poll's order, so ids (and so delivery order) follow it.
                    "WHERE watches.id = a.watch_id) ORDER BY a.n "
                    "ON CONFLICT (dedupe_key) DO NOTHING",
                    [a.dedupe_key for a in alerts],
                    [a.kind.value for a in alerts],
                    [a.conversation_key for a in alerts],
                    [a.watch_id for a in alerts],
                    [a.product_id for a in alerts],
                    [a.product_name for a in alerts],
                    [a.currency for a in alerts],
                    [text(a.old_price) for a in alerts],
                    [text(a.new_price) for a in alerts],
                    [a.seen_at for a in alerts],
                    AlertStatus.PENDING.value,
                    [a.protected_until for a in alerts],
                )
                created += _row_count(status)
            return created


async def _apply_moves(db: Any, moves: Sequence[PriceMove]) -> int:
    """Every watch following a move, all moves in one statement each, by the rule's SQL
    twin (`domain.rules`): alerts for those that fire (read before the update), then the
    new state."""
    if not moves:
        return 0
    arrays = _move_arrays(moves)
    status = await db.execute(
        f"WITH {MOVES} INSERT INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
        "product_id, product_name, currency, old_price, new_price, seen_at, status, "
        f"next_attempt_at, protected_until) SELECT {CROSSING_KEY_SQL}, {CROSSING_KIND_SQL}, "
        "watches.conversation_key, watches.id, watches.product_id, watches.product_name, "
        f"watches.currency, {ALERT_BASELINE_SQL}, moves.new_price, moves.seen_at, $7, "
        "moves.seen_at, watches.expires_at "
        "FROM moves JOIN watches "
        f"ON watches.product_id = moves.product_id WHERE {FOLLOWS} "
        f"AND {fires_sql('moves.cents_up')} AND NOT {asleep_sql('moves.seen_at')} "
        "ORDER BY watches.id ON CONFLICT (dedupe_key) DO NOTHING",
        *arrays,
        AlertStatus.PENDING.value,
    )
    armed = armed_after_sql("moves.cents_up")
    await db.execute(
        f"WITH {MOVES} UPDATE watches SET last_price = moves.price, armed = {armed}, "
        f"crossings = {crossings_after_sql('moves.cents_up')}, "
        f"crossed_from = {crossed_from_after_sql('moves.cents_up')} FROM moves WHERE {FOLLOWS} "
        # Only rows that change: a product rechecked at its old price rewrites none.
        f"AND (watches.last_price IS DISTINCT FROM moves.price OR watches.armed != {armed})",
        *arrays,
    )
    return _row_count(status)


def _move_arrays(moves: Sequence[PriceMove]) -> list[list[Any]]:
    return [
        [move.product_id for move in moves],
        [price_text(move.previous) for move in moves],
        [price_text(move.price) for move in moves],
        [str(move.price) for move in moves],  # as alerts made one by one store it
        [move.price_cents_up for move in moves],
        [move.seen_at for move in moves],
    ]


def _row_count(status: str) -> int:
    """Rows a statement touched, from its status ("INSERT 0 12")."""
    return int(status.rsplit(" ", 1)[-1])


def _watch(row: Any) -> Watch:
    return watch_from(row, row["created_at"], row["snoozed_until"], row["expires_at"])
