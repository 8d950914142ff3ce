"""`make versus` at toy size: a revision's own tree and bench code against this one's, in
turns, every run's count checked, and the bar judged the way the round's issues say."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import versus
from bench.processes import ROOT

POLL = next(b for b in versus.BENCHMARKS if b.name == "poll-sqlite")
CHAT = next(b for b in versus.BENCHMARKS if b.name == "chat-sqlite")


def test_a_revisions_tree_is_its_files_alone(tmp_path: Path) -> None:
    tree = versus.base_tree("HEAD", tmp_path / "base")
    assert (tree / "app.py").read_bytes() == (ROOT / "app.py").read_bytes()
    assert (tree / "bench" / "poll_scale.py").exists()
    assert not (tree / ".git").exists() and not (tree / ".venv").exists()


def test_a_revision_that_is_not_there_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="cannot read revision 'no-such-revision'"):
        versus.base_tree("no-such-revision", tmp_path / "base")


def test_both_sides_run_in_pairs_each_in_its_own_tree(tmp_path: Path) -> None:
    base = versus.base_tree("HEAD", tmp_path / "base")
    runs = versus.compare(base, ROOT, POLL, tmp_path / "runs", versus.SMALL, pairs=2)
    assert len(runs["base"]) == len(runs["ours"]) == 2
    for run in [*runs["base"], *runs["ours"]]:
        assert run["counted"] == run["expected"] > 0, "every alert of every drop"
        assert 0 < run["fetch_ms"] < run["drop_tick_ms"]
    made = sorted(path.name for path in (tmp_path / "runs").iterdir())
    assert made == [f"poll-sqlite-{pair}-{side}" for pair in (0, 1) for side in ("base", "ours")]
    lines = versus.rows(POLL, runs, versus.SMALL)
    assert [line.split(" | ")[1] for line in lines] == [f.label for f in POLL.figures]
    assert "(context)" in lines[1], "the fetch alone is the feed's"


def test_a_run_that_fails_stops_the_comparison_with_its_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no benchmark 'nothing'"):
        versus.run_once(ROOT, "nothing", tmp_path / "run", versus.SMALL)


def runs_of(key: str, base: float, ours: float) -> versus.Runs:
    return {"base": [{key: base}], "ours": [{key: ours}]}


def test_the_bar_is_ten_percent_worse_whichever_way_a_figure_goes() -> None:
    tick, turns = POLL.figures[0], CHAT.figures[0]
    assert versus.within_bar(tick, versus.change(tick, runs_of(tick.key, 100, 109)))
    assert not versus.within_bar(tick, versus.change(tick, runs_of(tick.key, 100, 112)))
    assert versus.within_bar(turns, versus.change(turns, runs_of(turns.key, 300, 280)))
    assert not versus.within_bar(turns, versus.change(turns, runs_of(turns.key, 300, 260)))
    assert versus.within_bar(turns, versus.change(turns, runs_of(turns.key, 300, 450)))
