"""What a stretch of price history says: min, time-weighted average, max, the low."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain.history import PricePoint, lowest, shown_since, summarize

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def day(n: float) -> datetime:
    return NOW - timedelta(days=n)


def point(days_ago: float, price: str | None) -> PricePoint:
    return PricePoint(day(days_ago), None if price is None else Decimal(price))


def test_the_average_weighs_each_price_by_how_long_it_held() -> None:
    # 100 for 80 days, a one-day flash sale at 10, then 100 again for 9 days.
    points = [point(120, "100"), point(10, "10"), point(9, "100")]
    summary = summarize(points, day(90), NOW)
    assert summary is not None
    assert summary.average == Decimal("99.00"), "a plain average of the points would say 70"
    assert (summary.low, summary.high) == (point(10, "10"), point(90, "100"))
    assert summary.current == Decimal("100")
    assert summary.start == day(90), "the price from before the period holds at its start"


def test_unavailable_spells_count_for_nothing() -> None:
    points = [point(30, "50"), point(20, None), point(10, "70")]
    summary = summarize(points, day(30), NOW)
    assert summary is not None
    assert summary.average == Decimal("60.00"), "10 days at 50, 10 days at 70"
    assert summarize([point(5, None)], day(30), NOW) is None
    assert summarize([point(5, "70"), point(1, None)], day(30), NOW).current is None  # type: ignore[union-attr]


def test_a_history_younger_than_the_period_says_where_it_starts() -> None:
    summary = summarize([point(3, "20")], day(90), NOW)
    assert summary is not None and summary.start == day(3)
    assert summarize([], day(90), NOW) is None
    assert summarize([point(-1, "20")], day(90), NOW) is None, "a point after the period"


def test_a_single_point_at_the_end_of_the_period_still_counts() -> None:
    summary = summarize([PricePoint(NOW, Decimal("5"))], day(90), NOW)
    assert summary is not None and summary.average == Decimal("5.00")


def test_the_low_is_the_first_time_the_lowest_price_was_seen_in_the_period() -> None:
    points = [point(100, "80"), point(50, "90"), point(40, "80"), point(30, "85"), point(20, "80")]
    assert lowest(points, day(90), NOW) == point(90, "80"), "held from before: at the start"
    assert lowest(points, day(45), NOW) == point(40, "80")
    assert lowest([point(10, None)], day(90), NOW) is None


def test_a_persons_history_starts_at_the_hour_they_started_watching() -> None:
    """Whole hours, so that people who started in the same hour share one chart."""
    started = datetime(2026, 12, 2, 14, 37, 12, 5, tzinfo=timezone.utc)
    assert shown_since(started) == datetime(2026, 12, 2, 14, tzinfo=timezone.utc)
    assert shown_since(shown_since(started)) == shown_since(started)
