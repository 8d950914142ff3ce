"""What a fleet on one PostgreSQL database relies on, with two or more instances' stores
on one schema: migrations, claims, turn locks and e_tags under concurrency."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain import watch_changes
from domain.polls import PollChanges, PriceMove
from domain.rules import initial_state, percent_rule, plain_move_cents
from domain.watch_changes import priced
from domain.watches import NewWatch, Watch
from outbox.leases import CLAIM_LEASE
from state.interfaces import EtagConflict, JobLease, LeaseLost, Store, StoredChart
from state.postgres import PostgresStore
from state.postgres.migrations import MIGRATIONS
from state.postgres.turn_locks import PostgresTurnLocks, assert_lease
from tests.support.alerts import open_alerts
from tests.support.clock import FakeClock
from tests.support.stores import POSTGRES_URL, run_out_job_leases, second_instance

pytestmark = pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)

CONVERSATION = "emulator/conv-1"


async def test_instances_that_start_at_once_apply_each_migration_once(store: Store) -> None:
    schema = store.schema  # type: ignore[attr-defined]
    # A fresh schema: the store fixture's own is already migrated, so use another.
    fresh = f"{schema}_fresh"
    async with AsyncExitStack() as stack:
        admin = await stack.enter_async_context(second_instance(store))
        await admin.database.pool.execute(f"CREATE SCHEMA {fresh}")
        try:
            fleet = [PostgresStore(POSTGRES_URL, schema=fresh) for _ in range(4)]
            await asyncio.gather(*(instance.open() for instance in fleet))
            for instance in fleet:
                stack.push_async_callback(instance.close)
            versions = await fleet[0].database.pool.fetch(
                "SELECT version FROM schema_version ORDER BY version"
            )
            expected = list(range(1, len(MIGRATIONS) + 1))
            assert [row["version"] for row in versions] == expected
            await asyncio.gather(*(instance.ping() for instance in fleet))
        finally:
            await stack.aclose()
            await store.database.pool.execute(f"DROP SCHEMA {fresh} CASCADE")  # type: ignore[attr-defined]


async def test_a_statement_through_the_pool_is_the_only_thing_sent(store: Store) -> None:
    """asyncpg's pool sent a reset (RESET ALL and more) after every statement by default:
    a second round trip each, as much client CPU as the statement itself."""
    pool = store.database.pool  # type: ignore[attr-defined]
    sent: list[str] = []
    async with pool.acquire() as connection:
        connection.add_query_logger(lambda record: sent.append(record.query))
        async with connection.transaction():
            await connection.execute("SET LOCAL synchronous_commit = off")
        assert await connection.fetchval("SELECT 1") == 1
    assert sent == ["BEGIN;", "SET LOCAL synchronous_commit = off", "COMMIT;", "SELECT 1"]
    assert await pool.fetchval("SHOW synchronous_commit") == "on", "a transaction's own"


async def test_a_turn_that_saves_its_unchanged_reference_writes_nothing(store: Store) -> None:
    """Every turn saves its reference, nearly always the one stored. An upsert that
    declines to update still locked the row: a log record and a commit that waited for
    the disk on every turn. Now the row is not touched; a new reference, or one marked
    unreachable, is still written."""
    pool = store.database.pool  # type: ignore[attr-defined]
    now = FakeClock()()
    stored = {"conversation": {"id": "conv-1"}, "serviceUrl": "https://smba.example/"}
    await store.references.save(CONVERSATION, stored, now)

    async def row_version() -> tuple[str, str]:
        row = await pool.fetchrow(
            "SELECT xmin::text, xmax::text FROM conversations WHERE key = $1", CONVERSATION
        )
        return row["xmin"], row["xmax"]

    before = await row_version()
    await store.references.save(CONVERSATION, stored, now + timedelta(minutes=1))
    assert await row_version() == before, "neither rewritten nor locked"

    moved = {**stored, "serviceUrl": "https://smba2.example/"}
    await store.references.save(CONVERSATION, moved, now + timedelta(minutes=2))
    assert await store.references.get(CONVERSATION) == moved
    await store.references.mark_unreachable(CONVERSATION, now + timedelta(minutes=3))
    await store.references.save(CONVERSATION, moved, now + timedelta(minutes=4))
    assert await store.references.is_reachable(CONVERSATION)


async def test_turn_locks_write_no_log(store: Store) -> None:
    """A turn's lock lives for the turn: taken and given back, two writes a chat turn.
    Unlogged (migration 14), neither writes the log nor waits for the disk; after a crash
    of the database the table starts empty."""
    pool = store.database.pool  # type: ignore[attr-defined]
    persistence = await pool.fetchval(
        "SELECT relpersistence::text FROM pg_class WHERE oid = 'turn_locks'::regclass"
    )
    assert persistence == "u"
    locks = PostgresTurnLocks(store.database)  # type: ignore[attr-defined]
    async with locks.hold(CONVERSATION, wait_seconds=1) as mine:
        assert mine
        async with second_instance(store) as other:
            theirs = PostgresTurnLocks(other.database)  # type: ignore[attr-defined]
            async with theirs.hold(CONVERSATION, wait_seconds=0.1) as taken:
                assert not taken, "still one turn at a time across instances"


async def test_a_price_move_rewrites_its_watches_on_their_own_pages(store: Store) -> None:
    """A move rewrites the state of every watch of its product, in columns no index
    holds. The watches' pages keep room for that (the table's fill factor), so each new
    row version stays on its page (a HOT update) and no index of watches is written; on
    a full page it goes to another, with an entry in every index."""
    clock = FakeClock()
    key = "emulator/in-place"
    await store.watches.add_many([new_watch(key, f"p-{n}", clock()) for n in range(200)])
    pool = store.database.pool  # type: ignore[attr-defined]

    async def pages() -> dict[int, str]:
        rows = await pool.fetch(
            "SELECT id, (ctid::text::point)[0]::text AS page FROM watches "
            "WHERE conversation_key = $1",
            key,
        )
        return {row["id"]: row["page"] for row in rows}

    before = await pages()
    moved = [f"p-{n}" for n in range(0, 200, 20)]
    await store.watches.record_poll(
        PollChanges(moves=[plain_move(p, Decimal(100), Decimal(99), clock()) for p in moved])
    )
    watches = await store.watches.of_conversation(key)
    assert {w.product_id for w in watches if w.state.last_price == Decimal(99)} == set(moved)
    assert await pages() == before


async def test_an_alert_is_kept_once_per_watch_and_event_by_one_index(store: Store) -> None:
    """Migration 12 made the key unique per watch, the conflict every insert names since;
    migration 13 dropped the key's own index a release later, so a poll's thousand new
    alerts write one index fewer, and an alert is still made once."""
    [alert] = await open_alerts(store, CONVERSATION, 1, FakeClock()())
    insert = (
        "INSERT INTO alerts (dedupe_key, conversation_key, watch_id, product_id, product_name,"
        " currency, seen_at, status, next_attempt_at) SELECT $1, $2, $3, 'p-100', 'Headphones',"
        " 'USD', now(), 'pending', now() ON CONFLICT (watch_id, dedupe_key) DO NOTHING"
    )
    pool = store.database.pool  # type: ignore[attr-defined]
    again = await pool.execute(insert, alert.dedupe_key, CONVERSATION, alert.watch_id)
    fresh = await pool.execute(insert, "watch-9-crossing-1", CONVERSATION, 9)
    assert (again, fresh) == ("INSERT 0 0", "INSERT 0 1"), "its alert once, as before"
    unique = await pool.fetch(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'alerts'"
        " AND schemaname = current_schema() AND indexdef LIKE 'CREATE UNIQUE%'"
    )
    assert sorted(row["indexdef"].split(" USING ")[1] for row in unique) == [
        "btree (id)",
        "btree (watch_id, dedupe_key)",
    ]


async def test_instances_claiming_at_once_share_the_alerts_and_never_take_one_twice(
    store: Store,
) -> None:
    clock = FakeClock()
    alerts = await open_alerts(store, CONVERSATION, 40, clock())
    async with second_instance(store) as other:
        lease = clock() + timedelta(seconds=5)
        claims = await asyncio.gather(
            *(
                instance.outbox.claim_due(clock(), lease, 7)
                for instance in (store, other, store, other, store, other, store)
            )
        )

    claimed = [alert.id for batch in claims for alert in batch]
    assert len(claimed) == len(set(claimed)) == len(alerts), "each alert claimed exactly once"


async def test_a_conversation_takes_one_turn_at_a_time_across_instances(store: Store) -> None:
    async with second_instance(store) as other:
        async with store.locks.hold(CONVERSATION, 0) as first:
            async with other.locks.hold(CONVERSATION, 0.2) as second:
                assert (first, second) == (True, False), "busy on the other instance"
            async with other.locks.hold("emulator/another", 0) as unrelated:
                assert unrelated, "other conversations are not held up"
        async with other.locks.hold(CONVERSATION, 0) as after:
            assert after, "free once the first turn ended"


async def test_a_dead_instances_turn_lock_runs_out(store: Store) -> None:
    async with second_instance(store) as other:
        await store.database.pool.execute(  # type: ignore[attr-defined]
            "INSERT INTO turn_locks (conversation_key, holder, until) "
            "VALUES ($1, 'a dead instance', now() - interval '1 second')",
            CONVERSATION,
        )
        async with other.locks.hold(CONVERSATION, 0) as taken:
            assert taken


async def test_a_dead_instances_turn_lock_runs_out_no_later_than_its_alert_claims(
    store: Store,
) -> None:
    """Otherwise the alerts of the conversations it was sending to, back within a claim's
    lease, would wait for their turn locks instead (found by tests/test_fleet.py)."""
    pool = store.database.pool  # type: ignore[attr-defined]
    async with second_instance(store) as other, other.locks.hold(CONVERSATION, 0) as taken:
        assert taken
        left = await pool.fetchval(
            "SELECT until - now() FROM turn_locks WHERE conversation_key = $1", CONVERSATION
        )
    assert timedelta(0) < left <= CLAIM_LEASE


async def test_a_turn_longer_than_its_lock_lease_keeps_the_lock_while_it_runs(
    store: Store,
) -> None:
    database = store.database  # type: ignore[attr-defined]
    async with second_instance(store) as other:
        short = {"lease_seconds": 0.3, "renew_every_seconds": 0.1}
        mine, theirs = (PostgresTurnLocks(db, **short) for db in (database, other.database))
        async with mine.hold(CONVERSATION, 0) as taken:
            assert taken
            async with theirs.hold(CONVERSATION, 1.0) as stolen:
                assert not stolen, "renewed, so still held after three leases"
        async with theirs.hold(CONVERSATION, 0) as after:
            assert after, "given back when the turn ended"


async def test_a_job_lease_is_renewed_by_its_holder_until_another_takes_it_over(
    store: Store,
) -> None:
    async with second_instance(store) as other:
        assert await store.jobs.take("poll", "first", 60)
        assert await other.jobs.renew("poll", "second", 60) is False, "never the second's"
        assert await store.jobs.renew("poll", "first", 60) is True

        await run_out_job_leases(store)
        assert await store.jobs.renew("poll", "first", 60) is True, "run out, but nobody took it"
        await run_out_job_leases(store)
        assert await other.jobs.take("poll", "second", 60)

        assert await store.jobs.renew("poll", "first", 60) is False, "taken over"
        assert await other.jobs.renew("poll", "second", 60) is True


async def test_a_lease_checked_in_a_transaction_is_the_holders_only_while_it_runs(
    store: Store,
) -> None:
    first, second = JobLease("poll", "first"), JobLease("poll", "second")
    database = store.database  # type: ignore[attr-defined]
    async with database.transaction() as db:
        with pytest.raises(LeaseLost, match="'poll' lease is no longer held by 'first'"):
            await assert_lease(db, first)  # never taken
    assert await store.jobs.take("poll", "first", 60)
    async with database.transaction() as db:
        await assert_lease(db, first)
        with pytest.raises(LeaseLost):
            await assert_lease(db, second)
    await run_out_job_leases(store)
    async with database.transaction() as db:
        with pytest.raises(LeaseLost):
            await assert_lease(db, first)


async def test_a_lease_checked_in_a_transaction_is_not_taken_over_before_it_commits(
    store: Store,
) -> None:
    database = store.database  # type: ignore[attr-defined]
    async with second_instance(store) as other:
        lease = 0.2  # real seconds: the lease runs on the database's clock
        assert await store.jobs.take("poll", "first", lease)
        async with database.transaction() as db:
            await assert_lease(db, JobLease("poll", "first"))
            await asyncio.sleep(lease * 1.5)  # the lease runs out before the commit
            taking = asyncio.create_task(other.jobs.take("poll", "second", 60))
            await asyncio.wait({taking}, timeout=0.3)
            assert not taking.done(), "the other instance waits for this commit"
        assert await taking is True, "then takes the lease that ran out"


async def test_the_e_tag_contract_holds_between_instances_writing_at_once(store: Store) -> None:
    etag = await store.bot_state.write("conv", b"v1", None)
    async with second_instance(store) as other:
        results = await asyncio.gather(
            store.bot_state.write("conv", b"from the first", etag),
            other.bot_state.write("conv", b"from the second", etag),
            return_exceptions=True,
        )
        conflicts = [result for result in results if isinstance(result, EtagConflict)]
        [winner] = [result for result in results if isinstance(result, int)]
        assert len(conflicts) == 1, "exactly one writer with the read e_tag wins"
        [record] = (await other.bot_state.read(["conv"])).values()
        assert record.etag == winner and record.value in (b"from the first", b"from the second")


T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
CHART_LIFE = timedelta(days=30)


async def test_another_instance_serves_and_reuses_a_stored_chart(store: Store) -> None:
    stored = await store.charts.put(StoredChart("a" * 32, "p-1", "v1", b"png", T0 + CHART_LIFE), T0)
    async with second_instance(store) as other:
        assert await other.charts.by_token(stored.token, T0 + timedelta(days=1)) == stored
        again = await other.charts.put(
            StoredChart("z" * 32, "p-1", "v1", b"png", T0 + CHART_LIFE), T0 + timedelta(days=1)
        )
        assert again.token == stored.token, "the first instance's chart is reused"


async def test_writers_of_the_same_watches_at_once_never_deadlock(store: Store) -> None:
    """Two polls (a requested one beside the leader's, before the lease stopped that)
    and a user's "pause all" write the same watches at once, each in its own order. The
    writers' lock comes first, so none waits for another in a cycle: PostgreSQL never has
    to abort one as a deadlock."""
    clock = FakeClock()
    key = "emulator/deadlock"
    watches = [await store.watches.add(new_watch(key, f"p-{n % 7}", clock())) for n in range(120)]
    async with second_instance(store) as other:
        for round_ in range(8):
            fresh = list((await store.watches.by_ids([w.id for w in watches])).values())
            forward = poll_changes(fresh, clock())
            backward = poll_changes(list(reversed(fresh)), clock())
            results = await asyncio.gather(
                store.watches.record_poll(forward),
                other.watches.record_poll(backward),
                other.watches.change(key, None, watch_changes.pause(clock())),
                return_exceptions=True,
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            assert errors == [], f"round {round_}: {errors}"
            await store.watches.change(key, None, watch_changes.resume(clock()))


async def test_a_polls_bulk_moves_and_a_users_pause_all_never_deadlock(store: Store) -> None:
    """A poll's plain moves write every follower of each product in bulk, product by
    product, so in no id order; two of them (one per instance) and a user's "pause all"
    at once still never wait on each other in a cycle."""
    clock = FakeClock()
    key = "emulator/deadlock-moves"
    for n in range(120):
        await store.watches.add(new_watch(key, f"p-{n % 7}", clock()))
    price = Decimal(100)
    async with second_instance(store) as other:
        for round_ in range(8):
            moves = [plain_move(f"p-{n}", price, price - 1, clock()) for n in range(7)]
            results = await asyncio.gather(
                store.watches.record_poll(PollChanges(moves=moves)),
                other.watches.record_poll(PollChanges(moves=list(reversed(moves)))),
                other.watches.change(key, None, watch_changes.pause(clock())),
                return_exceptions=True,
            )
            errors = [r for r in results if isinstance(r, BaseException)]
            assert errors == [], f"round {round_}: {errors}"
            watches = await store.watches.of_conversation(key)
            assert {w.state.last_price for w in watches} == {price - 1}
            assert all(w.paused_by_user for w in watches)
            await store.watches.change(key, None, watch_changes.resume(clock()))
            price -= 1


async def test_a_card_pressed_on_two_instances_at_once_changes_the_watch_once(
    store: Store,
) -> None:
    """A double click that reaches two instances (each took its press past the turn
    lock's wait): the store decides, on the row it locks, that only one is the card's."""
    clock = FakeClock()
    watch = await store.watches.add(new_watch(CONVERSATION, "p-1", clock()))
    tomorrow = clock() + timedelta(days=1)
    snooze = watch_changes.as_card_showed(
        watch.user_version, watch_changes.snooze(tomorrow, clock())
    )
    async with second_instance(store) as other:
        presses = await asyncio.gather(
            *(
                instance.watches.change(CONVERSATION, watch.id, snooze)
                for instance in (store, other, store, other)
            )
        )

    applied = [change for [change] in presses if change.writes]
    assert len(applied) == 1, "one press changed the watch; the others found it changed"
    [now] = (await store.watches.by_ids([watch.id])).values()
    assert now.user_version == watch.user_version + 1 and now.snoozed_until == tomorrow
    events = await store.events.of_watch(watch.id, 10)
    assert sum(event.kind.value == "snoozed" for event in events) == 1


def plain_move(product_id: str, previous: Decimal, price: Decimal, now: datetime) -> PriceMove:
    cents = plain_move_cents(previous, price)
    assert cents is not None
    return PriceMove(product_id, previous, price, cents, now)


def new_watch(key: str, product_id: str, now: datetime) -> NewWatch:
    rule = percent_rule(Decimal("100"), Decimal(20))
    return NewWatch(key, "user-1", product_id, "Kettle", "USD", rule, initial_state(rule), now)


def poll_changes(watches: list[Watch], now: datetime) -> PollChanges:
    """A poll that sees every watch's product at a new price, watch by watch."""
    price = Decimal(99) if watches[0].state.last_price != Decimal(99) else Decimal(98)
    return PollChanges(changes=[priced(watch, price, 0, now) for watch in watches])
