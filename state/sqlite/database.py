"""One SQLite file (WAL): the connection, its migrations and its checkpoints.

Statements run on the event loop's own thread. Each takes tens of microseconds: less
than handing it to a worker thread and back (what aiosqlite does) costs in CPU and GIL
hand-offs. One process owns the file, so nothing waits on another writer's lock.
Nothing here relies on that for correctness: conversations take turns through the
store's turn locks, and every read-then-write is one statement or one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from state.private_files import create_private_file
from state.sqlite.migrations import MIGRATIONS
from state.sqlite.sql import Sequences

logger = logging.getLogger(__name__)

PAGE_CACHE_KIB = 8_000
"""Room for the pages a poll's drop touches, instead of SQLite's default 2 MB. Not the
whole file (a 100,000-watch database is about 22 MB): a 32 MB cache held all of it after
the first look at every watch, 13 MB of the app's memory, and made no poll faster,
since pages the cache lacks come from the kernel's. See BENCHMARKS.md."""
BACKSTOP_CHECKPOINT_PAGES = 10_000
"""SQLite's own checkpoint runs inside a commit, on the loop: only past 40 MB of log."""
WAL_KEPT_BYTES = 16 * 1024 * 1024
"""After a checkpoint the log file is cut back to this, whatever it grew to."""
READERS = 2
"""Threads for long reads (`read_aside`), each with a connection of its own."""
READER_CACHE_KIB = 8_000
IN_CHUNK = 500
"""Values bound in one `IN (...)` list."""


class SqliteDatabase:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._checkpointer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._reader = threading.local()
        self._reader_lock = threading.Lock()
        self._reader_connections: list[sqlite3.Connection] = []

    @property
    def path(self) -> Path:
        return self._path

    async def open(self) -> None:
        # Owner-only from the first byte: SQLite gives its -wal and -shm files this mode.
        create_private_file(self._path)
        db = sqlite3.connect(self._path, isolation_level=None)
        db.row_factory = sqlite3.Row
        Sequences().install(db)  # nextval(), for the queries written once (state/sql/)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        # Statement journals (a multi-row write that may fail) and sorts in memory, not in
        # temporary files: a poll's bulk writes took twice as long with the files.
        db.execute("PRAGMA temp_store=MEMORY")
        # checkpoint() does this off the loop; this is only a backstop if it never runs.
        db.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
        db.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")  # the log shrinks back
        self._db = db
        self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="sqlite-reader")
        self._migrate()
        logger.info("store open at %s", self._path)

    def _migrate(self) -> None:
        applied = int(self.fetchall("PRAGMA user_version")[0][0])
        for version, step in enumerate(MIGRATIONS[applied:], start=applied + 1):
            if isinstance(step, str):
                self.conn.executescript(
                    f"BEGIN IMMEDIATE; {step}; PRAGMA user_version = {version}; COMMIT;"
                )
            else:
                with self.transaction() as db:
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

    async def read_aside(self, sql: str, args: Sequence[Any]) -> list[sqlite3.Row]:
        """A long read on a reader thread, with that thread's own connection: the loop
        goes on meanwhile (SQLite lets go of the GIL while it works)."""
        if self._readers is None:
            raise RuntimeError("the store is not open")
        return await asyncio.get_running_loop().run_in_executor(
            self._readers, self._read, sql, args
        )

    def _read(self, sql: str, args: Sequence[Any]) -> list[sqlite3.Row]:
        db = getattr(self._reader, "db", None)
        if db is None:
            existing_only = f"{self._path.resolve().as_uri()}?mode=rw"
            db = sqlite3.connect(
                existing_only, uri=True, isolation_level=None, check_same_thread=False
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=5000")
            db.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self._reader.db = db
            with self._reader_lock:
                self._reader_connections.append(db)
        return db.execute(sql, args).fetchall()

    def _checkpoint(self) -> None:
        existing_only = f"{self._path.resolve().as_uri()}?mode=rw"  # never creates the file
        with closing(sqlite3.connect(existing_only, uri=True, isolation_level=None)) as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.shutdown(wait=True)
            self._checkpointer = None
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        for reader in self._reader_connections:
            reader.close()
        self._reader_connections.clear()
        if self._db is not None:
            self._db.close()
            self._db = None

    async def ping(self) -> None:
        self.fetchall("SELECT 1")

    @property
    def conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.conn
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    write = fetchall
    """A single statement is atomic on its own; RETURNING rows come back."""

    def fetch_in(self, sql: str, values: Sequence[Any]) -> list[sqlite3.Row]:
        """`sql` with `IN ({})`, run over the values a chunk at a time."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(values), IN_CHUNK):
            part = list(values)[start : start + IN_CHUNK]
            rows.extend(self.fetchall(sql.format(",".join("?" * len(part))), part))
        return rows
