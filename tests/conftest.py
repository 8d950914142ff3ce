from __future__ import annotations

import asyncio
import gc
import os
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.channel import StandInChannel
from tests.support.chat import World, open_world
from tests.support.openid import StandInOpenId
from tests.support.stores import KINDS, POSTGRES_URL, make_store, postgres_unavailable
from tests.support.teams import TeamsConversation

POSTGRES_MISSING = pytest.StashKey[str | None]()

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "store_variants: run the module's store-using tests over every store kind"
        " (tests/support/stores.py), not just the plain one",
    )
    config.addinivalue_line(
        "markers",
        "fleet: the fleet test: several app.py processes on one PostgreSQL database"
        " (tests/test_fleet.py; run it alone with -m fleet)",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Is the tests' PostgreSQL there? Under CI it must be: its absence fails the run
    instead of skipping the PostgreSQL tests."""
    reason = asyncio.run(postgres_unavailable())
    if reason and os.environ.get("CI", "").lower() == "true":
        raise pytest.UsageError(f"CI=true and {reason}")
    session.config.stash[POSTGRES_MISSING] = reason


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`store_variants` runs a test over every store kind, or over the kinds it names
    (`@pytest.mark.store_variants("postgres")` on a test of such a module)."""
    marker = metafunc.definition.get_closest_marker("store_variants")
    if "store_kind" in metafunc.fixturenames and marker is not None:
        metafunc.parametrize("store_kind", marker.args or KINDS, indirect=True)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """The store a test runs over: plain SQLite unless its module asks for every kind.
    Without a reachable PostgreSQL (and not under CI) its tests skip, saying why."""
    kind = str(getattr(request, "param", "sqlite"))
    if kind == "postgres":
        _skip_without_postgres(request.config)
    return kind


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    """The tests' PostgreSQL server; without it (and not under CI) the test skips, saying why."""
    _skip_without_postgres(request.config)
    return POSTGRES_URL


def _skip_without_postgres(config: pytest.Config) -> None:
    missing = config.stash.get(POSTGRES_MISSING, None)
    if missing:
        pytest.skip(missing)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "pricewatch.sqlite3"


@pytest.fixture
async def store(store_kind: str, db_path: Path) -> AsyncIterator[Any]:
    opened = make_store(store_kind, db_path)
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
async def world(tmp_path: Path, store_kind: str) -> AsyncIterator[World]:
    world = await open_world(tmp_path, store_kind=store_kind)
    yield world
    await world.close()


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    """A stand-in Bot Framework channel on a loopback port, recording what the bot posts."""
    channel = StandInChannel()
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def personal(channel: StandInChannel) -> TeamsConversation:
    """A Teams 1:1 with the bot, through the stand-in channel."""
    return TeamsConversation(channel.url, "personal")


@pytest.fixture
def group(channel: StandInChannel) -> TeamsConversation:
    """A Teams group chat with the bot, through the stand-in channel."""
    return TeamsConversation(channel.url, "groupChat")


@pytest.fixture
async def openid() -> AsyncIterator[StandInOpenId]:
    """A stand-in for Microsoft's OpenID metadata and signing keys, on a loopback port:
    add keys before the app starts, and it fetches them from here."""
    stand_in = StandInOpenId()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Only reference counting frees anything while the test runs: what a turn leaves
    alive is what a cycle holds, which would otherwise wait for the collector."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
