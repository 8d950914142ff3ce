"""Where a delivered alert's CPU goes: py-spy samples the app through a fan-out.

    python -m bench.profile [--conversations 2000] [--name fanout]

Runs the fan-out benchmark's app (`bench/fanout.py`: N conversations watch the
headphones, one drop, a poll on request) with py-spy attached from the drop to the last
alert, and writes to `artifacts/profile/`:

- `<name>.svg`, the flame graph;
- `<name>.txt`, the share of the delivery's samples in each function, inclusive, largest
  first (the same samples, for a diff between two runs).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from aiohttp import ClientSession

from bench import fanout
from bench.processes import ROOT

OUT = ROOT / "artifacts" / "profile"
RATE = 500
"""Samples a second."""
DELIVERY = "Deliverer._deliver"
"""A sample in this frame is the delivery's: the turns, their sends and bookkeeping."""


def py_spy() -> Path:
    found = Path(sys.executable).with_name("py-spy")
    if not found.exists():
        raise SystemExit("py-spy is missing: make .venv/.installed (requirements-dev.txt)")
    return found


async def record(conversations: int, name: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="profile-"))
    raw = work_dir / f"{name}.raw"
    env = fanout.pricewatch_env(work_dir / "profile.sqlite3", delivery_max_per_second=0)
    async with fanout.bot_and_channel(["app.py"], env, "Price drop", work_dir) as run:
        http: ClientSession = run.http
        await fanout.open_conversations(
            http, run.bot_url, run.channel_url, range(conversations), "watch headphones 20%"
        )
        await fanout.poll_now(http, run.bot_url)
        spies = [
            subprocess.Popen(
                [str(py_spy()), "record", "--pid", str(run.bot.pid), "--rate", str(RATE)]
                + ["--nonblocking", "--format", kind, "--output", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for kind, path in (("raw", raw), ("flamegraph", OUT / f"{name}.svg"))
        ]
        await asyncio.sleep(1)  # py-spy attaches
        cpu_before = run.bot.cpu_seconds()
        await fanout.set_price(http, run.bot_url, "p-100", 99.99)
        await fanout.poll_now(http, run.bot_url)
        stats = await fanout.wait_for_matches(http, run.channel_url, conversations)
        cpu_ms = (run.bot.cpu_seconds() - cpu_before) * 1000 / max(stats["matched"], 1)
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            _, errors = spy.communicate(timeout=60)
            if spy.returncode not in (0, -2):
                raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')[-2000:]}")
    summary = shares(raw.read_text(), DELIVERY)
    heading = (
        f"# {conversations} conversations, {stats['matched']} alerts delivered,"
        f" {cpu_ms:.2f} ms CPU an alert (with py-spy attached)\n"
        f"# share of the delivery's samples ({DELIVERY}) in each function, inclusive\n"
    )
    (OUT / f"{name}.txt").write_text(heading + summary)
    return heading + summary


def shares(collapsed: str, within: str, top: int = 80) -> str:
    """Each function's inclusive share of the samples whose stack holds `within`."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or within not in stack:
            continue
        samples = int(count)
        total += samples
        for frame in {re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")}:
            inclusive[frame] += samples
    return "".join(
        f"{100 * samples / total:5.1f}%  {frame}\n" for frame, samples in inclusive.most_common(top)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--name", default="fanout")
    args = parser.parse_args()
    print(asyncio.run(record(args.conversations, args.name)))


if __name__ == "__main__":
    main()
