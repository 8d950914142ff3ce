"""Every chat command, registered once under the words that start it.

Outside a dialog a message is its verb's command (or no text, or the fallback). In a
dialog waiting for an answer, a command interrupts it as its entry says (`Interrupt`):
`list`, `help`, `why`... answer and the question is asked again; `watch`, `remove`,
`bought` and `forget me` take the dialog's place; `cancel` ends it. Anything else is the
dialog's answer.
"""

from __future__ import annotations

from typing import Final, Mapping

from dialogs.commands.bought import BOUGHT
from dialogs.commands.cancel import CANCEL
from dialogs.commands.command import Command, Entry, Interrupt
from dialogs.commands.forget import FORGET
from dialogs.commands.greeting import GREETING
from dialogs.commands.help import HELP
from dialogs.commands.history import HISTORY
from dialogs.commands.interruption import AskAgain, Replace
from dialogs.commands.list_watches import LIST
from dialogs.commands.no_text import NoText
from dialogs.commands.pause import PAUSE
from dialogs.commands.quiet import QUIET
from dialogs.commands.remove import REMOVE
from dialogs.commands.resume import RESUME
from dialogs.commands.snooze import SNOOZE
from dialogs.commands.timezone import TIMEZONE
from dialogs.commands.unknown import Correction, Unknown
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
    FORGET,
)


def _by_word(pairs: list[tuple[str, Entry]]) -> Mapping[str, Entry]:
    table: dict[str, Entry] = {}
    for word, entry in pairs:
        if word in table:
            raise ValueError(f'"{word}" names two commands')
        table[word] = entry
    return table


BY_VERB: Final = _by_word([(verb, entry) for entry in COMMANDS for verb in entry.verbs])
IN_A_DIALOG: Final = _by_word([(word, entry) for entry in COMMANDS for word in entry.in_a_dialog])


def command_in(text: str | None) -> Command:
    """What to do with a message outside a dialog; a wrong value gets its correction."""
    try:
        return parse_command(text)
    except CommandError as error:
        return Correction(str(error))


def interruption_in(text: str | None) -> Command | None:
    """What a message said while a dialog waits for an answer does; None: the dialog
    reads it. A command with a wrong value gets its correction and the question again."""
    cleaned = clean_text(text)
    entry = IN_A_DIALOG.get(cleaned.casefold())
    if entry is not None:
        return entry.parse("")
    if len(cleaned) > MAX_PARSED_CHARS:
        return None
    verb, _, rest = cleaned.partition(" ")
    entry = BY_VERB.get(verb.casefold())
    if entry is None or entry.interrupts is Interrupt.NO:
        return None
    try:
        command = entry.parse(rest)
    except CommandError as error:
        return AskAgain(Correction(str(error)))
    if command is None:
        return None
    if entry.interrupts is Interrupt.ANSWER:
        return AskAgain(command)
    if entry.interrupts is Interrupt.REPLACE:
        return Replace(command)
    return command


def parse_command(text: str | None) -> Command:
    """What a message asks for: its verb's command, NoText or Unknown; CommandError when a
    value in it is wrong."""
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
