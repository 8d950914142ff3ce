"""A product's price history: the points the polls saw, and what a period of them says.

The store keeps changes only: a point holds from its `at` until the next point. A point
whose price is None starts an unavailable spell (the feed said null), which also holds
until the next point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, Iterable, Sequence

from domain.watches import Watch

CENT: Final = Decimal("0.01")


@dataclass(frozen=True)
class PricePoint:
    at: datetime
    price: Decimal | None
    """None: unavailable from `at` until the next point."""


@dataclass(frozen=True)
class HistorySummary:
    """Min / average / max over the part of a period the history covers."""

    start: datetime
    """When the covered part begins: the period's start, or the first point if later."""
    end: datetime
    low: PricePoint
    high: PricePoint
    average: Decimal
    current: Decimal | None


def shown_since(watched_since: datetime) -> datetime:
    """Where a person's history and charts of a product start: the hour they started
    watching it (what was kept before would tell them someone else watched it), whole
    hours so that everyone who started in the same hour shares one chart."""
    return watched_since.replace(minute=0, second=0, microsecond=0)


def history_start(watches: Iterable[Watch], product_id: str) -> datetime | None:
    """Where the history of `product_id` starts for the owner of `watches`: `shown_since`
    their first watch of it; None when they watch it not."""
    return min(
        (shown_since(watch.created_at) for watch in watches if watch.product_id == product_id),
        default=None,
    )


def spans(
    points: Sequence[PricePoint], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, Decimal | None]]:
    """Each point's stretch of time cut to [start, end], oldest first; a point from
    before `start` holds at `start` (the store keeps the last one before any cutoff)."""
    ordered = sorted(points, key=lambda point: point.at)
    result = []
    for point, following in zip(ordered, [*ordered[1:], None]):
        begin = max(point.at, start)
        finish = min(following.at if following is not None else end, end)
        if finish > begin or (following is None and begin == finish):  # a point at `end`
            result.append((begin, finish, point.price))
    return result


def summarize(
    points: Sequence[PricePoint], start: datetime, end: datetime
) -> HistorySummary | None:
    """Min, max and the **time-weighted** average over [start, end]; None when the
    history has no price in it.

    Time-weighted because the store keeps changes only: a plain average of the points
    would weigh a one-hour flash sale as much as a price that held for two months. The
    time-weighted one is what the product typically cost in the period. Unavailable
    spells count for neither.
    """
    priced = [(b, f, p) for b, f, p in spans(points, start, end) if p is not None]
    if not priced:
        return None
    low = min(priced, key=lambda span: (span[2], span[0]))
    high = max(priced, key=lambda span: (span[2], -span[0].timestamp()))
    seconds = sum((Decimal((f - b) / timedelta(microseconds=1)) for b, f, _ in priced), Decimal(0))
    if seconds > 0:
        weighted = sum(
            (p * Decimal((f - b) / timedelta(microseconds=1)) for b, f, p in priced), Decimal(0)
        )
        average = weighted / seconds
    else:  # a single instant: the period is all at its end
        average = sum((p for _, _, p in priced), Decimal(0)) / len(priced)
    spans_all = spans(points, start, end)
    return HistorySummary(
        start=spans_all[0][0],
        end=end,
        low=PricePoint(low[0], low[2]),
        high=PricePoint(high[0], high[2]),
        average=average.quantize(CENT, rounding=ROUND_HALF_EVEN),
        current=spans_all[-1][2],
    )


def lowest(points: Sequence[PricePoint], start: datetime, end: datetime) -> PricePoint | None:
    """The lowest price in [start, end] and when it was first reached there (a price
    held from before `start` counts, at `start`); None when there is no price."""
    priced = [(b, p) for b, _, p in spans(points, start, end) if p is not None]
    if not priced:
        return None
    begin, price = min(priced, key=lambda span: (span[1], span[0]))
    return PricePoint(begin, price)


@dataclass(frozen=True)
class Downsampled:
    """A period of a product's history as the database sums it up: at most a few points
    per slice of the period (each slice's first, last, lowest, highest and first
    unavailable point, so no low or high is lost) and the time-weighted totals of the
    whole period. What `history` and the charts read instead of every point."""

    start: datetime
    end: datetime
    points: tuple[PricePoint, ...]
    """Oldest first; the first holds from the period's start (or later, for a history
    younger than the period)."""
    priced_seconds: Decimal
    """How long the period had a price."""
    weighted: Decimal
    """The sum of each price times the seconds it held."""


def summary_of(period: Downsampled) -> HistorySummary | None:
    """`summarize` of a downsampled period: the same low, high, current and start (the
    points keep them), the average from the database's totals."""
    priced = [point for point in period.points if point.price is not None]
    if not priced:
        return None
    low = min(priced, key=lambda point: (point.price, point.at))
    high = max(priced, key=lambda point: (point.price, -point.at.timestamp()))
    if period.priced_seconds > 0:
        average = period.weighted / period.priced_seconds
    else:  # a single instant: the period is all at its end
        average = sum((point.price for point in priced), Decimal(0)) / len(priced)  # type: ignore[misc]
    return HistorySummary(
        start=period.points[0].at,
        end=period.end,
        low=low,
        high=high,
        average=average.quantize(CENT, rounding=ROUND_HALF_EVEN),
        current=period.points[-1].price,
    )
