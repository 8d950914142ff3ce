"""`make bench`: run every benchmark, print the table, write BENCHMARKS.md.

python -m bench            full size (a few minutes)
python -m bench --small    the same benchmarks at toy sizes (what the tests run)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

from bench import (
    bare_turn,
    chat_turns,
    fanout,
    fleet_fanout,
    head_of_line,
    history,
    memory,
    outage,
    page_reading,
    page_schedule,
    pg_drivers,
    poll_scale,
    raw_post,
    sql_layer,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    conversations: int
    paced_per_second: int
    products: int
    watches: int
    chat_messages: int
    chat_pairs: int
    outage_conversations: int
    outage_seconds: float
    charts: int = 100
    history_products: int = 10_000
    history_days: int = 30
    history_points: int = 300_000
    shop_pages: int = 10_000
    shop_hosts: int = 100


FULL = Sizes(
    conversations=1000,
    paced_per_second=30,
    products=10_000,
    watches=100_000,
    chat_messages=4000,
    chat_pairs=chat_turns.PAIRS,
    outage_conversations=200,
    outage_seconds=30,
)
SMALL = Sizes(
    conversations=30,
    paced_per_second=10,
    products=500,
    watches=5_000,
    chat_messages=160,
    chat_pairs=1,
    outage_conversations=20,
    outage_seconds=2,
    charts=10,
    history_products=200,
    history_days=5,
    history_points=5_000,
    shop_pages=200,
    shop_hosts=4,
)


@dataclass(frozen=True)
class Row:
    benchmark: str
    result: str
    target: str
    met: bool


SHORT_RUNS = 5
"""Runs of each fan-out that takes a second or so (ours, the fleet's), their median
reported: a second of CPU on a shared VM is at the mercy of its moment (one run of ours
gave 0.78 ms an alert, the next 1.13 ms; five in a row on 2026-12-07, 1.15 to 1.84 ms),
where the seed loop's half minute averages it out. The median of three still moved by a
sixth between two runs of the bench an hour apart on the same code."""


Run = TypeVar("Run", fanout.FanOutResult, fleet_fanout.FleetFanOutResult)


async def _median_run(
    run: Callable[[Path], Awaitable[Run]], work_dir: Path, name: str, *counts: str
) -> Run:
    """`SHORT_RUNS` runs of a fan-out, each in a directory of its own (its database, its
    logs): the first, with the median of their seconds and CPU, and the fewest any run
    had of `delivered` and each of `counts`, so a run that lost an alert shows."""
    runs = [await run(_fresh(work_dir, f"{name}-{n}")) for n in range(SHORT_RUNS)]
    fewest = {field: min(getattr(one, field) for one in runs) for field in ("delivered", *counts)}
    return replace(
        runs[0],
        seconds=statistics.median(one.seconds for one in runs),
        cpu_ms_per_alert=statistics.median(one.cpu_ms_per_alert for one in runs),
        **fewest,
    )


async def _our_fan_out(conversations: int, work_dir: Path) -> fanout.FanOutResult:
    return await _median_run(
        lambda run_dir: fanout.run_pricewatch(conversations, run_dir),
        work_dir,
        "fan-out",
        "cards",
        "charts",
    )


def _chat_side(side: chat_turns.ChatResult) -> str:
    return f"{side.per_second:.0f}/s (p50 {side.p50_ms:.0f} ms, p99 {side.p99_ms:.0f} ms)"


def _pairs(chat: chat_turns.ChatComparison) -> str:
    """How a chat comparison's ratio was taken."""
    if chat.pairs == 1:
        return "one run of each, back to back"
    return f"median of {chat.pairs} pairs of runs back to back; each side's medians shown"


def _fresh(work_dir: Path, name: str) -> Path:
    """A directory of its own for one run (its database file, its logs)."""
    run_dir = work_dir / name
    run_dir.mkdir()
    return run_dir


async def _seed_around(
    ours: Callable[[], Awaitable[fanout.FanOutResult]], conversations: int, work_dir: Path
) -> tuple[fanout.FanOutResult, fanout.FanOutResult]:
    """Our fan-out, and the seed loop's run just before it and just after, as one: the
    mean of the two runs' seconds and CPU, and the fewer alerts either delivered. This
    machine's speed drifts by a sixth within minutes; two runs that bracket ours see it
    as ours did, where one run before saw only where it started."""
    before = await fanout.run_reference(conversations, _fresh(work_dir, "seed-before"))
    result = await ours()
    after = await fanout.run_reference(conversations, _fresh(work_dir, "seed-after"))
    seed = replace(
        before,
        seconds=statistics.mean((before.seconds, after.seconds)),
        cpu_ms_per_alert=statistics.mean((before.cpu_ms_per_alert, after.cpu_ms_per_alert)),
        delivered=min(before.delivered, after.delivered),
    )
    return result, seed


async def run_all(sizes: Sizes, work_dir: Path) -> list[Row]:
    ours, seed = await _seed_around(
        lambda: _our_fan_out(sizes.conversations, work_dir), sizes.conversations, work_dir
    )
    speedup = seed.seconds / ours.seconds
    if ours.sample is None:
        raise RuntimeError("the fan-out's channel kept no alert to compare a raw POST with")
    raw = await raw_post.run(ours.sample, sizes.conversations, work_dir)
    bare = await bare_turn.run(ours.sample, sizes.conversations, work_dir)
    paced = await head_of_line.run(sizes.conversations, sizes.paced_per_second, work_dir)
    poll = await poll_scale.run(sizes.products, sizes.watches, work_dir)
    chat = await chat_turns.compare("sqlite", sizes.chat_messages, work_dir, sizes.chat_pairs)
    rss = await memory.run(sizes.products, sizes.watches, work_dir)
    return [
        *_sqlite_rows(ours, seed, speedup, raw, bare, paced, poll, chat, rss),
        *await _postgres_rows(sizes, work_dir, seed),
        *await _history_rows(sizes, work_dir),
        *await _sql_layer_rows(work_dir),
        _page_reading_row(page_reading.run(rounds=20 if sizes is FULL else 3)),
        *[
            _page_schedule_row(
                await page_schedule.run(work_dir, sizes.shop_pages, sizes.shop_hosts, backend=b)
            )
            for b in ("sqlite", "postgres")
        ],
    ]


def _page_schedule_row(result: page_schedule.ScheduleResult) -> Row:
    """Shop pages at scale (bench/page_schedule.py)."""
    return Row(
        f"{result.backend}: {result.pages:,} shop pages on {result.hosts} hosts, fetched every"
        f" {result.interval_seconds / 3600:g} h, two simulated hours",
        f"per host at most {result.max_in_flight_per_host} request in flight, at least"
        f" {result.min_gap_seconds:.0f} s apart; {result.fetched_first_hour:,} then"
        f" {result.fetched_second_hour:,} fetched an hour; 304s"
        f" {result.share_304_second_hour:.0%} (nothing changed); CPU"
        f" {result.cpu_ms_per_page:.2f} ms a fetch (shop included),"
        f" {result.poll_cpu_ms_per_page * 1000:.0f} us a page in a quiet poll;"
        f" {result.failures} failed",
        "1 in flight, gap held, all 304",
        result.max_in_flight_per_host == 1
        and result.min_gap_seconds >= page_schedule.GAP_SECONDS
        and result.share_304_second_hour == 1.0
        and result.failures == 0,
    )


def _page_reading_row(cost: page_reading.ReadingCost) -> Row:
    """CPU to read one shop page (bench/page_reading.py)."""
    kinds = list(cost.ours_ms)
    return Row(
        f"Shop page read: CPU per page of {cost.page_kb:.0f} KB ({' / '.join(kinds)})",
        "selectolax (ours) "
        + " / ".join(f"{cost.ours_ms[kind]:.1f} ms" for kind in kinds)
        + " vs extruct, same three syntaxes, "
        + " / ".join(f"{cost.extruct_ms[kind]:.1f} ms" for kind in kinds)
        + f"; extruct with every syntax {cost.extruct_all_ms:.0f} ms; html.parser only"
        f" tokenizing {cost.stdlib_tokenize_ms:.1f} ms",
        "<= 20 ms",
        max(cost.ours_ms.values()) <= 20,
    )


async def _sql_layer_rows(work_dir: Path) -> list[Row]:
    """Queries written once: our layer (state/sql/) next to SQLAlchemy Core and the
    driver alone (bench/sql_layer.py)."""
    results = await sql_layer.run(work_dir)
    ops = [f"{op} x{sql_layer.CONCURRENCY}" for op in sql_layer.OPS]
    return [
        Row(
            f"{backend}: client CPU per chat turn (state read + e_tag write) / keyed read /"
            f" {sql_layer.BULK_ROWS}-row insert, {sql_layer.CONCURRENCY} at once",
            " vs ".join(
                f"{result.layer} " + " / ".join(f"{result.cpu_us_per_op[op]:.0f} us" for op in ops)
                for result in results
                if result.backend == backend
            ),
            "(the choice)",
            True,
        )
        for backend in ("SQLite", "PostgreSQL")
    ]


async def _history_rows(sizes: Sizes, work_dir: Path) -> list[Row]:
    """Charts and price history (bench/history.py)."""
    cost = await history.chart_cost(work_dir, sizes.charts)
    storage = await history.storage_cost(work_dir, sizes.history_products, sizes.history_days)
    stall = await history.history_stall(work_dir, sizes.history_points)
    return [
        history_stall_row(stall),
        Row(
            f"Charts: a poll with {cost.charts} products dropping (one chart each, asked for"
            " by 10 alerts each at once)",
            f"{cost.cpu_ms_per_chart:.0f} ms CPU per chart; {cost.poll_wall_ms:.0f} ms wall for"
            f" the poll's {cost.charts} on {history.CHART_THREADS} threads"
            f" ({cost.poll_cpu_ms:.0f} ms CPU, store included); {cost.mean_bytes / 1024:.1f} KB"
            " a PNG",
            "one render per product, < 20 KB",
            cost.mean_bytes < 20_000,
        ),
        *(
            Row(
                f"{result.backend}: price history per 10,000 products per year of changes"
                f" ({history.CHANGES_PER_DAY} change a product a day)",
                f"{result.bytes_per_row:.0f} bytes a row measured over {result.rows:,} rows:"
                f" **{result.mb_per_year:.0f} MB a year** (extrapolated from the measured"
                " bytes per row)",
                "(context)",
                True,
            )
            for result in storage
        ),
    ]


def history_stall_row(stall: history.HistoryStall) -> Row:
    return Row(
        f"`history X 365d` over {stall.points:,} points, {stall.at_once} at once (each its own"
        " product): the event loop's longest stall",
        f"**{stall.longest_stall_ms:.0f} ms**; answered in {stall.first_seconds:.2f} s"
        f" (the database's summary off the loop, charts on {history.CHART_THREADS} threads),"
        f" {stall.again_seconds * 1000:.0f} ms asked again (cached)",
        "< 50 ms",
        stall.longest_stall_ms < 50,
    )


def _sqlite_rows(
    ours: fanout.FanOutResult,
    seed: fanout.FanOutResult,
    speedup: float,
    raw: raw_post.RawPostResult,
    bare: bare_turn.BareTurnResult,
    paced: head_of_line.HeadOfLineResult,
    poll: poll_scale.PollScaleResult,
    chat: chat_turns.ChatComparison,
    rss: memory.MemoryResult,
) -> list[Row]:
    return [
        Row(
            f"Fan-out, {ours.conversations} conversations: feed change to last alert",
            f"{ours.seconds:.2f} s ({ours.delivered} delivered; median of {SHORT_RUNS} runs) vs"
            f" seed loop {seed.seconds:.2f} s ({seed.delivered}; mean of a run before ours"
            f" and one after): **{speedup:.1f}x**",
            ">= 25x",
            speedup >= 25 and ours.delivered == ours.conversations,
        ),
        Row(
            "Fan-out: CPU per alert delivered, through the full turn, against the seed"
            " loop's and a raw POST of the same activity (`bench/raw_post.py`)",
            f"{ours.cpu_ms_per_alert:.2f} ms (median of {SHORT_RUNS} runs):"
            f" **{ours.cpu_ms_per_alert / seed.cpu_ms_per_alert:.3f}x**"
            f" the seed loop's {seed.cpu_ms_per_alert:.2f} ms,"
            f" **{ours.cpu_ms_per_alert / raw.cpu_ms_per_send:.1f}x** a raw POST's"
            f" {raw.cpu_ms_per_send:.2f} ms ({raw.delivered} of {raw.sends} posted)",
            "<= 0.06x seed, <= 5x raw POST",
            ours.cpu_ms_per_alert <= 0.06 * seed.cpu_ms_per_alert
            and ours.cpu_ms_per_alert <= 5 * raw.cpu_ms_per_send
            and raw.delivered == raw.sends,
        ),
        Row(
            "Fan-out: the floor under an alert's turn, a proactive turn through the same"
            " adapter and connector that only sends that activity (`bench/bare_turn.py`)",
            f"{bare.cpu_ms_per_turn:.2f} ms a turn"
            f" ({bare.cpu_ms_per_turn / seed.cpu_ms_per_alert:.3f}x the seed loop's,"
            f" {bare.cpu_ms_per_turn / raw.cpu_ms_per_send:.1f}x a raw POST's;"
            f" {bare.delivered} of {bare.turns + bare_turn.WARM_UP} posted): an alert's"
            f" own work is the other {ours.cpu_ms_per_alert - bare.cpu_ms_per_turn:.2f} ms",
            "(context)",
            bare.delivered == bare.turns + bare_turn.WARM_UP,
        ),
        Row(
            f"Head of line: {paced.conversations} alerts on one channel paced at"
            f" {paced.per_second}/s while one alert to another channel is due: that alert's delay",
            f"**{paced.delay_seconds:.2f} s** (fan-out {paced.fan_out_seconds:.1f} s;"
            f" {paced.alerts} alerts to {paced.delivered} of {paced.conversations + 1}"
            " conversations)",
            "< 2 s",
            paced.delay_seconds < 2 and paced.all_delivered,
        ),
        Row(
            "Memory: RSS per 1000 queued alerts (the head-of-line fan-out, its alerts claimed"
            " and waiting for the channel's pace)",
            f"{paced.mb_per_1000_queued:.1f} MB ({paced.idle_rss_mb:.0f} MB before the drop ->"
            f" {paced.queued_rss_mb:.0f} MB with {paced.queued} queued)",
            "(measured)",
            paced.queued > 0,
        ),
        Row(
            f"Poll, {poll.products:,} products / {poll.watches:,} watches, 1% drop",
            f"tick {poll.drop_tick_seconds * 1000:.0f} ms vs fetch alone"
            f" {poll.fetch_floor_seconds * 1000:.0f} ms: **{poll.drop_tick_over_floor:.2f}x**"
            f" (median of {poll.rounds} paired rounds);"
            f" {poll.alerts} alerts of {poll.expected_alerts} expected",
            "<= 1.5x, exact count",
            poll.drop_tick_over_floor <= 1.5 and poll.alerts == poll.expected_alerts,
        ),
        Row(
            "Poll: quiet tick (no price moved) / first tick after a restart / first tick ever",
            f"{poll.quiet_tick_seconds * 1000:.0f} ms"
            f" ({poll.quiet_tick_seconds / poll.fetch_floor_seconds:.2f}x fetch)"
            f" / {poll.restart_tick_seconds * 1000:.0f} ms"
            f" / {poll.first_tick_seconds * 1000:.0f} ms (every watch's first look)",
            "(context)",
            True,
        ),
        Row(
            f"Chat turns ({chat.ours.messages} messages, {chat_turns.USERS} users)",
            f"SQLite {_chat_side(chat.ours)} vs MemoryStorage {_chat_side(chat.memory)}:"
            f" **{chat.ratio:.2f}** ({_pairs(chat)})",
            ">= 0.8",
            chat.ratio >= 0.8,
        ),
        Row(
            f"Memory: RSS with {rss.watches:,} watches minus empty",
            f"{rss.difference_mb:.1f} MB ({rss.empty_mb:.0f} MB -> {rss.loaded_mb:.0f} MB)",
            "<= 50 MB",
            rss.difference_mb <= 50,
        ),
    ]


async def _postgres_rows(sizes: Sizes, work_dir: Path, seed: fanout.FanOutResult) -> list[Row]:
    """The same app with DATABASE_URL on the machine's PostgreSQL (bench/databases.py)."""
    poll = await poll_scale.run(sizes.products, sizes.watches, work_dir, backend="postgres")
    fleet = await _median_run(
        lambda run_dir: fleet_fanout.run(sizes.conversations, run_dir), work_dir, "fleet"
    )
    chat = await chat_turns.compare("postgres", sizes.chat_messages, work_dir, sizes.chat_pairs)
    gone = await outage.run(sizes.outage_conversations, work_dir, sizes.outage_seconds)
    drivers = {result.driver: result for result in await pg_drivers.run()}
    speedup = seed.seconds / fleet.seconds
    return [
        Row(
            f"PostgreSQL: poll, {poll.products:,} products / {poll.watches:,} watches, 1% drop",
            f"tick {poll.drop_tick_seconds * 1000:.0f} ms vs fetch alone"
            f" {poll.fetch_floor_seconds * 1000:.0f} ms: **{poll.drop_tick_over_floor:.2f}x**"
            f" (median of {poll.rounds} paired rounds); {poll.alerts} alerts of"
            f" {poll.expected_alerts} expected; quiet tick {poll.quiet_tick_seconds * 1000:.0f} ms",
            "<= 2.0x, exact count",
            poll.drop_tick_over_floor <= 2.0 and poll.alerts == poll.expected_alerts,
        ),
        Row(
            f"PostgreSQL: fan-out to {fleet.conversations} conversations by a fleet of"
            f" {fleet.instances}",
            f"{fleet.seconds:.2f} s ({fleet.delivered} delivered; median of {SHORT_RUNS} runs)"
            " vs seed loop"
            f" {seed.seconds:.2f} s: **{speedup:.1f}x**; CPU {fleet.cpu_ms_per_alert:.2f} ms"
            " per alert, the three bot processes together",
            ">= 10x",
            speedup >= 10 and fleet.delivered == fleet.conversations,
        ),
        Row(
            f"PostgreSQL: chat turns ({chat.ours.messages} messages, {chat_turns.USERS} users)",
            f"{_chat_side(chat.ours)} vs MemoryStorage {_chat_side(chat.memory)}:"
            f" **{chat.ratio:.2f}** ({_pairs(chat)})",
            ">= 0.7",
            chat.ratio >= 0.7,
        ),
        Row(
            f"PostgreSQL: the database away for {gone.outage_seconds:.0f} s mid fan-out"
            f" ({gone.expected} alerts to {gone.conversations} conversations)",
            f"{gone.delivered} of {gone.expected} delivered, {gone.duplicates} twice (bound:"
            f" {gone.in_flight_bound} turns in flight); last alert"
            f" {gone.recovered_seconds:.1f} s after the database returned; /healthz"
            f" {'503' if gone.unhealthy_during else '200'} while away;"
            f" {'the same process, no restart' if gone.same_process else '**restarted**'}",
            "none lost, recovers without a restart",
            gone.delivered == gone.expected
            and gone.duplicates <= gone.in_flight_bound
            and gone.same_process,
        ),
        Row(
            "PostgreSQL driver: client CPU per statement, 16 at once (read / e_tag upsert /"
            " batch of 100 rows)",
            " vs ".join(
                f"{name} "
                + " / ".join(
                    f"{result.cpu_us_per_op[f'{op} x{pg_drivers.CONCURRENCY}']:.0f} us"
                    for op in ("read", "upsert", "batch of 100")
                )
                for name, result in drivers.items()
            ),
            "(the choice)",
            True,
        ),
    ]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = 0
    try:
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}),"
        f" {memory_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"
    )


def table(rows: list[Row]) -> str:
    lines = ["| benchmark | result | target | met |", "|---|---|---|---|"]
    lines += [
        f"| {r.benchmark} | {r.result} | {r.target} | {'yes' if r.met else '**no**'} |"
        for r in rows
    ]
    return "\n".join(lines)


def report(rows: list[Row], command: str) -> str:
    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
            f"Command: `{command}`. Every benchmark runs the real app as its own process on",
            "loopback, with a stand-in channel (20 ms latency for the fan-out, none for chat)",
            "and a stand-in feed in processes of their own; see `bench/`. This machine's",
            "speed drifts between runs: the same benchmarks set against round 3's start in",
            "one run, back to back, are in BENCHMARKS-versus.md (`make versus`).",
            "",
            table(rows),
            "",
            "How each figure is taken:",
            "",
            "- **Fan-out**: N conversations each made a watch by chat; the app polls every",
            "  second (`POLL_INTERVAL_SECONDS=1`, `DELIVERY_MAX_PER_SECOND=0`). Clock starts",
            "  at the admin price change, followed at once by `/api/notify` (a poll on",
            "  request, as the seed's trigger is its notify), and stops at the channel's last",
            "  alert: the poll, the claim and every turn, without the 0 to 1 s wait for the",
            "  next scheduled poll, which depends on where the change falls between two polls",
            "  (and, since a poll on request counts as its interval's poll, made the row wait",
            "  a whole interval). CPU is the app process's user+system time over that window, per",
            "  alert. Ours runs five times, each over a database of its own, and each figure",
            "  is the median (`SHORT_RUNS`: a run takes about a second, at the mercy of a",
            "  shared VM's moment); so does the fleet's. The seed loop",
            "  (`bench/reference_bot.py`) keeps references in memory and calls",
            "  `continue_conversation` in a sequential loop, as the seed's notify did. It runs",
            "  just before our five runs and just after them, and its figures are the mean of",
            "  the two: the machine's speed drifts within minutes, and the two runs see the",
            "  drift our runs saw.",
            "  The raw POST (`bench/raw_post.py`) sends the first alert the channel received,",
            "  as it was received, to the same stand-in channel N times from the benchmark's",
            "  own process (JSON encoding and an aiohttp POST, as many at once as the app's",
            f"  turns in flight ({raw_post.CONCURRENCY}), nothing else): the",
            "  floor under an alert's CPU. The bare turn (`bench/bare_turn.py`) sends that",
            "  activity N times from proactive turns in the benchmark's own process, through",
            "  the app's adapter, pooled connector and direct sends, and nothing else: the",
            "  SDK's turn is what it costs over the raw POST, and an alert's own work (state,",
            "  watches, card, bookkeeping, its share of the poll) what the fan-out costs over",
            "  it. Where that CPU goes: `make profile` (py-spy through a",
            "  fan-out of 2000) writes `artifacts/profile/fanout.svg` and `fanout.txt`; the same",
            "  run on the code before this round's CPU work is `fanout-before.svg` / `.txt`.",
            "- **Head of line**: N conversations on channel `emulator` watch the headphones,",
            "  one on `webchat` (another channel key: channel id + tenant) the espresso",
            "  machine; `DELIVERY_MAX_PER_SECOND` (the limit per channel key) paces the N.",
            "  The headphones drop; once a tenth of their alerts have reached the channel,",
            "  the espresso machine drops too. The delay runs from that second admin price",
            "  change to its alert at the channel (the poll wait included); the fan-out from",
            "  the first change to the last headphones alert. Met needs exactly N + 1 alerts,",
            "  one to each conversation.",
            "- **Poll**: the Poller against a feed process serving that many products. Each",
            "  round drops a different 1% of the products by half, so every watch of theirs",
            "  fires. The I/O floor is `HttpPriceFeed.prices()` for the same ids, fetched",
            "  just before and just after each drop tick; the ratio is the median over rounds",
            "  of each tick over its own two fetches, so the two sides of a pair see the same",
            "  machine (this one is a shared VM whose speed drifts). Times are medians. Between",
            "  rounds the store checkpoints its log, as the app's `checkpoint` job does.",
            "- **Chat**: each user alternates `watch` (a dialog starts) and `cancel`, so every",
            "  turn reads and writes conversation state; same app, state on SQLite (or",
            "  PostgreSQL) or in botbuilder's MemoryStorage (`bench/memory_state_app.py`). The",
            "  two run back to back, in turns, three times over (`chat_turns.PAIRS`); the ratio",
            "  is the median of each pair's, so the two sides of a pair see the same machine",
            "  (two runs of PostgreSQL's a minute apart, on the same code, came to 0.61 and",
            "  0.82 of one MemoryStorage run).",
            "- **Memory**: RSS of the app after two polls, with an empty database and with",
            "  the watches (the first poll over a new database evaluates every one). Per",
            "  queued alert: the head-of-line run's app, its RSS once its conversations are",
            "  made and polled, and again once a tenth of the paced alerts have arrived (the",
            "  rest claimed and waiting for the pace), over the alerts not yet arrived.",
            "- **PostgreSQL rows**: the same app with `DATABASE_URL` on the machine's",
            "  PostgreSQL 15, each in a scratch database made and dropped for it",
            "  (`bench/databases.py`). The poll is the SQLite row's, over PostgresStore;",
            "  its watches are bulk-imported, then analysed, as a real database would have",
            "  been by autovacuum. The fleet's fan-out: 3 instances of `app.py` on one",
            "  database and one shared feed process, conversations opened round-robin over",
            "  them, one price drop; CPU is the three processes' together. The outage: one",
            "  instance reaches the database through a TCP proxy that is cut (every",
            "  connection closed, new ones refused) once a quarter of a fan-out has",
            "  arrived, with a second price drop while it is away; counted are distinct",
            "  (conversation, product) alerts at the channel and any that came twice. The",
            "  driver row runs a keyed read, an e_tag upsert and a 100-row array update",
            "  through each driver's pool (`bench/pg_drivers.py`); asyncpg takes less of",
            "  our CPU for each, which is why the store uses it. Its pool is made as the",
            "  store's is: asyncpg's default sends a reset (RESET ALL and more) when a",
            "  connection goes back, a second round trip per statement that took as much",
            "  client CPU as the statement (160 to 250 us against 111 to 115 us a keyed",
            "  read, 16 at once); nothing of ours outlives its transaction, so the store's",
            "  pool sends none.",
            "- **Queries written once** (`bench/sql_layer.py`): a chat turn's bot state",
            "  read and e_tag write, a keyed reference read and a 100-row insert in a",
            "  transaction, through the driver alone (the store before `state/sql/`), our",
            "  layer, and SQLAlchemy Core 2.x (AUTOCOMMIT for single statements; on SQLite",
            "  its sync engine on the loop's thread and its aiosqlite engine); CPU is this",
            "  process's, threads included. SQLAlchemy cost more than 10% of a chat turn on",
            "  both backends, so the store's queries run on our own layer.",
            "",
            "- **Charts**: 100 products with 90 days of daily changes each, in a SQLite store;",
            "  10 `ChartService.url_for` calls per product at once, as 1,000 alerts of one",
            "  poll would make them: one render per product on 2 render threads. CPU per",
            "  chart is the render thread's own; wall and CPU for the poll are the process's.",
            "- **Price history**: polls of that many products, a day apart, each at a new",
            "  price (about 3% of them null, a run of nulls being one row); bytes per row",
            "  from the SQLite file's pages after VACUUM, and from PostgreSQL's",
            "  `pg_total_relation_size` (table, primary key index, TOAST) after VACUUM. The",
            "  yearly figure multiplies that by 10,000 products x 365 days x the stated",
            "  change rate: extrapolated, not measured over a year.",
            "",
            "- **Shop page read** (`bench/page_reading.py`): `shops/reading.read_page` on",
            "  pages grown to about 300 KB as real themes are (product cards nested ten deep",
            "  with classes, srcsets and inline SVG, microdata breadcrumbs, a large inline",
            "  script; `bench/shop_pages.py` `huge`): JSON-LD in the head, microdata (read",
            "  only after JSON-LD gives nothing), and a German microdata page (`1.226,00 €`).",
            "  CPU per read by `time.process_time`, the best of three runs. extruct is asked",
            "  for the same three syntaxes with `uniform=True` (it still leaves the reading of",
            "  offers, `content` first, `@graph` and variants to us), and as it comes, every",
            "  syntax (RDFa through rdflib is what costs). html.parser only tokenizing the",
            "  page is the floor of a reader written on the standard library: already over",
            "  the target. So the reader is on selectolax (Lexbor), with one walk for the",
            "  `<meta>` tags and one CSS query per syntax.",
            "",
            "- **Shop pages at scale** (`bench/page_schedule.py`): that many page products",
            "  on one stand-in shop that answers for 100 host names, each with a watch, as a",
            "  running bot has them (read before with the shop's ETag, next fetches spread over",
            "  the hour). The `pages` job runs every 10 s for two simulated hours (the",
            "  fetcher's gate and the store's due times read the simulated clock; every fetch",
            "  is a real request on loopback). The stand-in counts requests in flight per",
            "  Host and when each started; nothing changes at the shop, so every page fetch",
            "  should be a 304. CPU is this process's over the job's ticks, the stand-in's",
            "  answers included (it runs in the same process). The quiet poll is a",
            "  `Poller.tick` over every page product after their first look.",
            "",
            "What the poll needed (it was 3.17x the fetch before; each step measured here",
            "while it was made):",
            "",
            "- **Plain moves in bulk**: a product whose price moved, not by a huge drop, has",
            "  its ordinary watches evaluated by two SQL statements (alerts, then states)",
            "  comparing whole cents as integers, instead of ~40 us of Python per watch;",
            "  only odd watches (paused, awaiting confirmation, another last price) are",
            "  loaded. Last prices are stored as one text per value, so `123.40` and",
            "  `123.4` match.",
            "- **One evaluation per tick**, after the fetch: evaluating batch by batch",
            "  during it saved nothing, because the fetch is CPU-bound in this process (its",
            "  CPU time equals its wall time: about 2.3 us per price, a third of it checking",
            "  each price), and cost a transaction per batch: 1.9x became 1.5x.",
            "- **Checkpoints off the loop**: SQLite copied its log into the file inside",
            "  every fourth drop tick's commit (a 9 ms commit became 27 ms); a job now does",
            "  it on a worker thread every 5 s.",
            "- **A bigger page cache** than SQLite's 2 MB: 1.52x became 1.39x at 32 MB in",
            "  rounds alternating the two. 32 MB held the whole 22 MB file once the first",
            "  look had read every watch, 13 MB of the app's memory; 8 MB is as fast",
            "  (alternating runs: 1.46x and 1.46x at 8 MB, 1.49x and 1.39x at 32 MB), as the",
            "  pages a drop touches fit and the rest come from the kernel's cache.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="toy sizes, for the tests")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    sizes = SMALL if args.small else FULL
    with tempfile.TemporaryDirectory(prefix="pricewatch-bench-") as work:
        rows = asyncio.run(run_all(sizes, Path(work)))
    command = "make bench" if not args.small else "python -m bench --small"
    text = report(rows, command)
    print(table(rows))
    if not args.small or args.output != ROOT / "BENCHMARKS.md":
        args.output.write_text(text)
        print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
