"""This code against an earlier revision, on the same machine, in the same run.

    python -m bench.versus [--base REV] [--pairs N] [--only NAME,...] [--small]

A figure from another day says little about a change on a shared VM, whose speed drifts
by a third within minutes (BENCHMARKS.md's notes). So each benchmark here runs for the
base revision (its own tree, from `git archive`, with its own bench code and app) and for
this one back to back, the order alternating between pairs; a row gives each side's
median and the median over pairs of this code's figure over the base's. Writes
BENCHMARKS-versus.md (`make versus`).

The base defaults to round 3's start (`ROUND_START`), which the round's issues measure
against: "no benchmark row worse than 10%".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Final, Mapping

from bench.processes import ROOT

ROUND_START: Final = "890f94d"
"""Round 3's start: the code whose figures BENCHMARKS.md showed when the round began."""
PAIRS: Final = 3
WORSE_BY_AT_MOST: Final = 0.10
"""The round's bar: no figure more than 10% worse than the base's."""

RUNNER: Final = """
import asyncio, json, sys
from pathlib import Path

name, work = sys.argv[1], Path(sys.argv[2])
sizes = json.loads(sys.argv[3])


async def measure():
    if name == "fan-out":
        from bench import fanout
        r = await fanout.run_pricewatch(sizes["conversations"], work)
        return {"seconds": r.seconds, "cpu_ms_per_alert": r.cpu_ms_per_alert,
                "counted": r.delivered, "expected": sizes["conversations"]}
    if name in ("poll-sqlite", "poll-postgres"):
        from bench import poll_scale
        r = await poll_scale.run(sizes["products"], sizes["watches"], work,
                                 backend=name.split("-")[1])
        return {"drop_tick_ms": r.drop_tick_seconds * 1000,
                "fetch_ms": r.fetch_floor_seconds * 1000,
                "tick_over_fetch": r.drop_tick_over_floor,
                "counted": r.alerts, "expected": r.expected_alerts}
    if name in ("chat-sqlite", "chat-postgres"):
        from bench import chat_turns
        r = await chat_turns.run(name.split("-")[1], sizes["chat_messages"], work)
        turns = sizes["chat_messages"] // chat_turns.USERS * chat_turns.USERS
        return {"turns_per_second": r.per_second, "p50_ms": r.p50_ms,
                "counted": r.messages, "expected": turns}
    if name == "fleet":
        from bench import fleet_fanout
        r = await fleet_fanout.run(sizes["conversations"], work)
        return {"seconds": r.seconds, "cpu_ms_per_alert": r.cpu_ms_per_alert,
                "counted": r.delivered, "expected": sizes["conversations"]}
    raise SystemExit(f"no benchmark {name!r}")


print(json.dumps(asyncio.run(measure())))
"""
"""Runs one benchmark in a tree, through that tree's own bench code: the functions and
fields it names are the same in this revision and in the round's start."""


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    higher_is_better: bool = False
    judged: bool = True
    """False for context: the poll's fetch alone is its ratio's floor, not its own work."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    figures: tuple[Figure, ...]


BENCHMARKS: Final = (
    Benchmark(
        "fan-out",
        "Fan-out to {conversations} conversations (SQLite)",
        (
            Figure("seconds", "feed change to last alert, s"),
            Figure("cpu_ms_per_alert", "CPU ms an alert"),
        ),
    ),
    *(
        Benchmark(
            f"poll-{backend}",
            f"Poll, {{products}} products / {{watches}} watches, 1% drop ({title})",
            (
                Figure("drop_tick_ms", "drop tick, ms"),
                Figure("fetch_ms", "fetch alone, ms", judged=False),
                Figure("tick_over_fetch", "tick over fetch"),
            ),
        )
        for backend, title in (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
    ),
    *(
        Benchmark(
            f"chat-{backend}",
            f"Chat turns, {{chat_messages}} messages ({title})",
            (
                Figure("turns_per_second", "turns/s", higher_is_better=True),
                Figure("p50_ms", "p50, ms"),
            ),
        )
        for backend, title in (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
    ),
    Benchmark(
        "fleet",
        "Fan-out to {conversations} conversations by a fleet of 3 (PostgreSQL)",
        (
            Figure("seconds", "feed change to last alert, s"),
            Figure("cpu_ms_per_alert", "CPU ms an alert, the three"),
        ),
    ),
)
FULL: Final = {"conversations": 1000, "products": 10_000, "watches": 100_000, "chat_messages": 4000}
SMALL: Final = {"conversations": 20, "products": 500, "watches": 5_000, "chat_messages": 160}

Runs = dict[str, list[dict[str, float]]]
"""By side ("base", "ours"): one benchmark's figures, a dict per run, in pair order."""


def base_tree(revision: str, into: Path) -> Path:
    """The revision's files (`git archive`), without this checkout's history or state."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision], capture_output=True
    )
    if done.returncode != 0:  # not a checkout, or a history without that revision
        raise SystemExit(f"cannot read revision {revision!r}: {done.stderr.decode().strip()}")
    archive = done.stdout
    into.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_once(tree: Path, name: str, work_dir: Path, sizes: Mapping[str, int]) -> dict[str, float]:
    """One benchmark in `tree`, as its own process; its figures, its count checked."""
    work_dir.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, name, str(work_dir), json.dumps(dict(sizes))],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} in {tree} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["counted"] != figures["expected"]:
        raise RuntimeError(
            f"{name} in {tree} counted {figures['counted']} of {figures['expected']}"
        )
    return figures


def compare(
    base: Path,
    ours: Path,
    benchmark: Benchmark,
    work_dir: Path,
    sizes: Mapping[str, int],
    pairs: int,
) -> Runs:
    """`pairs` pairs of runs back to back, the base first in even pairs."""
    runs: Runs = {"base": [], "ours": []}
    for pair in range(pairs):
        sides = ("base", "ours") if pair % 2 == 0 else ("ours", "base")
        for side in sides:
            tree = base if side == "base" else ours
            run_dir = work_dir / f"{benchmark.name}-{pair}-{side}"
            runs[side].append(run_once(tree, benchmark.name, run_dir, sizes))
    return runs


def change(figure: Figure, runs: Runs) -> float:
    """The median over pairs of ours over the base's: below 1 is less of the figure."""
    return statistics.median(
        ours[figure.key] / base[figure.key] for base, ours in zip(runs["base"], runs["ours"])
    )


def within_bar(figure: Figure, ratio: float) -> bool:
    worse = 1 - ratio if figure.higher_is_better else ratio - 1
    return worse <= WORSE_BY_AT_MOST


def rows(benchmark: Benchmark, runs: Runs, sizes: Mapping[str, int]) -> list[str]:
    title = benchmark.title.format(**{key: f"{value:,}" for key, value in sizes.items()})
    lines = []
    for figure in benchmark.figures:
        base = statistics.median(run[figure.key] for run in runs["base"])
        ours = statistics.median(run[figure.key] for run in runs["ours"])
        ratio = change(figure, runs)
        verdict = "yes" if within_bar(figure, ratio) else "**no**"
        lines.append(
            f"| {title} | {figure.label} | {base:.2f} | {ours:.2f} | {ratio:.2f}"
            f" | {verdict if figure.judged else '(context)'} |"
        )
    return lines


def report(revision: str, pairs: int, table: list[str]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "# Benchmarks against the round's start"
            if revision == ROUND_START
            else f"# Benchmarks against {revision}",
            "",
            f"Measured {when}, `make versus`: this code against `{revision}` on the same",
            f"machine, in one run: each benchmark for both, back to back, in {pairs} pair(s)",
            "of runs (the order alternating), each through its own revision's bench code",
            "and app.",
            "A side's figure is the median of its runs; the ratio is the median over pairs",
            "of ours over the base's in the same pair (for turns/s, above 1 is better; for",
            f"the rest, below 1). Within the bar: no more than {WORSE_BY_AT_MOST:.0%} worse.",
            "",
            "| benchmark | figure | base | this code | ratio | within the bar |",
            "|---|---|---|---|---|---|",
            *table,
            "",
            "The poll's row in BENCHMARKS.md, and in the round's issues, is the tick over",
            "the fetch: each drop tick over the fetch alone taken just before and after it,",
            "so the app's own work is set apart from the feed's speed at that moment. The",
            "drop tick alone includes its fetch, and moves with the machine between runs.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default=ROUND_START, help="the revision to compare with")
    parser.add_argument("--pairs", type=int, default=PAIRS)
    parser.add_argument("--only", default="", help="benchmark names, comma-separated")
    parser.add_argument("--small", action="store_true", help="toy sizes, for the tests")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS-versus.md")
    args = parser.parse_args()
    sizes = SMALL if args.small else FULL
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only.split(",")]
    table: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pricewatch-versus-") as work:
        base = base_tree(args.base, Path(work) / "base")
        for benchmark in chosen:
            runs = compare(base, ROOT, benchmark, Path(work) / "runs", sizes, args.pairs)
            table += rows(benchmark, runs, sizes)
            print("\n".join(table[-len(benchmark.figures) :]), flush=True)
    args.output.write_text(report(args.base, args.pairs, table))
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
