"""What `pause`, `resume` and `snooze` share: the watch they name (all of them, a number as
listed, or words of its name), and how they say what they did to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from dialogs import texts
from dialogs.commands.command import Turn
from dialogs.commands.words import CommandError
from dialogs.remove_dialog import watches_named
from domain.watches import Watch

Act = Callable[[str, int | None, str | None], Awaitable[list[Watch]]]
"""Does it to a conversation's watch (None: all of them) of an owner's (None: anyone's,
a 1:1); gives back the watches done."""


@dataclass(frozen=True)
class WatchRef:
    all: bool = False
    index: int | None = None
    query: str = ""


def parse_ref(rest: str, verb: str) -> WatchRef:
    argument = rest.strip()
    if not argument:
        raise CommandError(
            f'Say which watch, like "{verb} headphones", "{verb} 2" or "{verb} all".'
        )
    if argument.casefold() == "all":
        return WatchRef(all=True)
    number = argument.lstrip("#")
    if number.isdecimal() and number.isascii():
        if int(number) == 0 or len(number) > 6:
            raise CommandError('Watch numbers start at 1: say "list" to see them.')
        return WatchRef(index=int(number))
    return WatchRef(query=argument)


async def act_on(turn: Turn, which: WatchRef, act: Act, done: str, how: str) -> None:
    """Does `act` to the watch meant and says so ("OK, I've {done} ... {how}."), or says
    why there is no one watch meant."""
    key, owner = turn.conversation, turn.owner
    target = _pick(await turn.services.watchlist.of(key, owner), which)
    if isinstance(target, str):
        await turn.say(target)
        return
    acted = await act(key, None if target is None else target.id, owner)
    await turn.say(_said(acted, done, how))


def _pick(watches: list[Watch], which: WatchRef) -> Watch | None | str:
    """The watch meant (None: all of them), or the reply when there is no one."""
    if not watches:
        return 'You\'re not watching anything yet. Try "watch headphones 20%".'
    if which.all:
        return None
    if which.index is not None:
        if which.index <= len(watches):
            return watches[which.index - 1]
        return (
            f"You have {_count(len(watches))}: say a number from 1 to {len(watches)}"
            ' (say "list" to see them).'
        )
    matches = watches_named(watches, which.query)
    if len(matches) == 1:
        return matches[0]
    numbered = {watch.id: n for n, watch in enumerate(watches, 1)}
    if not matches:
        shown = which.query[:60] + ("…" if len(which.query) > 60 else "")
        return f'None of your watches matches "{shown}". Say "list" to see them.'
    listed = "\n".join(f"- {texts.watch_label(numbered[w.id], w)}" for w in matches)
    return f"Several of your watches match; say which by its number:\n\n{listed}"


def _said(watches: list[Watch], done: str, how: str) -> str:
    if len(watches) == 1:
        name = watches[0].product_name
        return f"OK, I've {done} {name} " + how.format(name=name) + "."
    return f"OK, I've {done} all {len(watches)} of your watches " + how.format(name="all") + "."


def _count(count: int) -> str:
    return f"{count} watch" + ("es" if count > 1 else "")
