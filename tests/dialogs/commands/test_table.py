"""The command table: every command help names is in it, and what is not a command gets
the friendly fallback."""

from __future__ import annotations

import importlib
import pkgutil
import re
from decimal import Decimal

import pytest

import dialogs.commands
from dialogs import texts
from dialogs.commands.bought import BoughtCommand
from dialogs.commands.cancel import Cancel
from dialogs.commands.command import Entry
from dialogs.commands.drops import Drop
from dialogs.commands.forget import ForgetMe
from dialogs.commands.help import Help
from dialogs.commands.history import HistoryCommand
from dialogs.commands.interruption import AskAgain, Replace
from dialogs.commands.list_watches import ListWatches
from dialogs.commands.pause import PauseCommand
from dialogs.commands.quiet import QuietCommand
from dialogs.commands.remove import RemoveCommand
from dialogs.commands.table import BY_VERB, COMMANDS, command_in, interruption_in, parse_command
from dialogs.commands.timezone import TimezoneCommand
from dialogs.commands.unknown import Correction, Unknown
from dialogs.commands.watch import WatchCommand
from dialogs.commands.watch_ref import WatchRef
from dialogs.commands.why import WhyCommand
from tests.support.chat import World

D = Decimal
HELP = texts.help_text(Decimal(20))
SNOOZE_EXAMPLE = 'Say which watch and for how long, like "snooze headphones 2h" or "snooze all 1d".'
# Every bold phrase of help is something to say, but "all" in "(or **all**)", which is
# what pause and resume take.
SAID_IN_HELP = [phrase for phrase in re.findall(r"\*\*(.+?)\*\*", HELP) if phrase != "all"]


def test_help_names_the_commands_it_should() -> None:
    verbs = {phrase.split()[0] for phrase in SAID_IN_HELP}
    assert verbs == {
        "watch",
        "list",
        "remove",
        "history",
        "why",
        "pause",
        "resume",
        "snooze",
        "bought",
        "quiet",
        "timezone",
        "forget",
        "cancel",
    }


@pytest.mark.parametrize("phrase", SAID_IN_HELP)
def test_every_command_help_names_is_in_the_table(phrase: str) -> None:
    assert phrase.split()[0] in BY_VERB
    assert not isinstance(parse_command(phrase), Unknown)


def test_every_command_module_is_registered() -> None:
    entries = []
    for module in pkgutil.iter_modules(dialogs.commands.__path__):
        loaded = importlib.import_module(f"dialogs.commands.{module.name}")
        entries += [value for value in vars(loaded).values() if isinstance(value, Entry)]
    assert entries and set(map(id, entries)) == set(map(id, COMMANDS))


def test_verbs_are_single_lower_case_words() -> None:
    for verb in BY_VERB:
        assert verb == verb.casefold() and len(verb.split()) == 1, verb


@pytest.mark.parametrize(
    "text",
    [
        "what is the price of headphones",
        "buy headphones",
        "help me",
        "list all",
        "quit",
        "forget headphones",
        "forget",
    ],
)
def test_text_that_is_no_command_gets_the_fallback(text: str) -> None:
    assert command_in(text) == Unknown(text)


def test_a_wrong_value_gets_its_correction() -> None:
    assert command_in("watch x below") == Correction('Say the price too, like "below 300".')


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("cancel", Cancel()),
        (" Stop ", Cancel()),
        ("quit", Cancel()),
        ("HELP", AskAgain(Help())),
        ("?", AskAgain(Help())),
        ("list", AskAgain(ListWatches())),
        ("why 2", AskAgain(WhyCommand(2, ""))),
        ("pause all", AskAgain(PauseCommand(WatchRef(all=True)))),
        ("timezone", AskAgain(TimezoneCommand(""))),
        ("quiet", AskAgain(QuietCommand(None))),
        ("history", AskAgain(HistoryCommand(""))),
        ("watch headphones below 500", Replace(WatchCommand("headphones", Drop(below=D(500))))),
        ("remove 2", Replace(RemoveCommand(2, ""))),
        ("bought skillet at 35.50", Replace(BoughtCommand("skillet", D("35.50"), 30))),
        ("Forget ME", Replace(ForgetMe())),
        ("forget it", None),
        ("snooze all", AskAgain(Correction(SNOOZE_EXAMPLE))),
        ("hi", None),
        ("list all", None),
        ("cancel it", None),
        ("20%", None),
        ("yes", None),
        ("Noise-cancelling headphones", None),
        (None, None),
    ],
)
def test_commands_interrupt_a_dialog_as_their_entry_says(text: str | None, command: object) -> None:
    assert interruption_in(text) == command


@pytest.mark.parametrize("text", ["what is the price of headphones", "help me", "list all"])
async def test_a_user_saying_something_unknown_gets_the_friendly_fallback(
    world: World, text: str
) -> None:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    assert await chat.say(text) == [texts.FALLBACK]
