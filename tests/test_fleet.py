"""The fleet: three app.py processes on one PostgreSQL database, one shared feed process,
one stand-in channel.

User turns reach the instances round-robin. A price drop fans out, and the instance
sending it (the poller, which claims its poll's alerts at once) is SIGKILLed part way
through. Then: every alert arrives, duplicates stay within what was in flight at the
kill, the fleet asks the feed once per poll interval (and again soon after its poller
died), and an alert for a conversation with a dialog open waits for
that dialog to end, whichever instance the user's next turn reaches. No instance is told
what to do: the test only watches the channel, the feed and the database.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiohttp import ClientSession

from bench.processes import Process, free_port
from dialogs.texts import CANCELLED
from tests.support.channel import StandInChannel
from tests.support.running import activity
from tests.support.stores import fresh_database

pytestmark = pytest.mark.fleet

INSTANCES = 3
CONVERSATIONS = 300
CONCURRENCY = 8
"""DELIVERY_CONCURRENCY: a kill catches at most this many of one instance's sends."""
CHANNEL_LATENCY_SECONDS = 0.1
"""Slow enough that sends are in flight when the kill comes."""
POLL_INTERVAL_SECONDS = 1.0
KILL_AFTER_ALERTS = 40
ADMIN_TOKEN = "fleet-admin-token-0123456789abcdef"  # 32 or more characters, as the app asks
PRODUCT = "p-100"
HELD = "held"
"""The conversation whose dialog is open during the fan-out."""
ALERT = "Price drop"
WATCH_MADE = "I'll tell you when"
SENT_METRIC = re.compile(r'^pricewatch_delivery_attempts_total\{outcome="sent"\} (\S+)$', re.M)


@dataclass
class Instance:
    process: Process
    base: str

    @property
    def name(self) -> str:
        return self.process.name

    async def say(
        self, http: ClientSession, channel: StandInChannel, conversation: str, text: str
    ) -> None:
        message = activity(channel, "message", conversation, text=text)
        async with http.post(f"{self.base}/api/messages", json=message) as response:
            assert response.status in (200, 201), f"{self.name}: HTTP {response.status}"

    async def last_poll_at(self, http: ClientSession) -> datetime | None:
        """When this instance last polled, as its /healthz says (never: None)."""
        async with http.get(f"{self.base}/healthz") as response:
            last_poll = (await response.json()).get("last_poll")
        return None if last_poll is None else datetime.fromisoformat(last_poll["at"])

    async def alerts_sent(self, http: ClientSession) -> float:
        """Alerts this instance has sent, as its /metrics says."""
        async with http.get(f"{self.base}/metrics") as response:
            found = SENT_METRIC.search(await response.text())
        return float(found.group(1)) if found else 0.0

    def kill(self) -> None:
        self.process.popen.kill()  # SIGKILL: no shutdown, no lease given back
        self.process.popen.wait(timeout=10)


@dataclass
class Fleet:
    http: ClientSession
    channel: StandInChannel
    instances: list[Instance]
    feed_url: str
    database_url: str

    async def price_requests(self) -> int:
        """Price requests the shared feed has served that asked for PRODUCT."""
        async with self.http.get(f"{self.feed_url}/stats") as response:
            stats: dict[str, Any] = await response.json()
        return int(stats["price_requests"].get(PRODUCT, 0))

    async def set_price(self, price: float) -> None:
        async with self.http.put(
            f"{self.feed_url}/products/{PRODUCT}",
            json={"price": price},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as response:
            assert response.status == 200, await response.text()

    async def sender(self) -> Instance:
        """The instance that has sent the most alerts."""
        sent = [await instance.alerts_sent(self.http) for instance in self.instances]
        return self.instances[sent.index(max(sent))]

    async def poller(self) -> Instance:
        """The instance that polled last."""
        polls = [(await instance.last_poll_at(self.http), instance) for instance in self.instances]
        polled = [(at, instance) for at, instance in polls if at is not None]
        assert polled, "no instance has polled"
        return max(polled, key=lambda entry: entry[0])[1]

    async def alert_statuses(self) -> dict[str, str]:
        """Each conversation's alert status in the shared database."""
        rows = await self._query("SELECT conversation_key, status FROM alerts")
        return {row["conversation_key"].partition("/")[2]: row["status"] for row in rows}

    async def claims(self) -> tuple[int, float]:
        """Open alerts under a claim that has not run out, and the seconds until the first
        of those claims does (0 without any)."""
        [row] = await self._query(
            "SELECT COUNT(*) AS n, EXTRACT(EPOCH FROM MIN(claimed_until) - now()) AS left "
            "FROM alerts WHERE status IN ('pending', 'held') AND claimed_until > now()"
        )
        return int(row["n"]), float(row["left"] or 0)

    async def _query(self, sql: str) -> list[Any]:
        connection = await asyncpg.connect(self.database_url)
        try:
            return list(await connection.fetch(sql))
        finally:
            await connection.close()

    def logs(self) -> str:
        return "\n".join(
            f"--- {instance.name}\n{instance.process.log.read_text()[-2000:]}"
            for instance in self.instances
        )


def conversation(n: int) -> str:
    return f"conv-{n}"


def alerts_by_conversation(channel: StandInChannel) -> Counter[str]:
    return Counter(post.conversation_id for post in channel.delivered() if ALERT in post.text)


async def until(
    condition: Callable[[], bool | Awaitable[bool]], within_seconds: float, what: str
) -> None:
    """Wait for something observable (the channel, the feed), not for a scheduler."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    while True:
        done = condition()
        if inspect.isawaitable(done):
            done = await done
        if done:
            return
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def poll_times(fleet: Fleet, polls: int, within_seconds: float) -> list[float]:
    """When the feed's price requests for PRODUCT went up, for the next `polls` of them (two
    at once show as one time, twice)."""
    loop = asyncio.get_running_loop()
    times: list[float] = []
    seen = await fleet.price_requests()

    async def counted() -> bool:
        nonlocal seen
        now = await fleet.price_requests()
        times.extend([loop.time()] * (now - seen))
        seen = now
        return len(times) >= polls

    await until(counted, within_seconds, f"{polls} polls")
    return times[:polls]


def assert_one_poll_per_interval(times: list[float]) -> None:
    intervals = len(times) - 1
    span = times[-1] - times[0]
    assert span >= intervals * 0.8 * POLL_INTERVAL_SECONDS, (
        f"{len(times)} price requests in {span:.2f} s: more than one per interval"
    )
    assert span <= intervals * 1.6 * POLL_INTERVAL_SECONDS, (
        f"{len(times)} price requests took {span:.2f} s: the fleet polls too seldom"
    )


@pytest.fixture
async def fleet(postgres_url: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    async with AsyncExitStack() as stack:
        database_url = await stack.enter_async_context(
            fresh_database("pricewatch_fleet", postgres_url)
        )
        channel = StandInChannel(
            latency_seconds=CHANNEL_LATENCY_SECONDS, takes_abandoned_sends=True
        )
        await channel.start()
        stack.push_async_callback(channel.stop)
        feed_port = free_port()
        feed = Process(
            "feed",
            ["-m", "mockfeed", "--port", str(feed_port), "--admin-token", ADMIN_TOKEN]
            + ["--no-drift"],
            {},
            tmp_path,
        )
        stack.callback(feed.stop)
        feed_url = f"http://127.0.0.1:{feed_port}/feed"
        env = {
            "DATABASE_URL": database_url,
            "PRICE_FEED_URL": feed_url,
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "POLL_INTERVAL_SECONDS": str(int(POLL_INTERVAL_SECONDS)),
            "MOCK_FEED_DRIFT": "false",
            "DELIVERY_MAX_PER_SECOND": "0",
            "CONVERSATION_MAX_PER_SECOND": "0",
            "DELIVERY_CONCURRENCY": str(CONCURRENCY),
        }
        instances = []
        for n in range(INSTANCES):
            port = free_port()
            process = Process(f"bot-{n}", ["app.py"], {**env, "PORT": str(port)}, tmp_path)
            stack.callback(process.stop)
            instances.append(Instance(process, f"http://127.0.0.1:{port}"))
        http = await stack.enter_async_context(ClientSession())
        await feed.wait_http(http, f"{feed_url}/products")
        # They start at once on a fresh database: the migrations race, as in a deploy.
        await asyncio.gather(*(i.process.wait_http(http, f"{i.base}/healthz") for i in instances))
        yield Fleet(http, channel, instances, feed_url, database_url)


async def open_watches(fleet: Fleet) -> None:
    """Conversation n makes its watch through instance n % 3, 16 conversations at a time."""
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        async with gate:
            instance = fleet.instances[n % INSTANCES]
            await instance.say(fleet.http, fleet.channel, conversation(n), "watch headphones 20%")

    await asyncio.gather(*(one(n) for n in range(CONVERSATIONS)))
    replies = [" ".join(fleet.channel.texts(conversation(n))) for n in range(CONVERSATIONS)]
    assert sum(WATCH_MADE in reply for reply in replies) == CONVERSATIONS, fleet.logs()


@dataclass(frozen=True)
class Kill:
    """What the channel and the database showed the moment the instance sending the
    fan-out died."""

    victim: Instance
    at: float
    alerts: Counter[str]
    """Alerts the channel had taken, by conversation."""
    in_flight: int
    """Sends the channel was still answering."""
    recorded_sent: set[str]
    """Conversations whose alert the database had as sent."""
    claimed: int
    """Open alerts under a claim: the dead instance's, as one claim takes a poll's alerts."""
    claims_end_at: float
    """The first moment another instance could take over one of those claims."""
    price_requests: int

    def may_repeat(self, channel: StandInChannel) -> set[str]:
        """Conversations whose alert may go twice: the channel took it (before the kill, or
        from the wire after it) before anyone else could, and it was not recorded sent."""
        return {
            post.conversation_id
            for post in channel.delivered()
            if ALERT in post.text
            and post.arrived_at < self.claims_end_at
            and post.conversation_id not in self.recorded_sent
        }


async def kill_mid_fan_out(fleet: Fleet) -> Kill:
    """SIGKILL the instance sending the fan-out once it is under way. That is the poller,
    which claims the alerts of its poll at once, unless another's delivery tick came first."""
    await until(
        lambda: sum(alerts_by_conversation(fleet.channel).values()) >= KILL_AFTER_ALERTS,
        15,
        "the fan-out to get under way",
    )
    victim = await fleet.sender()
    victim.kill()
    at = asyncio.get_running_loop().time()
    in_flight, alerts = fleet.channel.in_flight, alerts_by_conversation(fleet.channel)
    statuses = await fleet.alert_statuses()
    claimed, claims_end_in = await fleet.claims()
    return Kill(
        victim=victim,
        at=at,
        alerts=alerts,
        in_flight=in_flight,
        recorded_sent={c for c, status in statuses.items() if status == "sent"},
        claimed=claimed,
        claims_end_at=at + claims_end_in,
        price_requests=await fleet.price_requests(),
    )


async def test_a_fleet_on_one_database_delivers_every_alert_when_its_poller_is_killed(
    fleet: Fleet,
) -> None:
    http, channel, instances = fleet.http, fleet.channel, fleet.instances
    loop = asyncio.get_running_loop()
    await open_watches(fleet)
    a = instances[0]
    await a.say(http, channel, HELD, "watch headphones 20%")
    await a.say(http, channel, HELD, "watch")
    assert "Which product should I watch?" in channel.texts(HELD)[-1], "a dialog waits"

    steady = await poll_times(fleet, polls=6, within_seconds=15)
    assert_one_poll_per_interval(steady)

    poller = await fleet.poller()
    await fleet.set_price(149.99)
    kill = await kill_mid_fan_out(fleet)
    assert len(kill.alerts) < CONVERSATIONS, "the kill came too late to prove anything"

    async def polled_again() -> float:
        async def more() -> bool:
            return await fleet.price_requests() > kill.price_requests

        await until(more, 10, "another instance to poll")
        return loop.time()

    takeover = asyncio.create_task(polled_again())
    watching = {conversation(n) for n in range(CONVERSATIONS)}
    try:
        await until(lambda: watching <= set(alerts_by_conversation(channel)), 30, "every alert")
    except AssertionError:
        missing = watching - set(alerts_by_conversation(channel))
        statuses = await fleet.alert_statuses()
        raise AssertionError(
            f"{len(missing)} conversations got no alert: "
            f"{Counter(statuses.get(c) for c in missing)}\n{fleet.logs()}"
        ) from None
    recovery_seconds = loop.time() - kill.at
    takeover_seconds = await takeover - kill.at
    after_takeover = await poll_times(fleet, polls=3, within_seconds=10)

    received = alerts_by_conversation(channel)
    duplicates = sum(received[c] for c in watching) - CONVERSATIONS
    may_repeat = kill.may_repeat(channel)
    summary = (
        f"{len(steady) - 1} poll intervals took {steady[-1] - steady[0]:.2f} s;"
        f" {kill.victim.name} ({'the poller' if kill.victim is poller else 'not the poller'})"
        f" killed after {sum(kill.alerts.values())} alerts,"
        f" holding {kill.claimed} claims, the first running out {kill.claims_end_at - kill.at:.2f}"
        f" s later; {kill.in_flight} sends in flight at the channel at the kill,"
        f" {len(may_repeat)} taken but not recorded sent (in flight or on the wire);"
        f" {duplicates} duplicates; polling again {takeover_seconds:.2f} s and every alert"
        f" {recovery_seconds:.2f} s after the kill"
    )
    print(summary)
    assert duplicates <= len(may_repeat) <= CONCURRENCY, summary
    # Another instance took the poll over (or, had the poller not been the one killed,
    # it went on): within 1.5 intervals, and a second for the poll itself.
    assert takeover_seconds <= 1.5 * POLL_INTERVAL_SECONDS + 1.0, summary
    assert_one_poll_per_interval(after_takeover)

    # Instances other than the one the dialog was opened through delivered every other
    # alert; this one waits for the dialog, and comes when it ends, through another.
    assert HELD not in received, "an alert interjected into an open dialog"
    assert (await fleet.alert_statuses())[HELD] == "held"
    b = next(i for i in instances if i is not a and i is not kill.victim)
    await b.say(http, channel, HELD, "cancel")
    texts = channel.texts(HELD)
    assert texts[-2] == CANCELLED and ALERT in texts[-1], texts[-3:]
    assert alerts_by_conversation(channel)[HELD] == 1
    assert (await fleet.alert_statuses())[HELD] == "sent"
