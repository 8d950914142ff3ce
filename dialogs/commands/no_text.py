"""A message without text (an attachment, only blanks or control characters)."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs import texts
from dialogs.commands.command import Turn


@dataclass(frozen=True)
class NoText:
    async def handle(self, turn: Turn) -> None:
        await turn.say(texts.NO_TEXT)
