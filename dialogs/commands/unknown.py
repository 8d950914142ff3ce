"""Words that are no command: the friendly fallback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unknown:
    text: str
