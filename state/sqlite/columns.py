"""How times and parameter lists are written for SQLite."""

from __future__ import annotations

from datetime import datetime, timezone


def ts(moment: datetime) -> float:
    return moment.timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def at_or_none(seconds: float | None) -> datetime | None:
    return None if seconds is None else at(seconds)


def placeholders(count: int) -> str:
    return ",".join("?" * count)


def placeholder_rows(count: int, width: int) -> str:
    """`(?, ?), (?, ?)`: count rows of width values, for a VALUES list."""
    return ",".join([f"({placeholders(width)})"] * count)
