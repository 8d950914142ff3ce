"""The chart PNG: valid, small, phone-sized, deterministic, whatever the history."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from PIL import Image

from charts.render import HEIGHT, WIDTH, render_chart
from domain.history import PricePoint

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
PERIOD = timedelta(days=90)


def point(days_ago: float, price: str | None) -> PricePoint:
    return PricePoint(NOW - timedelta(days=days_ago), None if price is None else Decimal(price))


BUSY = [
    point(200 - n * 0.7, None if n % 37 == 5 else f"{150 + (n * 7919) % 97}.99") for n in range(285)
]
HISTORIES = {
    "empty": [],
    "one point": [point(3, "199.99")],
    "one point before the period": [point(300, "199.99")],
    "a gap": [point(120, "199.99"), point(40, None), point(30, "149.99")],
    "unavailable now": [point(20, "19.99"), point(2, None)],
    "many changes": BUSY,
}


@pytest.mark.parametrize("name", HISTORIES)
def test_every_history_renders_a_small_phone_sized_png(name: str) -> None:
    png = render_chart(HISTORIES[name], NOW, "USD", PERIOD)
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 600), "600x300 at 2x"
    assert len(png) < 20_000, f"{len(png)} bytes"


def test_the_same_history_gives_the_same_bytes() -> None:
    history = HISTORIES["a gap"]
    assert render_chart(history, NOW, "EUR", PERIOD) == render_chart(history, NOW, "EUR", PERIOD)
    assert render_chart(history, NOW, "EUR", PERIOD) != render_chart(history, NOW, "USD", PERIOD)


def test_an_unavailable_spell_is_shaded_not_drawn_as_a_price() -> None:
    image = Image.open(io.BytesIO(render_chart(HISTORIES["a gap"], NOW, "USD", PERIOD)))
    rgb = image.convert("RGB")
    # 35 days ago sits inside the gap (40 to 30 days ago): shaded at every height.
    x = 48 + round((1200 - 96) * (55 / 90))
    column = {rgb.getpixel((x, y)) for y in range(120, 500, 20)}
    [shade] = column
    assert all(220 < value < 250 for value in shade), f"light grey, not white: {shade}"


def test_a_flat_then_dropped_price_is_a_step_line_from_the_left_edge() -> None:
    history = [point(3 / 1440, "199.99"), point(20 / 86400, "149.99")]  # minutes old
    rgb = Image.open(io.BytesIO(render_chart(history, NOW, "USD", PERIOD))).convert("RGB")
    left, right = 48, 1200 - 48
    blue = {
        x
        for x in range(left, right)
        for y in range(88, 520)
        if rgb.getpixel((x, y)) == (0, 103, 192)
    }
    assert min(blue) <= left + 12, "the line starts where the history does, not at a blank axis"
    assert max(blue) >= right - 12
    assert len({x // 100 for x in blue}) >= 10, "a line across, not a vertical stroke"


def test_the_axis_reads_in_the_users_zone_and_says_which() -> None:
    history = HISTORIES["a gap"]
    utc = render_chart(history, NOW, "USD", PERIOD)
    assert render_chart(history, NOW, "USD", PERIOD, "Asia/Tokyo") != utc
    assert render_chart(history, NOW, "USD", PERIOD, "UTC") == utc, "unknown reads as UTC"
