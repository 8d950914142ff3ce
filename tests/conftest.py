from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.channel import StandInChannel
from tests.support.chat import World, open_world

# Property tests run the same examples on every run and machine, with no example
# database, so CI is deterministic; a failure prints the example to reproduce it.
settings.register_profile(
    "pricewatch",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    # Async fixtures (a World, a running app) are shared by the examples on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile("pricewatch")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    world = await open_world(tmp_path)
    yield world
    await world.store.close()


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    """A stand-in Bot Framework channel on a loopback port, recording what the bot posts."""
    channel = StandInChannel()
    await channel.start()
    yield channel
    await channel.stop()
