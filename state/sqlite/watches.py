"""Watches, their rule state, product health and the poller's memory, on SQLite."""

from __future__ import annotations

import sqlite3
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
from state.sqlite.columns import at, at_or_none, placeholder_rows, placeholders, ts
from state.sqlite.database import SqliteDatabase
from state.sqlite.history import record_prices
from state.sqlite.watch_events import insert_events

INSERT_WATCH = (
    f"INSERT INTO watches (id, {', '.join(WATCH_COLUMNS)}) "
    f"VALUES ({placeholders(len(WATCH_COLUMNS) + 1)})"
)
OPEN_STATUSES = (AlertStatus.PENDING.value, AlertStatus.HELD.value)
MOVES = "moves (product_id, previous) AS (VALUES {})"
"""The moves as a table: product, previous price (canonical text)."""
FOLLOWS = "watches.product_id = :product_id AND " + follows_move_sql(":previous")
WRITE_WATCH = (
    f"UPDATE watches SET ({', '.join(MUTABLE_WATCH_COLUMNS)}) = "
    f"({placeholders(len(MUTABLE_WATCH_COLUMNS))}), version = version + 1 WHERE id = ?"
)
INSERT_ALERT = (
    # A watch removed since the change was worked out gets no alert.
    f"INSERT OR IGNORE INTO alerts ({', '.join(ALERT_COLUMNS)}) "
    f"SELECT {placeholders(len(ALERT_COLUMNS))} "
    "WHERE EXISTS (SELECT 1 FROM watches WHERE watches.id = ?)"
)
WAKE_HELD_ALERTS = (
    "UPDATE alerts SET next_attempt_at = ? WHERE watch_id = ? AND status = ? "
    "AND next_attempt_at > ?"
)
"""A woken watch's alerts held while it slept are due now."""
SCOPE = "conversation_key = ? AND (? IS NULL OR id = ?)"


class SqliteWatches:
    """Writes run in one `BEGIN IMMEDIATE` transaction each, with no await inside: the
    file's one writer, so what a change reads stays true until it is written."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def add(self, watch: NewWatch) -> Watch:
        [watch_id] = self._insert([watch], story=True)
        return Watch(watch_id, **{f: getattr(watch, f) for f in NewWatch.__dataclass_fields__})

    async def add_many(self, watches: Sequence[NewWatch]) -> int:
        return len(self._insert(watches))

    def _insert(self, watches: Sequence[NewWatch], story: bool = False) -> list[int]:
        """Insert the watches; with `story`, each starts its story (a bulk import's don't)."""
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
            if story:
                insert_events(db, [created(i, w) for i, w in zip(ids, watches)])
        return ids

    async def of_conversation(self, conversation_key: str) -> list[Watch]:
        rows = self._db.fetchall(
            "SELECT * FROM watches WHERE conversation_key = ? ORDER BY id", (conversation_key,)
        )
        return [_watch(row) for row in rows]

    async def by_ids(self, watch_ids: Sequence[int]) -> dict[int, Watch]:
        rows = self._db.fetch_in("SELECT * FROM watches WHERE id IN ({})", list(watch_ids))
        return {row["id"]: _watch(row) for row in rows}

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

    async def change(
        self, conversation_key: str, watch_id: int | None, change: WatchChange
    ) -> list[Watch]:
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT * FROM watches WHERE {SCOPE} ORDER BY id",
                (conversation_key, watch_id, watch_id),
            ).fetchall()
            changes = [change(_watch(row)) for row in rows]
            _write(db, changes)
        return [_written(c) for c in changes]

    async def snoozed_due(self, now: datetime) -> list[Watch]:
        rows = self._db.fetchall(
            "SELECT * FROM watches WHERE snoozed_until IS NOT NULL AND snoozed_until <= ? "
            "ORDER BY id",
            (ts(now),),
        )
        return [_watch(row) for row in rows]

    async def remove_expired(self, now: datetime) -> int:
        with self._db.transaction() as db:
            return db.execute(
                "DELETE FROM watches WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (ts(now),),
            ).rowcount

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
                f"WITH {MOVES.format(placeholder_rows(len(moves), 2))} SELECT watches.* "
                "FROM moves JOIN watches USING (product_id) "
                f"WHERE NOT {follows_move_sql('moves.previous')}",
                _move_values(moves),
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

    async def record_poll(self, changes: PollChanges, lease: JobLease | None = None) -> Recorded:
        """`lease` needs no check: one process uses the file and holds every lease."""
        with self._db.transaction() as db:
            conflicts = _conflicts(db, changes)
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
                "INSERT INTO products (id, null_streak, unavailable, outages) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET null_streak = excluded.null_streak, "
                "unavailable = excluded.unavailable, outages = excluded.outages",
                [
                    (h.product_id, h.null_streak, int(h.unavailable), h.outages)
                    for h in changes.health
                ],
            )
            created += _write(db, [c for c in changes.changes if c.before.id not in conflicts])
        return Recorded(created, sorted(conflicts))


def _conflicts(db: sqlite3.Connection, changes: PollChanges) -> set[int]:
    """Watches whose change was worked out from a version since replaced."""
    planned = {change.before.id: change.before.version for change in changes.changes}
    conflicts: set[int] = set()
    if planned:
        ids = list(planned)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for watch_id, version in db.execute(
                f"SELECT id, version FROM watches WHERE id IN ({placeholders(len(part))})", part
            ):
                if version != planned[watch_id]:
                    conflicts.add(watch_id)
    return conflicts


def _apply_moves(db: sqlite3.Connection, moves: Sequence[PriceMove]) -> int:
    """Every watch following a move, a statement per product, by the rules' SQL twins
    (`state/rule_sql.py`): the alerts and events of those that fire or re-arm (read
    before the update), then the new state. Returns how many alerts are new."""
    if not moves:
        return 0
    rows = [_move_row(move) for move in moves]
    before = db.total_changes
    db.executemany(
        f"INSERT OR IGNORE INTO alerts ({', '.join(ALERT_COLUMNS)}) SELECT {CROSSING_KEY_SQL}, "
        f"{CROSSING_KIND_SQL}, conversation_key, id, product_id, product_name, currency, "
        f"{ALERT_BASELINE_SQL}, :new_price, :seen_at, :status, :seen_at, expires_at "
        f"FROM watches WHERE {FOLLOWS} AND {fires_sql(':cents_up')} "
        f"AND NOT {asleep_sql(':seen_at')}",
        rows,
    )
    created = db.total_changes - before
    kind = event_kind_sql(":cents_up", ":seen_at")
    db.executemany(
        "INSERT INTO watch_events (watch_id, at, kind, price, trigger_price) "
        f"SELECT id, :seen_at, {kind}, :new_price, trigger_price FROM watches "
        f"WHERE {FOLLOWS} AND {kind} IS NOT NULL",
        rows,
    )
    armed = armed_after_sql(":cents_up")
    db.executemany(
        f"UPDATE watches SET last_price = :price, armed = {armed}, "
        f"crossings = {crossings_after_sql(':cents_up')}, "
        f"crossed_from = {crossed_from_after_sql(':cents_up')}, version = version + 1 "
        f"WHERE {FOLLOWS} "
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
        "new_price": str(move.price),  # as alerts and events made one by one store it
        "cents_up": move.price_cents_up,
        "seen_at": ts(move.seen_at),
        "status": AlertStatus.PENDING.value,
    }


def _write(db: sqlite3.Connection, changes: Sequence[Change]) -> int:
    """Write the changes (their watches at the version read, which the caller made sure
    of) with their alerts and events; return how many alerts are new."""
    changes = [change for change in changes if change.writes]
    if not changes:
        return 0
    db.executemany(
        WRITE_WATCH,
        [
            (
                *mutable_values(
                    c.after, _ts_or_none(c.after.snoozed_until), _ts_or_none(c.after.expires_at)
                ),
                c.after.id,
            )
            for c in changes
        ],
    )
    before = db.total_changes
    db.executemany(
        INSERT_ALERT,
        [
            (*alert_values(a, ts(a.seen_at), _ts_or_none(a.protected_until)), a.watch_id)
            for c in changes
            for a in c.alerts
        ],
    )
    created = db.total_changes - before
    insert_events(db, [event for c in changes for event in c.events])
    db.executemany(
        WAKE_HELD_ALERTS,
        [
            (ts(c.woke_at), c.after.id, AlertStatus.HELD.value, ts(c.woke_at))
            for c in changes
            if c.woke_at is not None
        ],
    )
    return created


def _move_values(moves: Sequence[PriceMove]) -> list[Any]:
    return [value for move in moves for value in (move.product_id, price_text(move.previous))]


def _written(change: Change) -> Watch:
    """The watch as stored after the change."""
    if not change.writes:
        return change.after
    return replace(change.after, version=change.before.version + 1)


def _watch(row: sqlite3.Row) -> Watch:
    return watch_from(
        row, at(row["created_at"]), at_or_none(row["snoozed_until"]), at_or_none(row["expires_at"])
    )


def _ts_or_none(moment: datetime | None) -> float | None:
    return None if moment is None else ts(moment)
