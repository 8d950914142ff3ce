"""What the command table holds: a command's words and how to read what follows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Entry:
    """A command's row in the table (table.py)."""

    verbs: tuple[str, ...]
    """The first words that name the command, in lower case."""
    parse: Callable[[str], object | None]
    """Reads the words after the verb; None: they are not this command (the fallback
    answers); CommandError: a value in them is wrong."""
