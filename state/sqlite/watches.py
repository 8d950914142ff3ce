"""Watches, their rule state, product health and the poller's memory, on SQLite."""

from __future__ import annotations

import sqlite3
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
from state.rows import WATCH_COLUMNS, state_values, watch_from, watch_values
from state.sqlite.columns import at, at_or_none, placeholder_rows, placeholders, ts
from state.sqlite.database import SqliteDatabase
from state.sqlite.history import record_prices

INSERT_WATCH = (
    f"INSERT INTO watches (id, {', '.join(WATCH_COLUMNS)}) "
    f"VALUES ({placeholders(len(WATCH_COLUMNS) + 1)})"
)
OPEN_STATUSES = (AlertStatus.PENDING.value, AlertStatus.HELD.value)
FOLLOWS_MOVE = "watches.product_id = :product_id AND " + follows_move_sql(":previous")
WAKE_ALERTS = (
    "INSERT OR IGNORE INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
    "product_id, product_name, currency, old_price, new_price, seen_at, status, "
    f"next_attempt_at, protected_until) SELECT {WAKE_KEY_SQL}, {CROSSING_KIND_SQL}, "
    "conversation_key, id, product_id, product_name, currency, "
    f"{WAKE_BASELINE_SQL}, last_price, :now, 'pending', :now, expires_at "
    f"FROM watches WHERE {{}} AND {owes_wake_alert_sql(':now')}"
)
"""The alerts the watches picked by the condition owe on waking (`domain.sleep`)."""
SCOPE = "conversation_key = :key AND (:watch_id IS NULL OR id = :watch_id)"


class SqliteWatches:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def add(self, watch: NewWatch) -> Watch:
        [watch_id] = self._insert([watch])
        return Watch(watch_id, **{f: getattr(watch, f) for f in NewWatch.__dataclass_fields__})

    async def add_many(self, watches: Sequence[NewWatch]) -> int:
        return len(self._insert(watches))

    def _insert(self, watches: Sequence[NewWatch]) -> list[int]:
        with self._db.transaction() as db:
            [[last]] = db.execute(
                "UPDATE counters SET value = value + ? WHERE name = 'watches' RETURNING value",
                (len(watches),),
            )
            ids = list(range(last - len(watches) + 1, last + 1))
            db.executemany(
                INSERT_WATCH,
                [
                    (
                        watch_id,
                        *watch_values(watch, ts(watch.created_at), _ts_or_none(watch.expires_at)),
                    )
                    for watch_id, watch in zip(ids, watches)
                ],
            )
        return ids

    async def of_conversation(self, conversation_key: str) -> list[Watch]:
        rows = self._db.fetchall(
            "SELECT * FROM watches WHERE conversation_key = ? ORDER BY id", (conversation_key,)
        )
        return [_watch(row) for row in rows]

    async def count_of_user(self, user_id: str) -> int:
        rows = self._db.fetchall("SELECT COUNT(*) FROM watches WHERE user_id = ?", (user_id,))
        return int(rows[0][0])

    async def remove(self, conversation_key: str, watch_id: int) -> bool:
        with self._db.transaction() as db:
            cursor = db.execute(
                "DELETE FROM watches WHERE id = ? AND conversation_key = ?",
                (watch_id, conversation_key),
            )
            if cursor.rowcount == 0:
                return False
            db.execute(
                "DELETE FROM alerts WHERE watch_id = ? AND status IN (?, ?)",
                (watch_id, *OPEN_STATUSES),
            )
            return True

    async def pause(self, conversation_key: str, watch_id: int | None) -> list[Watch]:
        return self._update(
            "paused_by_user = 1, sleep_crossings = CASE WHEN "
            f"{SLEEPING_SQL} THEN sleep_crossings ELSE crossings END",
            {"key": conversation_key, "watch_id": watch_id},
        )

    async def snooze(
        self, conversation_key: str, watch_id: int | None, until: datetime
    ) -> list[Watch]:
        return self._update(
            "snoozed_until = :until, sleep_crossings = CASE WHEN "
            f"{SLEEPING_SQL} THEN sleep_crossings ELSE crossings END",
            {"key": conversation_key, "watch_id": watch_id, "until": ts(until)},
        )

    async def resume(
        self, conversation_key: str, watch_id: int | None, now: datetime
    ) -> list[Watch]:
        params = {"key": conversation_key, "watch_id": watch_id, "now": ts(now)}
        with self._db.transaction() as db:
            db.execute(WAKE_ALERTS.format(f"{SCOPE} AND {SLEEPING_SQL}"), params)
            rows = db.execute(
                f"UPDATE watches SET paused_by_user = 0, snoozed_until = NULL WHERE {SCOPE} "
                "RETURNING *",
                params,
            ).fetchall()
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def wake_snoozed(self, now: datetime) -> int:
        params = {"now": ts(now)}
        due = "snoozed_until IS NOT NULL AND snoozed_until <= :now"
        if not self._db.fetchall(f"SELECT 1 FROM watches WHERE {due} LIMIT 1", params):
            return 0  # the common case: one look at an index
        with self._db.transaction() as db:
            before = db.total_changes
            db.execute(WAKE_ALERTS.format(f"{due} AND paused_by_user = 0"), params)
            created = db.total_changes - before
            db.execute(f"UPDATE watches SET snoozed_until = NULL WHERE {due}", params)
        return created

    async def set_rule(
        self, conversation_key: str, watch_id: int, rule: Rule, armed: bool
    ) -> Watch | None:
        [watch] = self._update(
            "kind = :kind, start_price = :start, trigger_price = :trigger, "
            "trigger_cents = :cents, armed = :armed",
            {
                "key": conversation_key,
                "watch_id": watch_id,
                "kind": rule.kind.value,
                "start": str(rule.start_price),
                "trigger": str(rule.trigger_price),
                "cents": comparable_cents(rule.trigger_price),
                "armed": int(armed),
            },
        ) or [None]
        return watch

    async def remove_expired(self, now: datetime) -> int:
        with self._db.transaction() as db:
            return db.execute(
                "DELETE FROM watches WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (ts(now),),
            ).rowcount

    def _update(self, assignments: str, params: dict[str, Any]) -> list[Watch]:
        """Update the conversation's watch (or all its watches, watch_id None)."""
        with self._db.transaction() as db:
            rows = db.execute(
                f"UPDATE watches SET {assignments} WHERE {SCOPE} RETURNING *", params
            ).fetchall()
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def watched_product_ids(self) -> list[str]:
        rows = self._db.fetchall("SELECT DISTINCT product_id FROM watches ORDER BY product_id")
        return [row["product_id"] for row in rows]

    async def for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        moved = {move.product_id for move in moves}
        rows = self._db.fetch_in(
            "SELECT * FROM watches WHERE product_id IN ({})",
            [product_id for product_id in product_ids if product_id not in moved],
        )
        if moves:
            rows += self._db.fetchall(
                f"WITH moves (product_id, previous) AS (VALUES {placeholder_rows(len(moves), 2)}) "
                "SELECT watches.* FROM moves JOIN watches USING (product_id) "
                f"WHERE NOT {follows_move_sql('moves.previous')}",
                [value for move in moves for value in (move.product_id, price_text(move.previous))],
            )
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]:
        rows = self._db.fetch_in("SELECT * FROM products WHERE id IN ({})", product_ids)
        return {
            row["id"]: ProductHealth(
                row["id"], row["null_streak"], bool(row["unavailable"]), row["outages"]
            )
            for row in rows
        }

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        rows = self._db.fetchall(
            "SELECT product_id FROM watches WHERE id > ? UNION "
            "SELECT product_id FROM watches WHERE unconfirmed_price IS NOT NULL",
            (after_watch_id,),
        )
        newest = self._db.fetchall("SELECT COALESCE(MAX(id), 0) FROM watches")
        return Recheck(frozenset(row[0] for row in rows), int(newest[0][0]))

    async def poll_memory(self) -> PollMemory:
        rows = self._db.fetchall(
            "SELECT id, evaluated_price FROM products WHERE evaluated_price IS NOT NULL"
        )
        [[up_to]] = self._db.fetchall(
            "SELECT value FROM counters WHERE name = 'evaluated_up_to_watch'"
        )
        prices = {row["id"]: Decimal(row["evaluated_price"]) for row in rows}
        return PollMemory(prices, int(up_to))

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None:
        self._db.write(
            "UPDATE counters SET value = ? WHERE name = 'evaluated_up_to_watch'", (watch_id,)
        )

    async def record_poll(self, changes: PollChanges) -> int:
        with self._db.transaction() as db:
            if changes.prices and changes.seen_at is not None:
                record_prices(db, changes.prices, changes.seen_at)
            created = _apply_moves(db, changes.moves)
            db.executemany(
                "INSERT INTO products (id, evaluated_price) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET evaluated_price = excluded.evaluated_price",
                [
                    (product_id, price_text_or_none(price))
                    for product_id, price in changes.prices.items()
                ],
            )
            db.executemany(
                "UPDATE watches SET armed = ?, last_price = ?, unconfirmed_price = ?, "
                "crossings = ?, crossed_from = ? WHERE id = ?",
                [(*state_values(state), watch_id) for watch_id, state in changes.states],
            )
            db.executemany(
                "UPDATE watches SET paused = ? WHERE id = ?",
                [(int(paused), watch_id) for watch_id, paused in changes.pauses],
            )
            db.executemany(
                "INSERT INTO products (id, null_streak, unavailable, outages) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET null_streak = excluded.null_streak, "
                "unavailable = excluded.unavailable, outages = excluded.outages",
                [
                    (h.product_id, h.null_streak, int(h.unavailable), h.outages)
                    for h in changes.health
                ],
            )
            before = db.total_changes
            db.executemany(
                # A watch removed since the poll read it gets no alert.
                "INSERT OR IGNORE INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
                "product_id, product_name, currency, old_price, new_price, seen_at, status, "
                "next_attempt_at, protected_until) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM watches WHERE watches.id = ?)",
                [
                    (
                        alert.dedupe_key,
                        alert.kind.value,
                        alert.conversation_key,
                        alert.watch_id,
                        alert.product_id,
                        alert.product_name,
                        alert.currency,
                        text(alert.old_price),
                        text(alert.new_price),
                        ts(alert.seen_at),
                        AlertStatus.PENDING.value,
                        ts(alert.seen_at),
                        _ts_or_none(alert.protected_until),
                        alert.watch_id,
                    )
                    for alert in changes.alerts
                ],
            )
            return created + db.total_changes - before


def _apply_moves(db: sqlite3.Connection, moves: Sequence[PriceMove]) -> int:
    """Every watch following a move, a statement per product, by the rule's SQL twin
    (`domain.rules`): alerts for those that fire (read before the update), then the
    new state."""
    if not moves:
        return 0
    rows = [_move_row(move) for move in moves]
    before = db.total_changes
    db.executemany(
        "INSERT OR IGNORE INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
        "product_id, product_name, currency, old_price, new_price, seen_at, status, "
        f"next_attempt_at, protected_until) SELECT {CROSSING_KEY_SQL}, {CROSSING_KIND_SQL}, "
        f"conversation_key, id, product_id, product_name, currency, {ALERT_BASELINE_SQL}, "
        f":new_price, :seen_at, :status, :seen_at, expires_at FROM watches WHERE {FOLLOWS_MOVE} "
        f"AND {fires_sql(':cents_up')} AND NOT {asleep_sql(':seen_at')}",
        rows,
    )
    created = db.total_changes - before
    armed = armed_after_sql(":cents_up")
    db.executemany(
        f"UPDATE watches SET last_price = :price, armed = {armed}, "
        f"crossings = {crossings_after_sql(':cents_up')}, "
        f"crossed_from = {crossed_from_after_sql(':cents_up')} WHERE {FOLLOWS_MOVE} "
        # Only rows that change: a product rechecked at its old price rewrites none.
        f"AND (last_price IS NOT :price OR armed != {armed})",
        rows,
    )
    return created


def _move_row(move: PriceMove) -> dict[str, Any]:
    return {
        "product_id": move.product_id,
        "previous": price_text(move.previous),
        "price": price_text(move.price),
        "new_price": str(move.price),  # as alerts made one by one store it
        "cents_up": move.price_cents_up,
        "seen_at": ts(move.seen_at),
        "status": AlertStatus.PENDING.value,
    }


def _watch(row: sqlite3.Row) -> Watch:
    return watch_from(
        row, at(row["created_at"]), at_or_none(row["snoozed_until"]), at_or_none(row["expires_at"])
    )


def _ts_or_none(moment: datetime | None) -> float | None:
    return None if moment is None else ts(moment)
