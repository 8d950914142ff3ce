"""Channel faults against the real app: the real SDK adapter, a stand-in channel, a fake clock.

The scheduler is paused: each test runs the poll and delivery ticks itself and moves the
clock to make retries due. Pacing is off unless a test is about pacing (it uses real time).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path
from typing import AsyncIterator, Mapping

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dialogs import texts
from domain.alerts import Alert, AlertStatus
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from outbox.retry import RetryPolicy
from tests.support.channel import Fault, StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import (
    ADMIN_TOKEN,
    RunningApp,
    alerts_received,
    drop,
    free_port,
    requests_to,
    running_app,
    watch,
)

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

UNPACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "0"}
HEADPHONES_DROP = ("p-100", 149.99)
ESPRESSO_DROP = ("p-200", 399.00)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, store_kind: str) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, env=UNPACED, clock=clock, store_kind=store_kind) as app:
        yield app


async def alerts_of(app: RunningApp, conversation: str) -> list[Alert]:
    every = await app.engine.store.outbox.get(range(1, 1000))
    return [alert for alert in every if alert.conversation_key == f"emulator/{conversation}"]


async def the_alert_of(app: RunningApp, conversation: str) -> Alert:
    [alert] = await alerts_of(app, conversation)
    return alert


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


# --- 429: wait exactly what Retry-After says; other conversations keep going ---


async def test_a_429_waits_exactly_its_retry_after_while_others_get_theirs_at_once(
    app: RunningApp, channel: StandInChannel, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await watch(app, channel, "conv-1", "conv-2")
    channel.script("conv-1", Fault(429, {"Retry-After": "7"}))
    assert await drop(app) == 2

    await app.engine.deliverer.tick()
    assert alerts_received(channel, "conv-1") == []
    assert len(alerts_received(channel, "conv-2")) == 1, "the other conversation is not held back"
    limited = await the_alert_of(app, "conv-1")
    assert limited.status is AlertStatus.PENDING
    assert limited.attempts == 1 and "429" in (limited.last_error or "")
    assert any(
        f"alerts [{limited.id}]" in line and "retrying in 7.0 s" in line for line in logged(caplog)
    ), "the log says why the alert waits"

    before = len(channel.posted)
    clock.advance(6)
    await app.engine.deliverer.tick()
    assert len(channel.posted) == before, "nothing before Retry-After has passed"

    clock.advance(1)
    await app.engine.deliverer.tick()
    await app.engine.deliverer.tick()
    assert len(alerts_received(channel, "conv-1")) == 1
    assert len(alerts_received(channel, "conv-2")) == 1
    assert (await the_alert_of(app, "conv-1")).status is AlertStatus.SENT


async def test_a_429_with_an_http_date_waits_until_that_date(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    until = clock.now + timedelta(seconds=30)
    channel.script("conv-1", Fault(429, {"Retry-After": format_datetime(until, usegmt=True)}))
    await drop(app)

    await app.engine.deliverer.tick()
    clock.advance(29)
    await app.engine.deliverer.tick()
    assert alerts_received(channel, "conv-1") == []

    clock.advance(1)
    await app.engine.deliverer.tick()
    assert len(alerts_received(channel, "conv-1")) == 1


# --- 412 and 5xx: exponential backoff with jitter, bounded ---


@pytest.mark.parametrize("status", [412, 500, 502, 503, 504])
async def test_a_transient_status_backs_off_and_delivers_once_the_channel_recovers(
    app: RunningApp, channel: StandInChannel, clock: FakeClock, status: int
) -> None:
    await watch(app, channel, "conv-1")
    channel.script("conv-1", Fault(status), Fault(status))
    await drop(app)
    start = len(channel.posted)

    await app.engine.deliverer.tick()
    first = await the_alert_of(app, "conv-1")
    assert first.status is AlertStatus.PENDING and first.attempts == 1
    assert str(status) in (first.last_error or "")

    # Backoff after try n is 2^n s with jitter down to half that: 1-2 s, then 2-4 s.
    await app.engine.deliverer.tick()
    clock.advance(0.99)
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == 1, "no retry before the backoff"
    clock.advance(1.01)
    await app.engine.deliverer.tick()
    second = await the_alert_of(app, "conv-1")
    assert second.attempts == 2 and str(status) in (second.last_error or "")

    clock.advance(1.99)
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == 2, "the second wait is longer than the first"
    clock.advance(2.01)
    await app.engine.deliverer.tick()
    await app.engine.deliverer.tick()

    assert requests_to(channel, "conv-1", start) == 3
    assert len(alerts_received(channel, "conv-1")) == 1
    sent = await the_alert_of(app, "conv-1")
    assert sent.status is AlertStatus.SENT and sent.attempts == 3


async def test_a_channel_that_keeps_failing_is_given_up_after_the_retry_budget(
    app: RunningApp, channel: StandInChannel, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    budget = RetryPolicy().max_attempts
    await watch(app, channel, "conv-1")
    channel.always("conv-1", Fault(503))
    await drop(app)
    start = len(channel.posted)

    for _ in range(budget + 4):
        await app.engine.deliverer.tick()
        clock.advance(RetryPolicy().max_delay_seconds + 1)

    assert requests_to(channel, "conv-1", start) == budget
    failed = await the_alert_of(app, "conv-1")
    assert failed.status is AlertStatus.FAILED
    assert failed.attempts == budget and "503" in (failed.last_error or "")
    assert any(
        f"alerts [{failed.id}]" in line and "given up" in line and "503" in line
        for line in logged(caplog)
    ), "the log says the alert was given up, and why"

    channel.always("conv-1", None)
    clock.advance(3600)
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == budget, "a given-up alert stays given up"


async def test_a_request_the_channel_will_never_accept_is_given_up_at_once(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1", "conv-2")
    channel.always("conv-1", Fault(400))
    await drop(app)
    start = len(channel.posted)

    for _ in range(3):
        await app.engine.deliverer.tick()
        clock.advance(RetryPolicy().max_delay_seconds)

    assert requests_to(channel, "conv-1", start) == 1, "a 400 is not retried blindly"
    assert (await the_alert_of(app, "conv-1")).status is AlertStatus.FAILED
    assert len(alerts_received(channel, "conv-2")) == 1


# --- no HTTP answer at all: timeouts and refused connections ---


async def test_a_send_that_times_out_is_retried_later(
    tmp_path: Path, store_kind: str, channel: StandInChannel, clock: FakeClock
) -> None:
    async with running_app(
        tmp_path, store_kind=store_kind, env=UNPACED, clock=clock, send_timeout_seconds=1.0
    ) as app:
        await watch(app, channel, "conv-1", "conv-2")
        # The channel answers only after the bot has stopped waiting for it (the timeout
        # leaves a loaded machine's healthy send, conv-2's, time enough).
        channel.script("conv-1", Fault(503, delay_seconds=4.0))
        await drop(app)

        started = asyncio.get_running_loop().time()
        await app.engine.deliverer.tick()
        assert asyncio.get_running_loop().time() - started < 3.5, "the send timeout bounds a tick"
        assert len(alerts_received(channel, "conv-2")) == 1
        timed_out = await the_alert_of(app, "conv-1")
        assert timed_out.status is AlertStatus.PENDING and timed_out.attempts == 1
        assert timed_out.last_error

        clock.advance(2)
        await app.engine.deliverer.tick()
        assert len(alerts_received(channel, "conv-1")) == 1
        assert (await the_alert_of(app, "conv-1")).status is AlertStatus.SENT


async def test_a_refused_connection_is_retried_and_holds_back_nobody(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    gone = StandInChannel()
    await gone.start()
    await watch(app, gone, "conv-gone")
    await gone.stop()  # the service URL now points at a closed port
    await watch(app, channel, "conv-2")
    await drop(app)

    report = await app.engine.deliverer.tick()
    assert report.conversations == 2
    assert len(alerts_received(channel, "conv-2")) == 1
    refused = await the_alert_of(app, "conv-gone")
    assert refused.status is AlertStatus.PENDING and refused.attempts == 1
    assert refused.last_error

    clock.advance(2)
    await app.engine.deliverer.tick()
    assert (await the_alert_of(app, "conv-gone")).attempts == 2, "retried with backoff"

    # The user writes through a channel that works: the reference is fresh again.
    assert await app.say(channel, "conv-gone", "hi", id="m-back") in (200, 201)
    assert len(alerts_received(channel, "conv-gone")) == 1
    assert (await the_alert_of(app, "conv-gone")).status is AlertStatus.SENT


# --- 401/403/404: a stale reference or a blocked bot ---


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_an_unreachable_conversation_is_left_alone_until_the_user_writes_again(
    app: RunningApp, channel: StandInChannel, clock: FakeClock, status: int
) -> None:
    await watch(app, channel, "conv-1")
    await watch(app, channel, "conv-1", what="watch espresso machine 10%")
    await watch(app, channel, "conv-2", what="watch espresso machine 10%")
    channel.always("conv-1", Fault(status))
    await drop(app, *HEADPHONES_DROP)
    start = len(channel.posted)

    for _ in range(4):
        await app.engine.deliverer.tick()
        clock.advance(RetryPolicy().max_delay_seconds)
    assert requests_to(channel, "conv-1", start) <= 2, "at most a couple of tries"
    assert not await app.engine.store.references.is_reachable("emulator/conv-1")

    # Meanwhile: more news for both; the other conversation gets its own at once.
    clock.advance(3600)
    await drop(app, *ESPRESSO_DROP)
    for _ in range(3):
        await app.engine.deliverer.tick()
        clock.advance(60)
    tries = requests_to(channel, "conv-1", start)
    assert tries <= 2, "nothing more goes to an unreachable conversation"
    assert len(alerts_received(channel, "conv-2")) == 1
    assert all(alert.status is not AlertStatus.SENT for alert in await alerts_of(app, "conv-1"))

    # The user writes again: the reply, and in that same turn everything missed.
    channel.always("conv-1", None)
    assert await app.say(channel, "conv-1", "list", id="m-back") in (200, 201)
    reply, missed = channel.delivered("conv-1")[-2:]
    assert "Your watches" in reply.text
    assert "Noise-cancelling headphones" in reply.text and "Espresso machine" in reply.text
    assert "Price drops on 2 of your watches" in missed.text
    assert reply.reply_to == missed.reply_to == "m-back"
    assert all(alert.status is AlertStatus.SENT for alert in await alerts_of(app, "conv-1"))
    assert not any(texts.SOMETHING_WENT_WRONG in post.text for post in channel.posted)
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == tries + 2, "each alert went out once"


# --- the error handler ---


@pytest.mark.parametrize(
    "fault",
    [Fault(403), Fault(503), Fault(503, delay_seconds=1.0)],
    ids=["refused", "unavailable", "timed-out"],
)
async def test_the_error_handler_never_answers_a_conversation_whose_send_just_failed(
    tmp_path: Path, store_kind: str, channel: StandInChannel, fault: Fault
) -> None:
    async with running_app(
        tmp_path, store_kind=store_kind, env=UNPACED, send_timeout_seconds=0.3
    ) as app:
        await watch(app, channel, "conv-1")
        start = len(channel.posted)
        channel.script("conv-1", fault)
        await app.say(channel, "conv-1", "help")

        sent = [post.text for post in channel.posted[start:] if post.conversation_id == "conv-1"]
        assert texts.SOMETHING_WENT_WRONG not in sent
        assert len(sent) <= 1, "one failed reply, and no second send to report it"


async def test_a_failed_proactive_send_never_triggers_the_error_handler(
    app: RunningApp, channel: StandInChannel
) -> None:
    await watch(app, channel, "conv-1")
    channel.script("conv-1", Fault(403))
    await drop(app)
    start = len(channel.posted)
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == 1
    assert channel.posted[-1].status == 403


async def test_an_alert_that_fails_inside_a_users_turn_is_kept_and_sent_later(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    await drop(app)
    channel.script("conv-1", Fault(200), Fault(503))  # the reply goes, the alert does not
    start = len(channel.posted)

    assert await app.say(channel, "conv-1", "help") in (200, 201)

    assert [post.status for post in channel.posted[start:]] == [200, 503]
    assert not any(texts.SOMETHING_WENT_WRONG in post.text for post in channel.posted)
    kept = await the_alert_of(app, "conv-1")
    assert kept.status is AlertStatus.PENDING and kept.attempts == 1
    clock.advance(2)
    await app.engine.deliverer.tick()
    assert len(alerts_received(channel, "conv-1")) == 1


# --- one crossing, one alert ---


async def test_a_crossing_seen_twice_makes_one_alert_and_one_message(
    app: RunningApp, channel: StandInChannel
) -> None:
    await watch(app, channel, "conv-1")
    await app.set_price(*HEADPHONES_DROP)
    assert (await app.engine.poll()).alerts == 1
    assert (await app.engine.poll()).alerts == 0
    await asyncio.gather(app.notify(), app.notify())
    await app.notify()

    assert len(await alerts_of(app, "conv-1")) == 1
    assert len(alerts_received(channel, "conv-1")) == 1


async def test_two_delivery_ticks_at_once_send_once(
    app: RunningApp, channel: StandInChannel
) -> None:
    await watch(app, channel, "conv-1", "conv-2")
    await drop(app)
    channel.latency_seconds = 0.2
    await asyncio.gather(app.engine.deliverer.tick(), app.engine.deliverer.tick())
    assert len(alerts_received(channel, "conv-1")) == 1
    assert len(alerts_received(channel, "conv-2")) == 1


# --- fan-out ---


async def test_a_fan_out_runs_past_the_sdk_thread_cap_and_within_its_bound(
    tmp_path: Path, store_kind: str, channel: StandInChannel
) -> None:
    conversations = [f"conv-{n}" for n in range(40)]
    env = {**UNPACED, "DELIVERY_CONCURRENCY": "32"}
    async with running_app(tmp_path, store_kind=store_kind, env=env) as app:
        await asyncio.gather(*(watch(app, channel, c) for c in conversations))
        assert await drop(app) == 40
        channel.latency_seconds = 0.2
        channel.peak_in_flight = 0

        report = await app.engine.deliverer.tick()

    assert report.alerts == 40 and report.unsettled == 0
    assert 6 < channel.peak_in_flight <= 32
    assert all(len(alerts_received(channel, c)) == 1 for c in conversations)


# --- operators ---


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_polls_alerts_and_delivery_outcomes(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1", "conv-2")
    channel.script("conv-2", Fault(503))
    await drop(app)
    clock.advance(3)
    await app.engine.deliverer.tick()

    async with app.http.get(f"{app.base}/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        body = await response.text()
    metrics = samples(body)
    assert metrics[("pricewatch_delivery_attempts_total", (("outcome", "sent"),))] == 1
    assert metrics[("pricewatch_delivery_attempts_total", (("outcome", "transient"),))] == 1
    assert metrics[("pricewatch_alerts", (("state", "sent"),))] == 1
    assert metrics[("pricewatch_alerts", (("state", "pending"),))] == 1
    assert metrics[("pricewatch_alerts_created_total", ())] == 2
    assert metrics[("pricewatch_polls_total", ())] >= 1
    assert metrics[("pricewatch_feed_errors_total", ())] == 0
    assert metrics[("pricewatch_delivery_latency_seconds_count", ())] == 1
    assert metrics[("pricewatch_delivery_latency_seconds_sum", ())] == pytest.approx(3)
    assert ADMIN_TOKEN not in body


async def health(app: RunningApp) -> tuple[int, Mapping[str, object]]:
    async with app.http.get(f"{app.base}/healthz") as response:
        return response.status, await response.json()


async def test_healthz_reports_the_store_the_scheduler_and_the_last_poll(
    app: RunningApp, channel: StandInChannel
) -> None:
    status, report = await health(app)
    assert status == 200
    assert report["status"] == "ok" and report["store"] == "ok" and report["scheduler"] == "ok"

    await watch(app, channel, "conv-1")
    await app.engine.poll()
    status, report = await health(app)
    assert report["last_poll"]["feed"] == "ok"  # type: ignore[index]

    await app.engine.store.close()
    status, report = await health(app)
    assert status == 503
    assert report["status"] == "unavailable" and report["store"] == "failing"


async def test_healthz_says_when_the_last_poll_could_not_read_the_feed(
    tmp_path: Path, store_kind: str
) -> None:
    env = {**UNPACED, "PRICE_FEED_URL": f"http://127.0.0.1:{free_port()}/feed"}
    async with running_app(tmp_path, store_kind=store_kind, env=env) as app:
        rule = percent_rule(Decimal("199.99"), Decimal(20))
        await app.engine.store.watches.add(
            NewWatch(
                conversation_key="emulator/conv-1",
                user_id="user-1",
                product_id="p-100",
                product_name="Noise-cancelling headphones",
                currency="USD",
                rule=rule,
                state=initial_state(rule),
                created_at=app.engine.clock(),
            )
        )
        assert (await app.engine.poll()).feed_error
        status, report = await health(app)

    assert status == 200, "a failing feed is reported, the app itself is up"
    assert report["last_poll"]["feed"] == "failing"  # type: ignore[index]


async def test_every_attempt_is_kept_with_its_time_and_error(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    await app.set_price(*HEADPHONES_DROP)
    await app.engine.poll()
    channel.script("conv-1", Fault(503), Fault(502))
    for _ in range(3):
        await app.engine.deliverer.tick()
        clock.advance(3600)
    [alert] = await app.engine.store.outbox.get([1])
    attempts = await app.engine.store.outbox.attempts(alert.id)
    assert [(a.status.value, a.error) for a in attempts] == [
        ("pending", "HTTP 503 (ErrorResponseException)"),
        ("pending", "HTTP 502 (ErrorResponseException)"),
        ("sent", None),
    ]
    assert attempts[0].at < attempts[1].at < attempts[2].at
