"""What app.py does before it serves: a bad setting stops it with one line and exit
status 2; a generated admin token goes to an owner-only file and to a terminal only."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import ClientError, ClientSession

from app import start_up
from tests.support.running import ADMIN_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[1]
PLAIN_ENVIRONMENT = {
    name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ
}
"""The test run's own settings (if any) stay out of the processes started here."""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_in(folder: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{folder / 'pricewatch.sqlite3'}"}


def test_a_generated_token_is_written_owner_only_and_not_shown_in_a_log(tmp_path: Path) -> None:
    stdout = io.StringIO()
    settings = start_up(database_in(tmp_path / "data"), stdout, io.StringIO())

    token_file = tmp_path / "data" / "admin-token"
    assert token_file.read_text() == settings.admin_token + "\n"
    assert mode(token_file) == 0o600 and mode(token_file.parent) == 0o700
    assert str(token_file) in stdout.getvalue()
    assert settings.admin_token not in stdout.getvalue()


def test_a_generated_token_is_shown_on_a_terminal(tmp_path: Path) -> None:
    stdout = Terminal()
    settings = start_up(database_in(tmp_path), stdout, io.StringIO())

    assert f"  {settings.admin_token}\n" in stdout.getvalue()
    assert str(tmp_path / "admin-token") in stdout.getvalue()


def test_a_new_start_replaces_the_token_file_and_keeps_it_owner_only(tmp_path: Path) -> None:
    token_file = tmp_path / "admin-token"
    token_file.write_text("an old token\n")
    token_file.chmod(0o644)

    settings = start_up(database_in(tmp_path), io.StringIO(), io.StringIO())

    assert token_file.read_text() == settings.admin_token + "\n"
    assert mode(token_file) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["admin-token"]


def test_a_chosen_token_is_neither_written_nor_shown(tmp_path: Path) -> None:
    stdout = Terminal()
    start_up({**database_in(tmp_path), "ADMIN_TOKEN": ADMIN_TOKEN}, stdout, io.StringIO())

    assert ADMIN_TOKEN not in stdout.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_a_token_file_that_cannot_be_written_stops_the_start_with_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("")
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        start_up(database_in(tmp_path / "a-file" / "data"), stdout, stderr)

    assert stopped.value.code == 2
    (line,) = stderr.getvalue().splitlines()
    assert "admin token" in line and "ADMIN_TOKEN" in line
    assert stdout.getvalue() == ""


def test_the_banner_brackets_an_ipv6_host(tmp_path: Path) -> None:
    stdout = io.StringIO()
    start_up({**database_in(tmp_path), "HOST": "::1", "PORT": "4000"}, stdout, io.StringIO())
    assert "http://[::1]:4000/api/messages (feed: http://[::1]:4000/feed)" in stdout.getvalue()


# The real process, as `make run` starts it


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"HOST": "0.0.0.0"}, "ALLOW_UNAUTHENTICATED"),
        ({"ADMIN_TOKEN": "test-admin-token"}, "ADMIN_TOKEN"),
        ({"PORT": "http"}, "PORT"),
    ],
    ids=["log level", "open no-auth host", "short admin token", "port"],
)
def test_app_py_with_a_bad_setting_prints_one_line_and_exits_2(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env={**PLAIN_ENVIRONMENT, **database_in(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("Configuration error: ") and named in line
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_app_py_on_a_port_that_is_taken_ends_with_one_line_and_exit_status_2(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(ROOT / "app.py")],
            cwd=ROOT,
            env={
                **PLAIN_ENVIRONMENT,
                **database_in(tmp_path),
                "PORT": str(port),
                "ADMIN_TOKEN": ADMIN_TOKEN,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"Cannot listen on HOST=127.0.0.1 PORT={port}")
    assert "Traceback" not in result.stderr


@pytest.fixture
async def app_process(tmp_path: Path) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    port = free_port()
    env = {
        **PLAIN_ENVIRONMENT,
        **database_in(tmp_path / "data"),
        "PORT": str(port),
        "MOCK_FEED_DRIFT": "false",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "app.py"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield process, port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)


async def test_app_py_puts_a_generated_token_in_its_file_and_not_in_its_output(
    app_process: tuple[asyncio.subprocess.Process, int], tmp_path: Path
) -> None:
    process, port = app_process
    assert process.stdout is not None
    output = []
    async with asyncio.timeout(60):
        while not output or "listening on" not in output[-1]:
            line = (await process.stdout.readline()).decode()
            assert line, f"app.py ended before it listened: {output}"
            output.append(line)
    token_file = tmp_path / "data" / "admin-token"
    token = token_file.read_text().strip()
    assert mode(token_file) == 0o600 and len(token) >= 32
    assert token not in "".join(output) and str(token_file) in "".join(output)

    async with ClientSession() as http, asyncio.timeout(60):
        while True:  # waiting for a process to boot, not for a scheduler
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        break
            except ClientError:
                pass
            await asyncio.sleep(0.05)
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(f"http://127.0.0.1:{port}/api/notify", headers=headers) as response:
            assert response.status == 200
