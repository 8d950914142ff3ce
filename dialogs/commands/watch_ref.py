"""What `pause`, `resume` and `snooze` share: the watch they name (all of them, a number as
listed, or words of its name), and how they say what they did to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from dialogs import texts
from dialogs.commands.command import Turn
from dialogs.commands.words import CommandError
from dialogs.remove_dialog import watches_named
from domain.watch_changes import Change
from domain.watches import Watch

Act = Callable[[str, int | None, str | None], Awaitable[list[Change]]]
"""Does it to a conversation's watch (None: all of them) of an owner's (None: anyone's,
a 1:1); gives back what it did."""


@dataclass(frozen=True)
class WatchRef:
    all: bool = False
    index: int | None = None
    query: str = ""


def parse_ref(rest: str, verb: str) -> WatchRef:
    argument = rest.strip()
    if not argument:
        raise CommandError(texts.say_which_watch(verb))
    if argument.casefold() == "all":
        return WatchRef(all=True)
    number = argument.lstrip("#")
    if number.isdecimal() and number.isascii():
        if int(number) == 0 or len(number) > 6:
            raise CommandError(texts.NUMBERS_START_AT_1)
        return WatchRef(index=int(number))
    return WatchRef(query=argument)


async def act_on(turn: Turn, which: WatchRef, act: Act, verb: str) -> None:
    """Does `act` (a pause, snooze or resume) to the watch meant and says exactly what
    it did (`texts.sleep_reply`), or says why there is no one watch meant."""
    key, owner = turn.conversation, turn.owner
    target = pick(await turn.services.watchlist.of(key, owner), which, verb)
    if isinstance(target, str):
        await turn.say(target)
        return
    changes = await act(key, None if target is None else target.id, owner)
    times = await turn.local_times()
    told = [change.sleep(times.now) for change in changes]
    await turn.say(texts.sleep_reply(verb, told, times))


def pick(watches: list[Watch], which: WatchRef, verb: str) -> Watch | None | str:
    """The watch meant (None: all of them), or the reply when there is no one."""
    if not watches:
        return texts.NO_WATCHES
    if which.all:
        return None
    if which.index is not None:
        if which.index < 1:
            return texts.NUMBERS_START_AT_1
        if which.index <= len(watches):
            return watches[which.index - 1]
        return texts.no_such_number(len(watches))
    if not which.query:
        return texts.say_which_watch(verb, all_too=False)
    matches = watches_named(watches, which.query)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return texts.no_watch_matches(which.query)
    numbered = {watch.id: n for n, watch in enumerate(watches, 1)}
    labels = [texts.watch_label(numbered[w.id], w) for w in matches]
    return texts.several_watches_match(labels, f"{verb} {numbered[matches[0].id]}")
