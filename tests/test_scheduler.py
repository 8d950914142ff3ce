"""The app as main() runs it, scheduler and all: its jobs, and a shutdown mid fan-out."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncContextManager, Awaitable, Callable

import pytest

from domain.alerts import AlertStatus
from state.sqlite import SqliteStore
from tests.support.channel import StandInChannel
from tests.support.running import RunningApp, running_app

UNPACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "0"}
SLOW_CHANNEL_SECONDS = 1.0


def scheduled_app(tmp_path: Path, **env: str) -> AsyncContextManager[RunningApp]:
    """create_app with its scheduler running, as main() builds it; the test may stop it first."""
    return running_app(tmp_path, env=env, run_scheduler=True)


@pytest.mark.parametrize(
    ("drift", "jobs"),
    [
        ("true", {"poll", "deliver", "pages", "checkpoint", "prune", "drift"}),
        ("false", {"poll", "deliver", "pages", "checkpoint", "prune"}),
    ],
)
async def test_the_scheduler_runs_fixed_jobs_that_never_stack(
    tmp_path: Path, drift: str, jobs: set[str]
) -> None:
    async with scheduled_app(tmp_path, MOCK_FEED_DRIFT=drift) as app:
        scheduled = {job.id: job for job in app.engine.scheduler.get_jobs()}
        async with app.http.get(f"{app.base}/healthz") as response:
            health = await response.json()

    assert set(scheduled) == jobs
    for job in scheduled.values():
        assert job.coalesce is True, f"{job.id}: missed runs collapse into one"
        assert job.max_instances == 1, f"{job.id}: a tick that overruns does not stack"
        assert job.misfire_grace_time and job.misfire_grace_time > 0
    assert health["scheduler"] == "ok" and set(health["jobs"]) == jobs


async def until(condition: Callable[[], bool], within_seconds: float = 3.0) -> None:
    """Wait for something the stand-in channel is doing (not for a scheduler)."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "it never happened"
        await asyncio.sleep(0.01)


def run_delivery_job_now(app: RunningApp) -> None:
    """What the scheduler does each second, without waiting a second for it."""
    job = app.engine.scheduler.get_job("deliver")
    assert job is not None
    job.modify(next_run_time=datetime.now(timezone.utc))
    app.engine.scheduler.wakeup()


def start_a_tick_directly(app: RunningApp) -> Awaitable[object]:
    """A delivery started outside the scheduler (as /api/notify starts one)."""
    app.engine.scheduler.pause()
    return asyncio.ensure_future(app.engine.deliverer.tick())


@pytest.mark.parametrize(
    "start_delivery",
    [run_delivery_job_now, start_a_tick_directly],
    ids=["scheduler-job", "direct-tick"],
)
async def test_shutdown_lets_the_send_in_flight_finish_and_leaves_the_rest_pending(
    tmp_path: Path,
    channel: StandInChannel,
    start_delivery: Callable[[RunningApp], Awaitable[object] | None],
) -> None:
    conversations = ["conv-1", "conv-2", "conv-3"]
    env = {**UNPACED, "DELIVERY_CONCURRENCY": "1"}
    async with scheduled_app(tmp_path, **env) as app:
        for conversation in conversations:
            assert await app.say(channel, conversation, "watch headphones 20%") in (200, 201)
        database = app.engine.store.path
        channel.latency_seconds = SLOW_CHANNEL_SECONDS
        await app.set_price("p-100", 149.99)
        assert (await app.engine.poll()).alerts == 3
        started = start_delivery(app)
        await until(lambda: channel.in_flight == 1)

        stopping = asyncio.get_running_loop().time()
        await app.runner.cleanup()
        took = asyncio.get_running_loop().time() - stopping
        if started is not None:
            await started

    assert took < SLOW_CHANNEL_SECONDS + 2, "shutdown waits for the send, and not much longer"
    delivered = [post for post in channel.delivered() if "Price drop" in post.text]
    assert len(delivered) == 1, "the send in flight reached the user"

    store = SqliteStore(database)
    await store.open()
    try:
        rows = await store.outbox.get(range(1, 100))
        now = datetime.now(timezone.utc)
        claimable = await store.outbox.claim_due(now, now + timedelta(seconds=5), 100)
    finally:
        await store.close()
    finished = f"emulator/{delivered[0].conversation_id}"
    [sent] = [row for row in rows if row.conversation_key == finished]
    assert sent.status is AlertStatus.SENT
    left = [row for row in rows if row.conversation_key != finished]
    assert [row.status for row in left] == [AlertStatus.PENDING] * 2
    assert all(row.attempts == 0 for row in left), "never started, so never tried"
    assert sorted(a.id for a in claimable) == sorted(row.id for row in left), (
        "a clean shutdown leaves no claim behind: the next start picks them up at once"
    )
