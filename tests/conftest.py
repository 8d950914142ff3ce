from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from tests.support.chat import World, open_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    world = await open_world(tmp_path)
    yield world
    await world.store.close()
