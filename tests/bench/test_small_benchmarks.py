"""Each benchmark at toy size, so `make bench` cannot rot: it runs and the numbers are sane."""

from __future__ import annotations

from pathlib import Path

import pytest

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
from bench.__main__ import SHORT_RUNS, _our_fan_out


async def test_fan_out_delivers_every_alert_and_beats_the_seed_loop(tmp_path: Path) -> None:
    ours = await fanout.run_pricewatch(20, tmp_path)
    seed = await fanout.run_reference(20, tmp_path)
    assert ours.delivered == 20 and seed.delivered == 20
    assert ours.cards == 20, "every alert a card"
    assert 0 < ours.cpu_ms_per_alert < 100 and 0 < ours.seconds < 30
    assert seed.seconds > 20 * fanout.CHANNEL_LATENCY_MS / 1000, "the seed loop is sequential"
    assert ours.sample is not None and ours.sample["attachments"], "an alert as it was sent"
    raw = await raw_post.run(ours.sample, 20, tmp_path)
    assert raw.delivered == 20 and 0 < raw.cpu_ms_per_send < ours.cpu_ms_per_alert
    bare = await bare_turn.run(ours.sample, 20, tmp_path)
    assert bare.delivered == 20 + bare_turn.WARM_UP, "every bare turn sent"
    assert 0 < bare.cpu_ms_per_turn < ours.cpu_ms_per_alert


async def test_our_fan_out_reports_the_median_of_runs_each_on_a_database_of_its_own(
    tmp_path: Path,
) -> None:
    ours = await _our_fan_out(6, tmp_path)
    assert ours.delivered == ours.cards == 6, "every run delivered every alert, as a card"
    assert 0 < ours.cpu_ms_per_alert < 100 and 0 < ours.seconds < 30
    runs = sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("fan-out"))
    assert runs == [f"fan-out-{n}" for n in range(SHORT_RUNS)]


async def test_head_of_line_delivers_every_alert_on_both_channels(tmp_path: Path) -> None:
    result = await head_of_line.run(40, 10, tmp_path)
    assert result.alerts == result.delivered == 41, "every alert, once"
    assert 0 < result.other_changed_after_seconds < result.fan_out_seconds < 60, "mid fan-out"
    assert 0 < result.delay_seconds < 60
    assert 0 < result.queued < 40, "the RSS with alerts queued is read mid fan-out"
    assert result.idle_rss_mb > 20 and result.queued_rss_mb > 20, "the app's own RSS"


async def test_poll_at_scale_counts_alerts_exactly(tmp_path: Path) -> None:
    result = await poll_scale.run(300, 3000, tmp_path, rounds=2)
    assert result.alerts == result.expected_alerts == 2 * 30, "every watch of a dropped product"
    assert 0 < result.fetch_floor_seconds < 10 and 0 < result.drop_tick_seconds < 10


async def test_chat_turns_report_rates_and_latencies(tmp_path: Path) -> None:
    for storage in ("sqlite", "memory"):
        result = await chat_turns.run(storage, 96, tmp_path)
        assert result.messages == 96
        assert result.per_second > 0 and 0 < result.p50_ms <= result.p99_ms < 10_000


async def test_a_chat_comparison_runs_its_two_sides_back_to_back(tmp_path: Path) -> None:
    chat = await chat_turns.compare("sqlite", 48, tmp_path, pairs=2)
    assert (chat.ours.storage, chat.memory.storage, chat.pairs) == ("sqlite", "memory", 2)
    assert chat.ours.messages == chat.memory.messages == 48 and chat.ratio > 0
    assert sorted(run.name for run in tmp_path.iterdir()) == [
        "chat-sqlite-0-memory",
        "chat-sqlite-0-sqlite",
        "chat-sqlite-1-memory",
        "chat-sqlite-1-sqlite",
    ], "each run in a directory of its own"


async def test_memory_is_measured_for_both_databases(tmp_path: Path) -> None:
    result = await memory.run(200, 2000, tmp_path)
    assert result.empty_mb > 10 and result.loaded_mb > 10
    assert abs(result.difference_mb) < 200


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_the_postgresql_rows_run_and_count_every_alert(
    tmp_path: Path, store_kind: str
) -> None:
    poll = await poll_scale.run(300, 3000, tmp_path, rounds=2, backend="postgres")
    assert poll.alerts == poll.expected_alerts == 2 * 30
    fleet = await fleet_fanout.run(12, tmp_path, instances=2)
    assert fleet.delivered == 12 and 0 < fleet.cpu_ms_per_alert < 200
    chat = await chat_turns.run("postgres", 48, tmp_path)
    assert chat.messages == 48 and chat.per_second > 0
    gone = await outage.run(8, tmp_path, outage_seconds=1)
    assert gone.delivered == gone.expected == 16, "no alert lost to the outage"
    assert gone.duplicates <= gone.in_flight_bound and gone.same_process
    drivers = await pg_drivers.run(operations=50)
    assert [result.driver for result in drivers] == ["asyncpg", "psycopg 3"]


async def test_chart_rendering_is_once_per_product(tmp_path: Path) -> None:
    cost = await history.chart_cost(tmp_path, charts=5)
    assert cost.charts == 5 and 0 < cost.cpu_ms_per_chart < 1000
    assert 0 < cost.mean_bytes < 20_000


async def test_history_over_many_points_is_answered_without_holding_the_loop(
    tmp_path: Path,
) -> None:
    stall = await history.history_stall(tmp_path, points=5_000, at_once=2)
    assert stall.at_once == 2 and stall.first_seconds > 0 and stall.again_seconds > 0
    assert stall.longest_stall_ms < 1000


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_history_storage_is_measured_on_both_backends(
    tmp_path: Path, store_kind: str
) -> None:
    results = await history.storage_cost(tmp_path, products=50, days=4)
    assert [r.backend for r in results] == ["SQLite", "PostgreSQL"]
    assert all(10 < r.bytes_per_row < 1000 and r.rows > 150 for r in results)


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_the_query_layers_are_measured_on_both_backends(
    tmp_path: Path, store_kind: str
) -> None:
    results = await sql_layer.run(tmp_path, operations=20, rounds=1)
    layers = {(r.backend, r.layer) for r in results}
    assert {("SQLite", "state/sql"), ("PostgreSQL", "state/sql")} <= layers
    assert all(cpu > 0 for r in results for cpu in r.cpu_us_per_op.values())
    if sql_layer.alchemy_missing() is None:  # requirements-dev.txt has it
        assert {("SQLite", "SQLAlchemy sync"), ("PostgreSQL", "SQLAlchemy asyncpg")} <= layers


def test_page_reading_reads_every_page_and_measures_both_readers() -> None:
    cost = page_reading.run(rounds=2)
    assert cost.prices == {
        "JSON-LD": "49.99 EUR",
        "microdata": "34.50 USD",
        "German microdata": "1226.00 EUR",
    }
    assert 250 < cost.page_kb < 350
    assert all(0 < ms < 200 for ms in cost.ours_ms.values())
    assert all(ms > 0 for ms in cost.extruct_ms.values()) and cost.stdlib_tokenize_ms > 0


async def test_page_schedule_keeps_every_host_under_its_limits(tmp_path: Path) -> None:
    result = await page_schedule.run(tmp_path, pages=200, hosts=4)
    assert result.pages == 200
    assert result.max_in_flight_per_host == 1
    assert result.min_gap_seconds >= page_schedule.GAP_SECONDS
    assert result.share_304_second_hour == 1.0 and result.failures == 0
    assert 180 <= result.fetched_first_hour <= 220 and 180 <= result.fetched_second_hour <= 220
