"""A message without text (an attachment, only blanks or control characters)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoText:
    pass
