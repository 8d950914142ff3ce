"""The app's two icons, drawn from one mark: a price line falling to an arrowhead.

Teams wants a 192x192 colour icon (the mark on a solid background) and a 32x32 outline
icon (the mark in white on transparent). Both are the same shape at two sizes.
"""

from __future__ import annotations

import io
from typing import Final

from PIL import Image, ImageDraw

COLOR_SIZE: Final = 192
OUTLINE_SIZE: Final = 32
SYMBOL_SIZE: Final = 112
"""The mark's square in the middle of the colour icon, clear of the corners Teams rounds."""
ACCENT_COLOR: Final = "#0F7B6C"
"""The colour icon's background, and the manifest's accentColor."""

# The mark, in a unit square (x right, y down): a price that dips, rises a little and
# falls, ending in an arrowhead pointing down and right.
_LINE: Final = ((0.08, 0.24), (0.38, 0.54), (0.56, 0.38), (0.80, 0.62))
_HEAD: Final = ((0.94, 0.76), (0.94, 0.44), (0.62, 0.76))
_STROKE: Final = 0.13
_SUPERSAMPLE: Final = 8
"""Drawn this many times larger and scaled down, for smooth edges."""


def _mark(size: int) -> Image.Image:
    """The mark as a coverage mask ("L"), `size` pixels square, filling it."""
    big = size * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    width = round(_STROKE * big)
    points = [(x * big, y * big) for x, y in _LINE]
    draw.line(points, fill=255, width=width, joint="curve")
    radius = width / 2
    x, y = points[0]
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)  # a round start
    draw.polygon([(x * big, y * big) for x, y in _HEAD], fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def color_icon() -> bytes:
    """192x192, opaque: the mark in white on ACCENT_COLOR, SYMBOL_SIZE square in the middle."""
    image = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), ACCENT_COLOR)
    offset = (COLOR_SIZE - SYMBOL_SIZE) // 2
    image.paste((255, 255, 255), (offset, offset), _mark(SYMBOL_SIZE))
    return _png(image)


def outline_icon() -> bytes:
    """32x32: the mark in white (every pixel's colour) on transparent; only alpha varies."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    image.putalpha(_mark(OUTLINE_SIZE))
    return _png(image)
