"""Bodies cheap to send and costly to decode: the loop keeps answering while they are refused.

Measured here before the shape checks: /healthz took 18 to 21 s to answer while two of
each of these bodies were in flight; after them, 0.05 to 0.09 s.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from tests.support.channel import StandInChannel
from tests.support.openid import StandInOpenId, channel_claims, sign, urls
from tests.support.running import RunningApp, activity, running_app

LOOP_BOUND_SECONDS = 0.5
BAD_LAST_FIELD = {"semanticAction": 5}
"""msrest decodes this field last, so a decode that fails on it has walked everything else."""
APP_ID = "00000000-0000-4000-8000-000000000005"
KEY_ID = "channel-key"


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def costly_bodies(channel: StandInChannel) -> dict[str, bytes]:
    """Each under 1 MB, each with one bad field; before the shape checks each held the
    loop for tens of milliseconds to seconds."""
    hello = activity(channel, "message", "conv-costly", text="hello")
    bodies = {
        "tens of thousands of keys": {**hello, **{f"k{i}": i for i in range(50_000)}},
        "200,000 members": {**hello, "membersAdded": [{}] * 200_000},
        "30,000 entities with a key each": {**hello, "entities": [{"type": "x"}] * 30_000},
        "deep nesting": {**hello, "value": nested(500)},
        "deep nesting, many times": {**hello, "value": [nested(600)] * 400},
        "long strings in many fields": {**hello, **{f"f{i}": "x" * 1000 for i in range(900)}},
        "a long string for a date": {**hello, "timestamp": "2" * 900_000},
    }
    encoded = {
        name: json.dumps({**body, **BAD_LAST_FIELD}).encode() for name, body in bodies.items()
    }
    assert all(len(raw) < 1024 * 1024 for raw in encoded.values())
    return encoded


async def loop_latency_while(app: RunningApp, posts: list[asyncio.Task[Any]]) -> float:
    """The slowest /healthz answer while any of the posts is still in flight."""
    loop = asyncio.get_running_loop()
    slowest = 0.0
    probes = 0
    while not all(post.done() for post in posts) or probes == 0:
        started = loop.time()
        async with app.http.get(f"{app.base}/healthz") as response:
            await response.read()
        slowest = max(slowest, loop.time() - started)
        probes += 1
    return slowest


async def post_raw(app: RunningApp, raw: bytes, headers: dict[str, str]) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", **headers}
    async with app.http.post(f"{app.base}/api/messages", data=raw, headers=headers) as response:
        return response.status, await response.text()


@asynccontextmanager
async def app_in_mode(
    mode: str, tmp_path: Path, channel: StandInChannel, openid: StandInOpenId
) -> AsyncIterator[tuple[RunningApp, dict[str, str]]]:
    """The app, and the headers its callers send: no app id, or an app id with or
    without a token the channel signed."""
    if mode == "no app id":
        async with running_app(tmp_path) as app:
            yield app, {}
        return
    openid.add_key(KEY_ID)
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-real-password"}
    async with running_app(tmp_path, env=env, openid_metadata=urls(openid)) as app:
        await app.engine.signing_keys.tick()
        token = sign(channel_claims(APP_ID, channel.url), openid.keys[KEY_ID], KEY_ID)
        yield app, ({"Authorization": f"Bearer {token}"} if mode == "signed token" else {})


@pytest.mark.parametrize("mode", ["no app id", "app id, no token", "signed token"])
async def test_costly_bodies_are_refused_while_the_loop_keeps_answering(
    tmp_path: Path, channel: StandInChannel, openid: StandInOpenId, mode: str
) -> None:
    bodies = costly_bodies(channel)
    async with app_in_mode(mode, tmp_path, channel, openid) as (app, headers):
        async with app.http.get(f"{app.base}/healthz") as warm:
            assert warm.status == 200
        names = [name for name in bodies for _ in range(2)]
        posts = [asyncio.create_task(post_raw(app, bodies[name], headers)) for name in names]
        slowest = await loop_latency_while(app, posts)
        answers = dict(zip(names, await asyncio.gather(*posts)))

    print(f"{mode}: slowest /healthz while costly bodies were in flight: {slowest:.3f} s")
    for name, (status, text) in answers.items():
        assert 400 <= status < 500, (name, status, text[:200])
        assert set(json.loads(text)) == {"error"}, name
    assert slowest < LOOP_BOUND_SECONDS
    assert channel.texts("conv-costly") == []


async def test_a_big_activity_within_the_limits_is_processed(
    tmp_path: Path, channel: StandInChannel
) -> None:
    big = {
        **activity(channel, "message", "conv-big", text="help"),
        "channelData": {f"k{i}": {"v": i} for i in range(4_000)},
        "entities": [{"type": "mention", "text": "x" * 100}] * 500,
    }
    async with running_app(tmp_path) as app:
        assert await app.post_activity(big) == 201
    assert "Here's what I understand" in channel.texts("conv-big")[-1]
