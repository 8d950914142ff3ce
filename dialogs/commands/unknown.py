"""What the bot cannot act on: words that are no command, or a wrong value in a command."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs import texts
from dialogs.commands.command import Turn


@dataclass(frozen=True)
class Unknown:
    """Words that are no command: the friendly fallback."""

    text: str

    async def handle(self, turn: Turn) -> None:
        await turn.say(texts.FALLBACK)


@dataclass(frozen=True)
class Correction:
    """A command with a wrong value: what the CommandError says to fix."""

    message: str

    async def handle(self, turn: Turn) -> None:
        await turn.say(self.message)
