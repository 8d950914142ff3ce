"""What a command is: its row in the table, and the turn it answers with the bot's parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Callable, Protocol

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext
from botbuilder.schema import Activity

from dialogs.keys import conversation_key, owner_scope
from domain.clock import Clock
from domain.local_times import LocalTimes
from feed.catalog import Catalog
from shops.pages import ShopPages
from watchers.watchlist import Watchlist

if TYPE_CHECKING:  # each of these modules imports this one
    from dialogs.commands.quiet import QuietCommand
    from dialogs.commands.timezone import TimezoneCommand
    from dialogs.commands.why import WhyCommand
    from dialogs.history_reply import HistoryReplies


class Command(Protocol):
    """A message as read: a command's value, which answers the turn itself."""

    async def handle(self, turn: Turn) -> None: ...


class Interrupt(Enum):
    """What a command does to a dialog that is waiting for an answer."""

    NO = "no"
    """The dialog reads the message as its answer."""
    ANSWER = "answer"
    """The command answers, then the dialog asks its question again."""
    REPLACE = "replace"
    """The dialog ends and the command runs in its place."""
    ITSELF = "itself"
    """The command deals with the dialog itself (cancel)."""


@dataclass(frozen=True)
class Entry:
    """A command's row in the table (table.py)."""

    verbs: tuple[str, ...]
    """The first words that name the command, in lower case."""
    parse: Callable[[str], Command | None]
    """Reads the words after the verb; None: they are not this command (the fallback
    answers); CommandError: a value in them is wrong."""
    interrupts: Interrupt = Interrupt.NO
    """What the command does when it is said while a dialog waits for an answer."""
    in_a_dialog: tuple[str, ...] = ()
    """Further whole messages that interrupt an open dialog with this command."""


class QuietAnswers(Protocol):
    """bots/quiet_settings.py's QuietSettings: the conversation's quiet hours and zone."""

    async def quiet(self, context: TurnContext, command: QuietCommand) -> str: ...

    async def timezone(self, context: TurnContext, command: TimezoneCommand) -> str: ...

    async def local_times(self, context: TurnContext, now: datetime) -> LocalTimes: ...


class WhyAnswers(Protocol):
    """bots/why.py's WhyTeller."""

    async def tell(self, context: TurnContext, command: WhyCommand, dialog_open: bool) -> str: ...


@dataclass(frozen=True)
class Services:
    """The parts of the bot that commands use, built once with the bot."""

    catalog: Catalog
    watchlist: Watchlist
    clock: Clock
    default_drop: Decimal
    """The drop the watch dialog offers, and help names."""
    quiet: QuietAnswers
    why: WhyAnswers
    history: HistoryReplies
    pages: ShopPages
    """Shop pages people paste links to."""


@dataclass(frozen=True)
class Turn:
    """A message's turn, as a command answers it."""

    dialogs: DialogContext
    services: Services
    greeted_now: bool = False
    """Whether the bot greeted in this turn already (a conversation's first message)."""

    @property
    def context(self) -> TurnContext:
        return self.dialogs.context

    @property
    def in_a_dialog(self) -> bool:
        return self.dialogs.active_dialog is not None

    @property
    def conversation(self) -> str:
        """The conversation's key in the store."""
        return conversation_key(self.context.activity)

    @property
    def owner(self) -> str | None:
        """Whose watches this message sees and changes: the sender's in a group, None
        (every watch of the conversation) in a 1:1 (`dialogs.keys.owner_scope`)."""
        return owner_scope(self.context.activity)

    async def local_times(self) -> LocalTimes:
        """How this conversation reads times: its zone and the moment now."""
        return await self.services.quiet.local_times(self.context, self.services.clock())

    async def say(self, reply: str | Activity) -> None:
        await self.context.send_activity(reply)
