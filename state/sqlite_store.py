"""The Store on one SQLite file (WAL).

Statements run on the event loop's own thread. Each takes tens of microseconds: less
than handing it to a worker thread and back (what aiosqlite does) costs in CPU and GIL
hand-offs. One process owns the file, so nothing waits on another writer's lock. And
with no await inside a transaction, no other coroutine can interleave with one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from state.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Attempt,
    NewWatch,
    PollChanges,
    PollMemory,
    PriceMove,
    ProductHealth,
    Recheck,
    StateRecord,
    Watch,
)
from state.store import EtagConflict
from watchers.rules import Rule, RuleKind, RuleState, comparable_cents

logger = logging.getLogger(__name__)

SCHEMA_V1 = """
    CREATE TABLE conversations (
        key TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        updated_at REAL NOT NULL,
        reachable INTEGER NOT NULL DEFAULT 1,
        unreachable_since REAL
    );
    CREATE TABLE watches (
        product_id TEXT NOT NULL,
        id INTEGER NOT NULL,
        conversation_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        kind TEXT NOT NULL,
        threshold_percent TEXT,
        start_price TEXT NOT NULL,
        trigger_price TEXT NOT NULL,
        armed INTEGER NOT NULL,
        last_price TEXT,
        unconfirmed_price TEXT,
        crossings INTEGER NOT NULL DEFAULT 0,
        paused INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        -- Clustered by product: a poll reads and writes one product's watches together.
        PRIMARY KEY (product_id, id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX watches_by_id ON watches (id);
    CREATE INDEX watches_by_conversation ON watches (conversation_key);
    CREATE INDEX watches_by_user ON watches (user_id);
    CREATE INDEX watches_awaiting_confirmation ON watches (product_id)
        WHERE unconfirmed_price IS NOT NULL;
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    -- Watch ids are never reused: alert keys name them.
    INSERT INTO counters (name, value) VALUES ('watches', 0);
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        null_streak INTEGER NOT NULL DEFAULT 0,
        unavailable INTEGER NOT NULL DEFAULT 0,
        outages INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'drop',
        conversation_key TEXT NOT NULL,
        watch_id INTEGER NOT NULL,
        product_id TEXT NOT NULL,
        product_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        old_price TEXT,
        new_price TEXT,
        seen_at REAL NOT NULL,
        status TEXT NOT NULL,
        next_attempt_at REAL NOT NULL,
        claimed_until REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at REAL,
        last_error TEXT,
        held_at REAL,
        sent_at REAL
    );
    CREATE INDEX alerts_due ON alerts (status, next_attempt_at);
    -- Every delivery attempt, whatever became of it: the alert row keeps only the last.
    CREATE TABLE alert_attempts (
        alert_id INTEGER NOT NULL,
        at REAL NOT NULL,
        status TEXT NOT NULL,
        error TEXT
    );
    CREATE INDEX alert_attempts_by_alert ON alert_attempts (alert_id);
    CREATE TRIGGER alert_attempt_logged AFTER UPDATE OF attempts ON alerts
    WHEN NEW.attempts > OLD.attempts
    BEGIN
        INSERT INTO alert_attempts (alert_id, at, status, error)
        VALUES (NEW.id, NEW.last_attempt_at, NEW.status, NEW.last_error);
    END;
    CREATE INDEX alerts_by_conversation ON alerts (conversation_key, status);
    CREATE TABLE bot_state (
        key TEXT PRIMARY KEY,
        etag INTEGER NOT NULL,
        value BLOB NOT NULL
    );
    """


def _schema_v2(db: sqlite3.Connection) -> None:
    """Each trigger in whole cents as an integer, and last prices as one text per value,
    so a poll can apply a price move to many watches in one statement; and what the
    poller remembers, so a restart does not evaluate every watch again. (It converts
    with the helpers the store writes with: should they change, freeze copies here.)"""
    db.execute("ALTER TABLE products ADD COLUMN evaluated_price TEXT")
    db.execute("INSERT INTO counters (name, value) VALUES ('evaluated_up_to_watch', 0)")
    db.execute("ALTER TABLE watches ADD COLUMN trigger_cents INTEGER")
    db.executemany(
        "UPDATE watches SET trigger_cents = ?, last_price = ? WHERE id = ?",
        [
            (
                comparable_cents(Decimal(trigger)),
                _price_text_or_none(_dec(last)),
                watch_id,
            )
            for watch_id, trigger, last in db.execute(
                "SELECT id, trigger_price, last_price FROM watches"
            )
        ],
    )


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    SCHEMA_V1,
    _schema_v2,
)
"""Schema versions in order, as SQL or as a step run in a transaction;
PRAGMA user_version says how many have been applied."""

PAGE_CACHE_KIB = 32_000
"""Room for the pages a poll touches (a 100,000-watch database is about 22 MB) instead
of SQLite's default 2 MB, which re-reads them every poll: see BENCHMARKS.md."""
BACKSTOP_CHECKPOINT_PAGES = 10_000
"""SQLite's own checkpoint runs inside a commit, on the loop: only past 40 MB of log."""
WAL_KEPT_BYTES = 16 * 1024 * 1024
"""After a checkpoint the log file is cut back to this, whatever it grew to."""

OPEN_STATUSES = (AlertStatus.PENDING.value, AlertStatus.HELD.value)


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _at_or_none(seconds: float | None) -> datetime | None:
    return None if seconds is None else _at(seconds)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


INSERT_WATCH = (
    "INSERT INTO watches (id, conversation_key, user_id, product_id, product_name, currency, "
    "kind, threshold_percent, start_price, trigger_price, trigger_cents, armed, last_price, "
    "unconfirmed_price, crossings, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _watch_row(watch: NewWatch) -> tuple[Any, ...]:
    rule = watch.rule
    return (
        watch.conversation_key,
        watch.user_id,
        watch.product_id,
        watch.product_name,
        watch.currency,
        rule.kind.value,
        _text(rule.threshold_percent),
        str(rule.start_price),
        str(rule.trigger_price),
        comparable_cents(rule.trigger_price),
        *_state_columns(watch.state),
        _ts(watch.created_at),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _price_text(price: Decimal) -> str:
    """One text per value ("123.4" for 123.40 too, never an exponent): a watch's last
    price is matched as text when a price move is applied in bulk."""
    text = format(price, "f")  # every digit, unlike normalize(), which rounds to 28
    return text.rstrip("0").rstrip(".") if "." in text else text


def _price_text_or_none(price: Decimal | None) -> str | None:
    return None if price is None else _price_text(price)


def _state_columns(state: RuleState) -> tuple[int, str | None, str | None, int]:
    return (
        int(state.armed),
        _price_text_or_none(state.last_price),
        _price_text_or_none(state.unconfirmed_price),
        state.crossings,
    )


def _follows_move(previous: str) -> str:
    """SQL that is true when the watch takes a PriceMove in bulk, given the SQL for the
    move's previous price, and never NULL (a NULL last price does not follow), so its
    NOT is exactly the watches left to load one by one."""
    return (
        f"(watches.last_price IS {previous} AND watches.paused = 0 "
        "AND watches.unconfirmed_price IS NULL AND watches.trigger_cents IS NOT NULL)"
    )


FOLLOWS_MOVE = "watches.product_id = :product_id AND " + _follows_move(":previous")


def _move_row(move: PriceMove) -> dict[str, Any]:
    return {
        "product_id": move.product_id,
        "previous": _price_text(move.previous),
        "price": _price_text(move.price),
        "new_price": str(move.price),  # as alerts made one by one store it
        "cents_up": move.price_cents_up,
        "seen_at": _ts(move.seen_at),
        "kind": AlertKind.DROP.value,
        "status": AlertStatus.PENDING.value,
    }


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _placeholder_rows(count: int, width: int) -> str:
    """`(?, ?), (?, ?)`: count rows of width values, for a VALUES list."""
    return ",".join([f"({_placeholders(width)})"] * count)


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._last_etag = 0
        self._checkpointer: ThreadPoolExecutor | None = None

    @property
    def path(self) -> Path:
        return self._path

    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        # checkpoint() does this off the loop; this is only a backstop if it never runs.
        db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
        db.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")  # the log shrinks back
        self._db = db
        self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._migrate()
        logger.info("store open at %s", self._path)

    def _migrate(self) -> None:
        applied = int(self._fetchall("PRAGMA user_version")[0][0])
        for version, step in enumerate(MIGRATIONS[applied:], start=applied + 1):
            if isinstance(step, str):
                self._conn.executescript(
                    f"BEGIN IMMEDIATE; {step}; PRAGMA user_version = {version}; COMMIT;"
                )
            else:
                with self._transaction() as db:
                    step(db)
                    db.execute(f"PRAGMA user_version = {version}")
            logger.info("store schema migrated to version %d", version)

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file. The copy and its fsync run
        on a thread of their own with a connection of their own, so no poll, chat turn
        or send waits for them; a passive checkpoint never waits for a writer either."""
        if self._checkpointer is None:
            raise RuntimeError("the store is not open")
        await asyncio.get_running_loop().run_in_executor(self._checkpointer, self._checkpoint)

    def _checkpoint(self) -> None:
        existing_only = f"{self._path.resolve().as_uri()}?mode=rw"  # never creates the file
        with closing(sqlite3.connect(existing_only, uri=True, isolation_level=None)) as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.shutdown(wait=True)
            self._checkpointer = None
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    _write = _fetchall
    """A single statement is atomic on its own; RETURNING rows come back."""

    async def ping(self) -> None:
        self._fetchall("SELECT 1")

    # Conversation references

    async def save_reference(
        self, conversation_key: str, reference: dict[str, Any], now: datetime
    ) -> None:
        self._write(
            "INSERT INTO conversations (key, reference, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, "
            "updated_at = excluded.updated_at, reachable = 1, unreachable_since = NULL "
            # Unchanged and reachable: nothing to write, so no page is dirtied.
            "WHERE conversations.reference != excluded.reference OR conversations.reachable = 0",
            (conversation_key, json.dumps(reference), _ts(now)),
        )

    async def get_reference(self, conversation_key: str) -> dict[str, Any] | None:
        rows = self._fetchall(
            "SELECT reference FROM conversations WHERE key = ?", (conversation_key,)
        )
        return json.loads(rows[0]["reference"]) if rows else None

    async def get_references(self, conversation_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self._fetch_in(
            "SELECT key, reference FROM conversations WHERE key IN ({})", conversation_keys
        )
        return {row["key"]: json.loads(row["reference"]) for row in rows}

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        self._write(
            "UPDATE conversations SET reachable = 0, "
            "unreachable_since = COALESCE(unreachable_since, ?) WHERE key = ?",
            (_ts(now), conversation_key),
        )

    async def is_reachable(self, conversation_key: str) -> bool:
        rows = self._fetchall(
            "SELECT reachable FROM conversations WHERE key = ?", (conversation_key,)
        )
        return bool(rows and rows[0]["reachable"])

    # Watches

    async def add_watch(self, watch: NewWatch) -> Watch:
        [watch_id] = self._insert_watches([watch])
        return Watch(watch_id, **{f: getattr(watch, f) for f in NewWatch.__dataclass_fields__})

    async def add_watches(self, watches: Sequence[NewWatch]) -> int:
        return len(self._insert_watches(watches))

    def _insert_watches(self, watches: Sequence[NewWatch]) -> list[int]:
        with self._transaction() as db:
            [[last]] = db.execute(
                "UPDATE counters SET value = value + ? WHERE name = 'watches' RETURNING value",
                (len(watches),),
            )
            ids = list(range(last - len(watches) + 1, last + 1))
            db.executemany(
                INSERT_WATCH,
                [(watch_id, *_watch_row(watch)) for watch_id, watch in zip(ids, watches)],
            )
        return ids

    async def list_watches(self, conversation_key: str) -> list[Watch]:
        rows = self._fetchall(
            "SELECT * FROM watches WHERE conversation_key = ? ORDER BY id", (conversation_key,)
        )
        return [_watch(row) for row in rows]

    async def count_user_watches(self, user_id: str) -> int:
        rows = self._fetchall("SELECT COUNT(*) FROM watches WHERE user_id = ?", (user_id,))
        return int(rows[0][0])

    async def remove_watch(self, conversation_key: str, watch_id: int) -> bool:
        with self._transaction() as db:
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

    async def watched_product_ids(self) -> list[str]:
        rows = self._fetchall("SELECT DISTINCT product_id FROM watches ORDER BY product_id")
        return [row["product_id"] for row in rows]

    async def watches_for_products(
        self, product_ids: Sequence[str], moves: Sequence[PriceMove] = ()
    ) -> list[Watch]:
        moved = {move.product_id for move in moves}
        rows = self._fetch_in(
            "SELECT * FROM watches WHERE product_id IN ({})",
            [product_id for product_id in product_ids if product_id not in moved],
        )
        if moves:
            rows += self._fetchall(
                f"WITH moves (product_id, previous) AS (VALUES {_placeholder_rows(len(moves), 2)}) "
                "SELECT watches.* FROM moves JOIN watches USING (product_id) "
                f"WHERE NOT {_follows_move('moves.previous')}",
                [
                    value
                    for move in moves
                    for value in (move.product_id, _price_text(move.previous))
                ],
            )
        return sorted((_watch(row) for row in rows), key=lambda watch: watch.id)

    async def product_health(self, product_ids: Sequence[str]) -> dict[str, ProductHealth]:
        rows = self._fetch_in("SELECT * FROM products WHERE id IN ({})", product_ids)
        return {
            row["id"]: ProductHealth(
                row["id"], row["null_streak"], bool(row["unavailable"]), row["outages"]
            )
            for row in rows
        }

    async def products_to_recheck(self, after_watch_id: int) -> Recheck:
        rows = self._fetchall(
            "SELECT product_id FROM watches WHERE id > ? UNION "
            "SELECT product_id FROM watches WHERE unconfirmed_price IS NOT NULL",
            (after_watch_id,),
        )
        newest = self._fetchall("SELECT COALESCE(MAX(id), 0) FROM watches")
        return Recheck(frozenset(row[0] for row in rows), int(newest[0][0]))

    def _fetch_in(self, sql: str, values: Sequence[Any], chunk: int = 500) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = []
        for start in range(0, len(values), chunk):
            part = list(values[start : start + chunk])
            rows.extend(self._fetchall(sql.format(_placeholders(len(part))), part))
        return rows

    async def poll_memory(self) -> PollMemory:
        rows = self._fetchall(
            "SELECT id, evaluated_price FROM products WHERE evaluated_price IS NOT NULL"
        )
        [[up_to]] = self._fetchall(
            "SELECT value FROM counters WHERE name = 'evaluated_up_to_watch'"
        )
        prices = {row["id"]: Decimal(row["evaluated_price"]) for row in rows}
        return PollMemory(prices, int(up_to))

    async def remember_evaluated_up_to_watch(self, watch_id: int) -> None:
        self._write(
            "UPDATE counters SET value = ? WHERE name = 'evaluated_up_to_watch'", (watch_id,)
        )

    async def record_poll(self, changes: PollChanges) -> int:
        with self._transaction() as db:
            created = self._apply_moves(db, changes.moves)
            db.executemany(
                "INSERT INTO products (id, evaluated_price) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET evaluated_price = excluded.evaluated_price",
                [
                    (product_id, _price_text_or_none(price))
                    for product_id, price in changes.prices.items()
                ],
            )
            db.executemany(
                "UPDATE watches SET armed = ?, last_price = ?, unconfirmed_price = ?, "
                "crossings = ? WHERE id = ?",
                [(*_state_columns(state), watch_id) for watch_id, state in changes.states],
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
                "next_attempt_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
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
                        _text(alert.old_price),
                        _text(alert.new_price),
                        _ts(alert.seen_at),
                        AlertStatus.PENDING.value,
                        _ts(alert.seen_at),
                        alert.watch_id,
                    )
                    for alert in changes.alerts
                ],
            )
            return created + db.total_changes - before

    @staticmethod
    def _apply_moves(db: sqlite3.Connection, moves: Sequence[PriceMove]) -> int:
        """Every watch following a move, a statement per product: alerts for those that
        fire (read before the update), then the new state, `armed = price > trigger`."""
        if not moves:
            return 0
        rows = [_move_row(move) for move in moves]
        before = db.total_changes
        db.executemany(
            "INSERT OR IGNORE INTO alerts (dedupe_key, kind, conversation_key, watch_id, "
            "product_id, product_name, currency, old_price, new_price, seen_at, status, "
            "next_attempt_at) "
            # The same key the poller gives a crossing: watch-<id>-crossing-<n>.
            "SELECT 'watch-' || id || '-crossing-' || (crossings + 1), :kind, "
            "conversation_key, id, product_id, product_name, currency, start_price, :new_price, "
            f":seen_at, :status, :seen_at FROM watches WHERE {FOLLOWS_MOVE} "
            "AND armed = 1 AND trigger_cents >= :cents_up",
            rows,
        )
        created = db.total_changes - before
        db.executemany(
            "UPDATE watches SET last_price = :price, armed = trigger_cents < :cents_up, "
            "crossings = crossings + (armed = 1 AND trigger_cents >= :cents_up) "
            f"WHERE {FOLLOWS_MOVE} "
            # Only rows that change: a product rechecked at its old price rewrites none.
            "AND (last_price IS NOT :price OR armed != (trigger_cents < :cents_up))",
            rows,
        )
        return created

    # The alert outbox

    async def claim_due_alerts(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[Alert]:
        return self._claim(
            "status IN (?, ?) AND next_attempt_at <= ? "
            "AND (claimed_until IS NULL OR claimed_until <= ?) "
            "AND conversation_key IN (SELECT key FROM conversations WHERE reachable = 1) "
            "ORDER BY next_attempt_at, id LIMIT ?",
            (*OPEN_STATUSES, _ts(now), _ts(now), limit),
            lease_until,
        )

    async def claim_conversation_alerts(
        self, conversation_key: str, now: datetime, lease_until: datetime
    ) -> list[Alert]:
        return self._claim(
            "conversation_key = ? AND status IN (?, ?) "
            "AND (claimed_until IS NULL OR claimed_until <= ?)",
            (conversation_key, *OPEN_STATUSES, _ts(now)),
            lease_until,
        )

    def _claim(self, where: str, params: Sequence[Any], lease_until: datetime) -> list[Alert]:
        rows = self._write(
            f"UPDATE alerts SET claimed_until = ? WHERE id IN "
            f"(SELECT id FROM alerts WHERE {where}) RETURNING *",
            (_ts(lease_until), *params),
        )
        return sorted((_alert(row) for row in rows), key=lambda alert: alert.id)

    async def extend_claims(self, alert_ids: Sequence[int], lease_until: datetime) -> None:
        self._update_alerts(
            alert_ids,
            "claimed_until = ?",
            (_ts(lease_until),),
            only_open=True,
        )

    async def release_claims(self, alert_ids: Sequence[int]) -> None:
        self._update_alerts(alert_ids, "claimed_until = NULL", (), only_open=True)

    async def mark_sent(self, alert_ids: Sequence[int], now: datetime) -> None:
        self._update_alerts(
            alert_ids,
            "status = ?, sent_at = ?, last_attempt_at = ?, attempts = attempts + 1, "
            "claimed_until = NULL, last_error = NULL",
            (AlertStatus.SENT.value, _ts(now), _ts(now)),
        )

    async def mark_held(self, alert_ids: Sequence[int], now: datetime, hold_seconds: float) -> None:
        self._update_alerts(
            alert_ids,
            "status = ?, held_at = COALESCE(held_at, ?), "
            "next_attempt_at = COALESCE(held_at, ?) + ?, claimed_until = NULL",
            (AlertStatus.HELD.value, _ts(now), _ts(now), hold_seconds),
        )

    async def mark_attempt_failed(
        self,
        alert_ids: Sequence[int],
        now: datetime,
        error: str,
        retry_at: datetime | None,
    ) -> None:
        if retry_at is None:
            self._update_alerts(
                alert_ids,
                "status = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = ?, "
                "claimed_until = NULL",
                (AlertStatus.FAILED.value, _ts(now), error),
            )
        else:
            self._update_alerts(
                alert_ids,
                "attempts = attempts + 1, last_attempt_at = ?, last_error = ?, "
                "next_attempt_at = ?, claimed_until = NULL",
                (_ts(now), error, _ts(retry_at)),
            )

    def _update_alerts(
        self,
        alert_ids: Sequence[int],
        assignments: str,
        params: Sequence[Any],
        only_open: bool = False,
    ) -> None:
        if not alert_ids:
            return
        condition = " AND status IN (?, ?)" if only_open else ""
        self._write(
            f"UPDATE alerts SET {assignments} "
            f"WHERE id IN ({_placeholders(len(alert_ids))}){condition}",
            (*params, *alert_ids, *(OPEN_STATUSES if only_open else ())),
        )

    async def alert_counts(self) -> dict[str, int]:
        rows = self._fetchall("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
        counts = {status.value: 0 for status in AlertStatus}
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def alert_attempts(self, alert_id: int) -> list[Attempt]:
        rows = self._fetchall(
            "SELECT at, status, error FROM alert_attempts WHERE alert_id = ? ORDER BY rowid",
            (alert_id,),
        )
        return [Attempt(_at(row["at"]), AlertStatus(row["status"]), row["error"]) for row in rows]

    async def get_alerts(self, alert_ids: Sequence[int]) -> list[Alert]:
        rows = self._fetch_in("SELECT * FROM alerts WHERE id IN ({})", alert_ids)
        return sorted((_alert(row) for row in rows), key=lambda alert: alert.id)

    # botbuilder state documents

    async def read_state(self, keys: Sequence[str]) -> dict[str, StateRecord]:
        if not keys:
            return {}
        rows = self._fetchall(
            f"SELECT key, etag, value FROM bot_state WHERE key IN ({_placeholders(len(keys))})",
            list(keys),
        )
        return {row["key"]: StateRecord(row["value"], row["etag"]) for row in rows}

    async def write_state(self, key: str, value: bytes, expected_etag: int | None) -> int:
        # Never reuse an etag, even after a delete: an old holder must not match.
        etag = self._last_etag = max(time.time_ns(), self._last_etag + 1)
        written = self._write(
            "INSERT INTO bot_state (key, etag, value) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
            "WHERE ? IS NULL OR bot_state.etag = ? RETURNING etag",
            (key, etag, value, expected_etag, expected_etag),
        )
        if not written:
            raise EtagConflict(f"state {key!r} changed since it was read")
        return etag

    async def delete_state(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        self._write(f"DELETE FROM bot_state WHERE key IN ({_placeholders(len(keys))})", list(keys))


def _watch(row: sqlite3.Row) -> Watch:
    threshold = _dec(row["threshold_percent"])
    return Watch(
        id=row["id"],
        conversation_key=row["conversation_key"],
        user_id=row["user_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        currency=row["currency"],
        rule=Rule(
            kind=RuleKind(row["kind"]),
            start_price=Decimal(row["start_price"]),
            trigger_price=Decimal(row["trigger_price"]),
            threshold_percent=threshold,
        ),
        state=RuleState(
            armed=bool(row["armed"]),
            last_price=_dec(row["last_price"]),
            unconfirmed_price=_dec(row["unconfirmed_price"]),
            crossings=row["crossings"],
        ),
        created_at=_at(row["created_at"]),
        paused=bool(row["paused"]),
    )


def _alert(row: sqlite3.Row) -> Alert:
    return Alert(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        conversation_key=row["conversation_key"],
        watch_id=row["watch_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        currency=row["currency"],
        old_price=_dec(row["old_price"]),
        new_price=_dec(row["new_price"]),
        seen_at=_at(row["seen_at"]),
        status=AlertStatus(row["status"]),
        attempts=row["attempts"],
        held_at=_at_or_none(row["held_at"]),
        last_error=row["last_error"],
        kind=AlertKind(row["kind"]),
    )
