"""A command said while a dialog waits for an answer (the interruption check the bot runs
before the dialog continues): answered with the question asked again, or in place of
the dialog."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.commands.command import Command, Turn


@dataclass(frozen=True)
class AskAgain:
    """The command answers, then the waiting dialog asks its question again."""

    command: Command

    async def handle(self, turn: Turn) -> None:
        await self.command.handle(turn)
        if turn.in_a_dialog:
            await turn.dialogs.reprompt_dialog()


@dataclass(frozen=True)
class Replace:
    """The waiting dialog ends without a word and the command runs in its place."""

    command: Command

    async def handle(self, turn: Turn) -> None:
        await turn.dialogs.cancel_all_dialogs()
        await self.command.handle(turn)
