"""The chart itself: a product's price history as a small PNG, legible on a phone.

Pure: the same points, moment, currency and period give the same bytes. Prices hold
until they change, so the line is a step line; unavailable spells are shaded gaps.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Sequence

from PIL import Image, ImageDraw, ImageFont

from domain.history import PricePoint, spans
from domain.local_times import zone_info, zone_label

SCALE: Final = 2
WIDTH: Final = 600 * SCALE
HEIGHT: Final = 300 * SCALE
MARGIN_LEFT: Final = 24 * SCALE
MARGIN_RIGHT: Final = 24 * SCALE
MARGIN_TOP: Final = 44 * SCALE
MARGIN_BOTTOM: Final = 40 * SCALE
BACKGROUND: Final = (255, 255, 255)
GRID: Final = (225, 228, 234)
LINE: Final = (0, 103, 192)
LOW: Final = (16, 124, 16)
HIGH: Final = (196, 43, 28)
TEXT: Final = (40, 40, 48)
MUTED: Final = (110, 114, 124)
GAP: Final = (238, 238, 238)
_SYMBOLS: Final = {"USD": "$", "CAD": "CA$", "AUD": "A$"}
"""Signs Pillow's built-in font can draw: it has no €, £ or ¥ (they came out as empty
boxes), so charts name those currencies by code ("34.99 EUR")."""


def render_chart(
    points: Sequence[PricePoint],
    now: datetime,
    currency: str | None,
    period: timedelta,
    zone: str | None = None,
) -> bytes:
    """The history over (now - period, now] as a 1200x600 PNG (600x300 at 2x), in a
    small palette; a history younger than the period is drawn from its first point, so
    the step line fills the chart and the axis starts there. The axis reads in `zone`
    (None: unknown, so UTC) and says which. With no price in the period it says so
    instead of drawing a line."""
    start = _chart_start(points, now, period)
    period = max(now - start, MIN_SPAN)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    label = ImageFont.load_default(size=15 * SCALE)
    small = ImageFont.load_default(size=12 * SCALE)
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    stretches = spans(points, start, now)
    prices = [price for _, _, price in stretches if price is not None]
    draw.line([(left, bottom), (right, bottom)], fill=GRID, width=SCALE)
    _date_axis(draw, small, (start, now), zone, (left, right), bottom)
    draw.text(
        (right, 10 * SCALE), f"times in {zone_label(zone)}", font=small, fill=MUTED, anchor="ra"
    )
    if not prices:
        draw.text(
            ((left + right) // 2, (top + bottom) // 2),
            "No price history yet",
            font=label,
            fill=MUTED,
            anchor="mm",
        )
        return _png(image)
    low, high = min(prices), max(prices)
    pad = (high - low) * Decimal("0.15") or max(high * Decimal("0.05"), Decimal("0.01"))
    floor, ceiling = low - pad, high + pad

    def x(moment: datetime) -> int:
        return left + round((right - left) * ((moment - start) / period))

    def y(price: Decimal) -> int:
        return bottom - round((bottom - top) * float((price - floor) / (ceiling - floor)))

    for fraction in (0.25, 0.5, 0.75):
        level = top + round((bottom - top) * fraction)
        draw.line([(left, level), (right, level)], fill=GRID, width=1)
    previous: tuple[int, int] | None = None
    for begin, finish, price in stretches:
        if price is None:
            gap = [(x(begin), top), (max(x(finish), x(begin) + 1), bottom - 1)]
            draw.rectangle(gap, fill=GAP)
            previous = None
            continue
        level = y(price)
        if previous is not None:
            draw.line([previous, (x(begin), level)], fill=LINE, width=3 * SCALE)
        draw.line([(x(begin), level), (x(finish), level)], fill=LINE, width=3 * SCALE)
        previous = (x(finish), level)
    low_at = min(begin for begin, _, price in stretches if price == low)
    high_at = min(begin for begin, _, price in stretches if price == high)
    span = (left, right)
    _mark(draw, label, (x(high_at), y(high)), f"max {_money(high, currency)}", HIGH, True, span)
    if high != low:
        _mark(draw, label, (x(low_at), y(low)), f"min {_money(low, currency)}", LOW, False, span)
    current = stretches[-1][2]
    heading = "now unavailable" if current is None else f"now {_money(current, currency)}"
    draw.text((left, 10 * SCALE), heading, font=label, fill=TEXT)
    return _png(image)


MIN_SPAN: Final = timedelta(seconds=1)
"""The shortest span the x axis stretches over (a history of one instant)."""


def _chart_start(points: Sequence[PricePoint], now: datetime, period: timedelta) -> datetime:
    """The period's start, or the history's first point when that is later: the step
    line starts at the left edge, never after an empty stretch of axis."""
    first = min((point.at for point in points), default=None)
    if first is None or first <= now - period:
        return now - period
    return min(first, now)


def _date_axis(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    period: tuple[datetime, datetime],
    zone: str | None,
    span: tuple[int, int],
    bottom: int,
) -> None:
    """Dates (in the reader's zone) at the ends and the middle: enough to read the
    period, few enough to read; with the time of day for a period under 3 days."""
    (start, end), (left, right) = period, span
    info = zone_info(zone)
    for fraction, anchor in ((0.0, "lt"), (0.5, "mt"), (1.0, "rt")):
        moment = (start + (end - start) * fraction).astimezone(info)
        where = left + round((right - left) * fraction)
        draw.line([(where, bottom), (where, bottom + 4 * SCALE)], fill=GRID, width=SCALE)
        label = f"{moment:%b} {moment.day}"
        if end - start < timedelta(days=3):
            label += f" {moment:%H:%M}"
        draw.text((where, bottom + 8 * SCALE), label, font=font, fill=MUTED, anchor=anchor)


def _mark(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    where: tuple[int, int],
    text: str,
    colour: tuple[int, int, int],
    above: bool,
    span: tuple[int, int],
) -> None:
    """A dot on the line and its label, on the side with room for it."""
    (at_x, at_y), (left, right) = where, span
    radius = 5 * SCALE
    draw.ellipse([(at_x - radius, at_y - radius), (at_x + radius, at_y + radius)], fill=colour)
    anchor_x = "l" if at_x < (left + right) / 2 else "r"
    offset = 8 * SCALE if anchor_x == "l" else -8 * SCALE
    draw.text(
        (at_x + offset, at_y + (-8 * SCALE if above else 8 * SCALE)),
        text,
        font=font,
        fill=colour,
        anchor=anchor_x + ("b" if above else "t"),
    )


def _money(amount: Decimal, currency: str | None) -> str:
    if currency is None:
        return f"{amount:,.2f}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def _palette() -> Image.Image:
    """The chart's own colours, each with a ramp towards white for anti-aliased edges:
    mapping to a fixed palette is 4x cheaper than choosing one per image, and keeps
    every flat colour exact (the shaded gap too)."""
    colours: list[tuple[int, int, int]] = []
    for colour in (LINE, LOW, HIGH, TEXT, MUTED):
        for step in range(8):
            colours.append(
                tuple(c + (255 - c) * step // 8 for c in colour)  # type: ignore[misc]
            )
    colours += [BACKGROUND, GRID, GAP]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    return palette


_PALETTE: Final = _palette()
PNG_LEVEL: Final = 6


def _png(image: Image.Image) -> bytes:
    """In the fixed palette (43 colours): a handful of flat colours keeps the file small
    (well under 20 KB) without visible loss. zlib's default level, not `optimize` (its
    level 9): a third of the time to encode for a file a seventh larger (3.7 ms and
    7.7 KB against 12.5 ms and 6.7 KB for a 30-day chart here)."""
    paletted = image.quantize(palette=_PALETTE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", compress_level=PNG_LEVEL)
    return out.getvalue()
