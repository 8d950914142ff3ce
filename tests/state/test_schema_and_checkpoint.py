"""Files the store did not write itself: a version-1 file it upgrades, and the main
database file as a checkpoint leaves it, read on its own without the write-ahead log."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.alerts import AlertStatus, SentMessage
from domain.polls import PollChanges, PriceMove
from domain.rules import Rule, RuleKind, RuleState, cents_up, initial_state
from domain.watches import Watch
from state.sqlite import SqliteStore
from state.sqlite.database import BACKSTOP_CHECKPOINT_PAGES
from state.sqlite.migrations import MIGRATIONS, SCHEMA_V1
from tests.state.test_store import CONVERSATION, OTHER_CONVERSATION, T0, new_watch
from watchers.poller import plan_poll

V1_WATCHES: list[dict[str, Any]] = [
    # Follows the move below: last saw 123.40, armed, trigger 110.00.
    dict(id=1, product_id="p-100", start_price="149.00", trigger_price="110.00",
         armed=1, last_price="123.40"),
    dict(id=2, product_id="p-200", kind="percent", threshold_percent="20",
         start_price="199.99", trigger_price="159.99", armed=0, last_price="100.00",
         crossings=1),
    dict(id=3, product_id="p-300", start_price="120.00", trigger_price="10.005",
         armed=1, last_price="99.5"),
    # Same product and last price as watch 1, but a huge drop awaits confirmation.
    dict(id=4, product_id="p-100", start_price="149.00", trigger_price="115.00",
         armed=1, last_price="123.40", unconfirmed_price="0.50"),
    dict(id=5, product_id="p-400", start_price="5.00", trigger_price="4.00",
         armed=1, last_price=None, paused=1),
    dict(id=6, product_id="p-500", conversation_key=OTHER_CONVERSATION,
         start_price="20000000000000.00", trigger_price="10000000000000.00",
         armed=1, last_price="15000000000000.10"),
]  # fmt: skip
V1_DEFAULTS: dict[str, Any] = dict(
    conversation_key=CONVERSATION,
    user_id="user-1",
    product_name="Espresso machine",
    currency="EUR",
    kind="below",
    threshold_percent=None,
    unconfirmed_price=None,
    crossings=0,
    paused=0,
    created_at=T0.timestamp(),
)
UPGRADED = {
    # watch id: (trigger_cents, last_price)
    1: (11000, "123.4"),
    2: (15999, "100"),
    3: (None, "99.5"),  # not whole cents
    4: (11500, "123.4"),
    5: (400, None),
    6: (None, "15000000000000.1"),  # 10**15 cents: too big to compare as an integer
}


def v1_row(watch: dict[str, Any]) -> dict[str, Any]:
    return {**V1_DEFAULTS, **watch}


def as_read(row: dict[str, Any]) -> Watch:
    """The watch a v1 row stands for, as the user saw it before the upgrade."""
    threshold = row["threshold_percent"]
    return Watch(
        id=row["id"],
        conversation_key=row["conversation_key"],
        user_id=row["user_id"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        currency=row["currency"],
        rule=Rule(
            RuleKind(row["kind"]),
            Decimal(row["start_price"]),
            Decimal(row["trigger_price"]),
            None if threshold is None else Decimal(threshold),
        ),
        state=RuleState(
            armed=bool(row["armed"]),
            last_price=None if row["last_price"] is None else Decimal(row["last_price"]),
            unconfirmed_price=(
                None if row["unconfirmed_price"] is None else Decimal(row["unconfirmed_price"])
            ),
            crossings=row["crossings"],
        ),
        created_at=T0,
        paused=bool(row["paused"]),
    )


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def watch_rows(path: Path) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM watches ORDER BY id")]


def user_version(path: Path) -> int:
    [(version,)] = query(path, "PRAGMA user_version")
    return int(version)


def main_file_alone(db_path: Path, copy: Path) -> Path:
    """The database file as it is on disk, without its write-ahead log."""
    shutil.copy(db_path, copy)
    return copy


def price_move(product_id: str, previous: str, price: str) -> PriceMove:
    """A plain move, as the poller makes one."""
    cents = cents_up(Decimal(price))
    assert cents is not None
    return PriceMove(product_id, Decimal(previous), Decimal(price), cents, T0)


async def listed(store: SqliteStore) -> list[Watch]:
    return [
        *await store.watches.of_conversation(CONVERSATION),
        *await store.watches.of_conversation(OTHER_CONVERSATION),
    ]


@pytest.fixture
def v1_file(db_path: Path) -> Path:
    """A file as the version-1 store left it: WAL, schema v1, a few watches."""
    db_path.parent.mkdir(parents=True)
    rows = [v1_row(watch) for watch in V1_WATCHES]
    columns = list(rows[0])
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(f"BEGIN; {SCHEMA_V1}; PRAGMA user_version = 1; COMMIT;")
        db.executemany(
            f"INSERT INTO watches ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + column for column in columns)})",
            rows,
        )
        db.execute("UPDATE counters SET value = ? WHERE name = 'watches'", (len(rows),))
    return db_path


@pytest.fixture
def upgraded(v1_file: Path, store: SqliteStore) -> SqliteStore:
    """The store, opened on the version-1 file (made first, at the same path)."""
    return store


# --- upgrading a version-1 file ---


async def test_upgrading_a_version_1_file_fills_trigger_cents_and_canonical_last_prices(
    upgraded: SqliteStore, v1_file: Path
) -> None:
    assert user_version(v1_file) == len(MIGRATIONS)
    assert watch_rows(v1_file) == [
        {
            **v1_row(watch),
            "trigger_cents": UPGRADED[watch["id"]][0],
            "last_price": UPGRADED[watch["id"]][1],
            **V6_DEFAULTS,
            **V8_DEFAULTS,
            **V10_DEFAULTS,
            **V12_DEFAULTS,
            **V13_DEFAULTS,
        }
        for watch in V1_WATCHES
    ]


V6_DEFAULTS = {
    "paused_by_user": 0,
    "snoozed_until": None,
    "sleep_crossings": 0,
    "expires_at": None,
    "crossed_from": None,
}
"""What version 6 gives an old watch: awake, no protection window."""
V8_DEFAULTS = {"version": 0}
"""What version 8 gives an old watch: its first version."""
V10_DEFAULTS = {"owner_name": None}
"""What version 10 gives an old watch: its owner's name is not known."""
V12_DEFAULTS = {"user_version": 0}
"""What version 12 gives an old watch: no change of its owner's counted yet, so the
buttons of a card made after the upgrade work."""
V13_DEFAULTS = {"left_at": None, "left_why": None}
"""What version 13 gives an old watch: no one has left."""


async def test_every_watch_reads_back_the_same_after_the_upgrade(upgraded: SqliteStore) -> None:
    assert await listed(upgraded) == [as_read(v1_row(watch)) for watch in V1_WATCHES]


async def test_opening_an_upgraded_file_again_changes_nothing(
    upgraded: SqliteStore, v1_file: Path
) -> None:
    rows = watch_rows(v1_file)
    watches = await listed(upgraded)
    await upgraded.close()

    reopened = SqliteStore(v1_file)
    await reopened.open()
    try:
        assert user_version(v1_file) == len(MIGRATIONS)
        assert watch_rows(v1_file) == rows
        assert await listed(reopened) == watches
        # Ids carry on from the version-1 counter: none is reused.
        added = await reopened.watches.add(new_watch())
        assert added.id == len(V1_WATCHES) + 1
    finally:
        await reopened.close()


async def poll_move(store: SqliteStore, move: PriceMove) -> int:
    """One poll of the move's product, as the poller makes it; returns the new alerts."""
    loaded = await store.watches.for_products([], [move])
    changes = plan_poll(loaded, {move.product_id: move.price}, {}, move.seen_at, [move])
    recorded = await store.watches.record_poll(changes)
    assert not recorded.conflicts
    return recorded.alerts


async def test_after_the_upgrade_a_price_move_fires_a_watch_exactly_once(
    upgraded: SqliteStore,
) -> None:
    # Watch 1 last saw "123.40" in version 1; the poller says 123.40 as a Decimal.
    move = price_move("p-100", previous="123.40", price="100.00")
    before = {watch.id: watch for watch in await listed(upgraded)}

    assert await poll_move(upgraded, move) == 2, "watch 1, and the one awaiting confirmation"
    assert await poll_move(upgraded, move) == 0, "once"

    alerts = await upgraded.outbox.claim_conversation(CONVERSATION, T0, T0)
    [alert] = [alert for alert in alerts if alert.watch_id == 1]
    assert (alert.dedupe_key, alert.status) == ("watch-1-crossing-1", AlertStatus.PENDING)
    # A below watch's alert says the price it fell from: the one before the crossing.
    assert (alert.old_price, alert.new_price) == (Decimal("123.40"), Decimal("100.00"))
    after = {watch.id: watch for watch in await listed(upgraded)}
    assert after[1].state == RuleState(
        armed=False, last_price=Decimal("100"), crossings=1, crossed_from=Decimal("123.4")
    )
    assert before[1].state.last_price == Decimal("123.4")


async def test_a_watch_whose_trigger_is_not_whole_cents_is_left_for_the_poller(
    upgraded: SqliteStore,
) -> None:
    move = price_move("p-300", previous="99.5", price="10")

    assert [watch.id for watch in await upgraded.watches.for_products([], [move])] == [3]
    assert (await upgraded.watches.record_poll(PollChanges(moves=[move]))).alerts == 0
    [watch] = [watch for watch in await listed(upgraded) if watch.id == 3]
    assert watch.state.last_price == Decimal("99.5")


# --- upgrading a version-8 file: alert attempts get an id column ---


@pytest.fixture
def v8_file_with_attempts(db_path: Path) -> Path:
    """A version-8 file holding one alert tried twice (its attempts numbered by rowid)."""
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        for version, step in enumerate(MIGRATIONS[:8], start=1):
            if isinstance(step, str):
                db.executescript(f"BEGIN; {step}; PRAGMA user_version = {version}; COMMIT;")
            else:
                db.execute("BEGIN")
                step(db)
                db.execute(f"PRAGMA user_version = {version}")
                db.execute("COMMIT")
        db.execute(
            "INSERT INTO alerts (id, dedupe_key, conversation_key, watch_id, product_id,"
            " product_name, currency, seen_at, status, next_attempt_at)"
            " VALUES (7, 'watch-1-crossing-1', ?, 1, 'p-100', 'Espresso machine', 'EUR',"
            " ?, 'pending', ?)",
            (CONVERSATION, T0.timestamp(), T0.timestamp()),
        )
        for attempt, error in enumerate(["timeout", "HTTP 503"], start=1):
            # Both at one moment: only the order they were written in tells them apart.
            db.execute(
                "UPDATE alerts SET attempts = ?, last_attempt_at = ?, last_error = ? WHERE id = 7",
                (attempt, T0.timestamp(), error),
            )
    return db_path


async def test_after_the_upgrade_an_alerts_attempts_read_in_the_order_they_were_made(
    v8_file_with_attempts: Path, store: SqliteStore
) -> None:
    await store.outbox.mark_sent([SentMessage([7], T0)])

    assert user_version(v8_file_with_attempts) == len(MIGRATIONS)
    assert [(a.status, a.error) for a in await store.outbox.attempts(7)] == [
        (AlertStatus.PENDING, "timeout"),
        (AlertStatus.PENDING, "HTTP 503"),
        (AlertStatus.SENT, None),
    ]


# --- a new file ---


async def test_a_new_file_is_at_the_latest_version_with_trigger_cents_for_added_watches(
    store: SqliteStore, db_path: Path
) -> None:
    percent = await store.watches.add(new_watch(start="199.99"))
    # 10**15 cents, more than the rules' helpers can make under the app's decimal context.
    huge_rule = Rule(RuleKind.BELOW, Decimal("20000000000000.00"), Decimal("10000000000000.00"))
    huge = await store.watches.add(
        replace(new_watch(product_id="p-200"), rule=huge_rule, state=initial_state(huge_rule))
    )

    assert user_version(db_path) == len(MIGRATIONS)
    assert query(db_path, "SELECT id, trigger_price, trigger_cents FROM watches ORDER BY id") == [
        (percent.id, "159.99", 15999),
        (huge.id, "10000000000000.00", None),
    ]


# --- checkpoints ---


async def test_a_checkpoint_puts_recent_writes_in_the_main_file(
    store: SqliteStore, db_path: Path, tmp_path: Path
) -> None:
    added = [await store.watches.add(new_watch(product_id=f"p-{n}")) for n in range(3)]

    await store.checkpoint()

    alone = main_file_alone(db_path, tmp_path / "alone.sqlite3")
    assert query(alone, "SELECT id, product_id FROM watches ORDER BY id") == [
        (watch.id, watch.product_id) for watch in added
    ]


async def test_the_store_keeps_working_after_a_checkpoint(
    store: SqliteStore, db_path: Path, tmp_path: Path
) -> None:
    first = await store.watches.add(new_watch(product_id="p-1"))
    await store.checkpoint()

    second = await store.watches.add(new_watch(product_id="p-2"))
    etag = await store.bot_state.write("conv", b"document", None)

    assert await store.watches.of_conversation(CONVERSATION) == [first, second]
    assert (await store.bot_state.read(["conv"]))["conv"].etag == etag
    await store.checkpoint()
    alone = main_file_alone(db_path, tmp_path / "alone.sqlite3")
    assert query(alone, "SELECT id FROM watches ORDER BY id") == [(first.id,), (second.id,)]


async def test_commits_leave_a_log_under_the_backstop_to_the_checkpoint(
    store: SqliteStore, db_path: Path, tmp_path: Path
) -> None:
    # SQLite's default would copy the log inside the commit, on the loop, past 1000 pages.
    await store.checkpoint()
    document = b"x" * (1500 * 4096)
    assert len(document) < BACKSTOP_CHECKPOINT_PAGES * 4096
    await store.bot_state.write("big", document, None)

    before = main_file_alone(db_path, tmp_path / "before.sqlite3")
    assert query(before, "SELECT key FROM bot_state") == []

    await store.checkpoint()
    after = main_file_alone(db_path, tmp_path / "after.sqlite3")
    assert query(after, "SELECT key, length(value) FROM bot_state") == [("big", len(document))]


async def test_a_checkpoint_never_creates_a_database_file(db_path: Path) -> None:
    store = SqliteStore(db_path)
    await store.open()
    for file in db_path.parent.iterdir():  # gone from under the running store
        file.unlink()
    try:
        with pytest.raises(sqlite3.OperationalError):
            await store.checkpoint()
        assert list(db_path.parent.iterdir()) == []
    finally:
        await store.close()


async def test_a_closed_store_refuses_to_checkpoint(store: SqliteStore) -> None:
    await store.close()
    with pytest.raises(RuntimeError, match="not open"):
        await store.checkpoint()
