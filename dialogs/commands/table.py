"""Every chat command, registered once under the words that start it."""

from __future__ import annotations

from typing import Final, Mapping

from dialogs.commands.bought import BOUGHT
from dialogs.commands.cancel import CANCEL
from dialogs.commands.command import Entry
from dialogs.commands.greeting import GREETING
from dialogs.commands.help import HELP
from dialogs.commands.history import HISTORY
from dialogs.commands.list_watches import LIST
from dialogs.commands.no_text import NoText
from dialogs.commands.pause import PAUSE
from dialogs.commands.quiet import QUIET
from dialogs.commands.remove import REMOVE
from dialogs.commands.resume import RESUME
from dialogs.commands.snooze import SNOOZE
from dialogs.commands.timezone import TIMEZONE
from dialogs.commands.unknown import Unknown
from dialogs.commands.watch import WATCH
from dialogs.commands.why import WHY
from dialogs.commands.words import CommandError, clean_text

MAX_PARSED_CHARS: Final = 500

COMMANDS: Final[tuple[Entry, ...]] = (
    HELP,
    GREETING,
    LIST,
    CANCEL,
    WATCH,
    REMOVE,
    HISTORY,
    WHY,
    PAUSE,
    RESUME,
    SNOOZE,
    BOUGHT,
    QUIET,
    TIMEZONE,
)


def _by_verb(entries: tuple[Entry, ...]) -> Mapping[str, Entry]:
    table: dict[str, Entry] = {}
    for entry in entries:
        for verb in entry.verbs:
            if verb in table:
                raise ValueError(f'"{verb}" starts two commands')
            table[verb] = entry
    return table


BY_VERB: Final = _by_verb(COMMANDS)


def parse_command(text: str | None) -> object:
    """What a message asks for: its verb's command, NoText or Unknown."""
    cleaned = clean_text(text)
    if not cleaned:
        return NoText()
    if len(cleaned) > MAX_PARSED_CHARS:
        raise CommandError(
            f"That message is too long for me ({len(cleaned):,} characters; I read up to "
            f'{MAX_PARSED_CHARS}). Try something short like "watch headphones 20%".'
        )
    verb, _, rest = cleaned.partition(" ")
    entry = BY_VERB.get(verb.casefold())
    command = None if entry is None else entry.parse(rest)
    return Unknown(cleaned) if command is None else command
