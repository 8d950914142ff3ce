"""What the app writes to disk is its owner's alone: new folders 0700, files 0600,
whatever the umask; folders that were there already keep their mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest

from state.private_files import create_private_file, make_private_folders, write_private_file
from state.sqlite import SqliteStore
from tests.support.clock import FakeClock

NOW = FakeClock().now


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """Left alone, a umask of 0 would make every new file readable by everyone."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


async def test_a_fresh_sqlite_database_its_log_and_its_folders_are_owner_only(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "var" / "data" / "pricewatch.sqlite3"
    store = SqliteStore(path)
    await store.open()
    try:
        await store.references.save("emulator/c", {"conversation": {"id": "c"}}, NOW)
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await store.close()
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == 0o755, "a folder that was there keeps its mode"


async def test_an_existing_database_file_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.references.save("emulator/c", {"conversation": {"id": "c"}}, NOW)
    await store.close()

    reopened = SqliteStore(path)
    await reopened.open()
    try:
        assert await reopened.references.get("emulator/c") == {"conversation": {"id": "c"}}
    finally:
        await reopened.close()


def test_make_private_folders_creates_only_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o775)
    make_private_folders(tmp_path / "shared" / "a" / "b")
    assert mode(tmp_path / "shared") == 0o775
    assert mode(tmp_path / "shared" / "a") == 0o700
    assert mode(tmp_path / "shared" / "a" / "b") == 0o700
    make_private_folders(tmp_path / "shared" / "a" / "b")  # already there: no error


def test_create_private_file_keeps_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "file"
    create_private_file(path)
    assert mode(path) == 0o600 and path.read_bytes() == b""
    path.write_text("kept")
    create_private_file(path)
    assert path.read_text() == "kept"


def test_write_private_file_replaces_a_readable_file_with_an_owner_only_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token"
    path.write_text("old")
    path.chmod(0o644)
    write_private_file(path, "new\n")
    assert path.read_text() == "new\n" and mode(path) == 0o600
    assert [child.name for child in tmp_path.iterdir()] == ["token"], "no draft left behind"
