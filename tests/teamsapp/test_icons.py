"""The two icons Teams asks for: 192x192 in colour, and a 32x32 outline in white on
transparent, the same mark at both sizes."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from teamsapp.icons import (
    ACCENT_COLOR,
    COLOR_SIZE,
    OUTLINE_SIZE,
    SYMBOL_SIZE,
    color_icon,
    outline_icon,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_the_color_icon_is_192_square_and_opaque() -> None:
    image = opened(color_icon())
    assert image.size == (192, 192)
    alpha = image.convert("RGBA").getchannel("A")
    assert alpha.getextrema() == (255, 255)
    accent = tuple(int(ACCENT_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    assert image.convert("RGB").getpixel((0, 0)) == accent, "the background is the accent"
    assert (255, 255, 255) in {color for _, color in image.convert("RGB").getcolors(1 << 16)}


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    image = opened(outline_icon())
    assert image.size == (32, 32) and image.mode == "RGBA"
    pixels = list(image.get_flattened_data())
    assert {(r, g, b) for r, g, b, _ in pixels} == {(255, 255, 255)}, "white only"
    alphas = [a for *_, a in pixels]
    assert image.getpixel((31, 0))[3] == 0 and image.getpixel((0, 31))[3] == 0
    drawn = sum(1 for a in alphas if a >= 128) / len(alphas)
    assert 0.1 < drawn < 0.5, "a mark, neither empty nor a filled square"


def test_both_icons_show_the_same_mark() -> None:
    """The colour icon's symbol square, as white coverage scaled down to 32 px, is the
    outline's alpha give or take the edges' smoothing (a mark moved by 4 px, or mirrored,
    differs by 50 or more on average)."""
    color = opened(color_icon()).convert("L")
    background = color.getpixel((0, 0))
    assert isinstance(background, int)
    whiteness = color.point(lambda v: max(0, round((v - background) * 255 / (255 - background))))
    start = (COLOR_SIZE - SYMBOL_SIZE) // 2
    symbol = whiteness.crop((start, start, start + SYMBOL_SIZE, start + SYMBOL_SIZE))
    scaled = symbol.resize((OUTLINE_SIZE, OUTLINE_SIZE), Image.Resampling.BOX)
    difference = ImageChops.difference(scaled, opened(outline_icon()).getchannel("A"))
    values = list(difference.get_flattened_data())
    assert sum(values) / len(values) < 8
