"""What a chat message asks for: a pure parser from text to typed commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Final, Union

from dialogs.durations import DurationError, parse_duration
from domain.quiet_hours import QuietHours, QuietHoursError, parse_quiet_hours
from domain.zones import canonical_zone

MAX_PARSED_CHARS: Final = 500
MIN_DROP: Final = Decimal(1)
MAX_DROP: Final = Decimal(95)
MAX_PRICE: Final = Decimal(1_000_000)
CENT: Final = Decimal("0.01")
BELOW_WORDS: Final = frozenset({"below", "under"})


class CommandError(ValueError):
    """The message was understood but a value in it is wrong; the text says how to fix it."""


@dataclass(frozen=True)
class Drop:
    """Either a percentage off the current price or a target price."""

    percent: Decimal | None = None
    below: Decimal | None = None


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class ListWatches:
    pass


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Greeting:
    pass


@dataclass(frozen=True)
class WatchCommand:
    query: str
    drop: Drop | None


@dataclass(frozen=True)
class RemoveCommand:
    index: int | None
    query: str


@dataclass(frozen=True)
class HistoryCommand:
    query: str
    days: int | None = None
    """The period asked for ("history headphones 30d"); None: the default."""


@dataclass(frozen=True)
class WatchRef:
    """Which of the conversation's watches: all, a number as listed, or name words."""

    all: bool = False
    index: int | None = None
    query: str = ""


@dataclass(frozen=True)
class PauseCommand:
    which: WatchRef


@dataclass(frozen=True)
class ResumeCommand:
    which: WatchRef


@dataclass(frozen=True)
class SnoozeCommand:
    which: WatchRef
    duration: timedelta


@dataclass(frozen=True)
class BoughtCommand:
    query: str
    paid: Decimal
    days: int


@dataclass(frozen=True)
class QuietCommand:
    """`quiet 22:00-07:00` sets, `quiet off` ends, `quiet` alone asks."""

    hours: QuietHours | None
    off: bool = False


@dataclass(frozen=True)
class TimezoneCommand:
    """`timezone Europe/Berlin` (the IANA spelling); `timezone` alone asks (zone "")."""

    zone: str


@dataclass(frozen=True)
class WhyCommand:
    """`why 2` / `why headphones`: the watch's recent story."""

    index: int | None
    query: str


@dataclass(frozen=True)
class Unknown:
    text: str


@dataclass(frozen=True)
class NoText:
    pass


Command = Union[
    Help,
    ListWatches,
    Cancel,
    Greeting,
    WatchCommand,
    RemoveCommand,
    HistoryCommand,
    PauseCommand,
    ResumeCommand,
    SnoozeCommand,
    BoughtCommand,
    QuietCommand,
    TimezoneCommand,
    WhyCommand,
    Unknown,
    NoText,
]
DEFAULT_PROTECTION_DAYS: Final = 30
MAX_PROTECTION_DAYS: Final = 365

_SIMPLE: Final[dict[str, Command]] = {
    "help": Help(),
    "?": Help(),
    "list": ListWatches(),
    "watches": ListWatches(),
    "cancel": Cancel(),
    "stop": Cancel(),
    "hi": Greeting(),
    "hello": Greeting(),
    "hey": Greeting(),
}


def clean_text(text: str | None) -> str:
    """Printable text with runs of white space folded to one space."""
    if not text:
        return ""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def parse_command(text: str | None) -> Command:
    cleaned = clean_text(text)
    if not cleaned:
        return NoText()
    if len(cleaned) > MAX_PARSED_CHARS:
        raise CommandError(
            f"That message is too long for me ({len(cleaned):,} characters; I read up to "
            f'{MAX_PARSED_CHARS}). Try something short like "watch headphones 20%".'
        )
    verb, _, rest = cleaned.partition(" ")
    verb = verb.casefold()
    if not rest and verb in _SIMPLE:
        return _SIMPLE[verb]
    if verb == "watch":
        return _parse_watch(rest)
    if verb in {"remove", "delete", "unwatch"}:
        return _parse_remove(rest)
    if verb == "history":
        return parse_history(rest)
    if verb == "pause":
        return PauseCommand(_parse_ref(rest, "pause"))
    if verb == "resume":
        return ResumeCommand(_parse_ref(rest, "resume"))
    if verb == "snooze":
        return _parse_snooze(rest)
    if verb == "bought":
        return _parse_bought(rest)
    if verb == "quiet":
        return _parse_quiet(rest)
    if verb in {"timezone", "tz"}:
        return _parse_timezone(rest)
    if verb == "why":
        removal = _parse_remove(rest)
        return WhyCommand(removal.index, removal.query)
    return Unknown(cleaned)


def _parse_ref(rest: str, verb: str) -> WatchRef:
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


def _parse_snooze(rest: str) -> SnoozeCommand:
    tokens = rest.split()
    example = 'Say which watch and for how long, like "snooze headphones 2h" or "snooze all 1d".'
    for size in (2, 1):  # "2 hours" or "2h"
        if len(tokens) > size:
            try:
                duration = parse_duration(" ".join(tokens[-size:]))
            except DurationError as error:
                if size == 1:
                    raise CommandError(f"{error} {example}") from None
                continue
            return SnoozeCommand(_parse_ref(" ".join(tokens[:-size]), "snooze"), duration)
    raise CommandError(example)


_BOUGHT: Final = re.compile(
    r"(?P<query>.+?)\s+(?:at|for)\s+(?P<paid>\S+)(?:\s+within\s+(?P<days>\S+)\s+days?)?",
    re.IGNORECASE,
)


def _parse_bought(rest: str) -> BoughtCommand:
    match = _BOUGHT.fullmatch(rest.strip())
    if match is None:
        raise CommandError(
            'Tell me what you paid, like "bought headphones at 179" or'
            ' "bought headphones at 179 within 14 days".'
        )
    try:
        paid = parse_price(match.group("paid"))
    except CommandError:
        raise CommandError(
            f'"{_shorten(match.group("paid"))}" is not a price I can read: try "at 179".'
        ) from None
    raw_days = match.group("days")
    days = DEFAULT_PROTECTION_DAYS
    if raw_days is not None:
        if not (raw_days.isdecimal() and raw_days.isascii() and len(raw_days) <= 4):
            raise CommandError(
                f'"{_shorten(raw_days)}" is not a number of days: try "within 14 days".'
            )
        days = int(raw_days)
        if not 1 <= days <= MAX_PROTECTION_DAYS:
            raise CommandError(f"Price protection lasts from 1 to {MAX_PROTECTION_DAYS} days.")
    return BoughtCommand(match.group("query"), paid, days)


def _parse_watch(rest: str) -> WatchCommand:
    tokens = rest.split()
    if tokens and tokens[-1] == "%" and len(tokens) >= 2:
        tokens = tokens[:-2] + [tokens[-2] + "%"]
    if tokens and tokens[-1].endswith("%"):
        return WatchCommand(" ".join(tokens[:-1]), Drop(percent=parse_percent(tokens[-1])))
    if len(tokens) >= 2 and tokens[-2].casefold() in BELOW_WORDS:
        return WatchCommand(" ".join(tokens[:-2]), Drop(below=parse_price(tokens[-1])))
    if tokens and tokens[-1].casefold() in BELOW_WORDS:
        raise CommandError('Say the price too, like "below 300".')
    return WatchCommand(" ".join(tokens), None)


def _parse_remove(rest: str) -> RemoveCommand:
    argument = rest.strip().lstrip("#")
    if argument.isdecimal() and argument.isascii():
        return RemoveCommand(int(argument), "")
    if argument.startswith("-") and argument[1:].isdecimal() or argument in {"0", "-0"}:
        raise CommandError('Watch numbers start at 1: say "list" to see them.')
    return RemoveCommand(None, rest.strip())


MAX_HISTORY_DAYS: Final = 365
_HISTORY_DAYS: Final = re.compile(r"(\d{1,6})\s?(?:d|days?)", re.IGNORECASE)


def parse_history(rest: str) -> HistoryCommand:
    """ "headphones", "headphones 30d", "headphones 30 days"."""
    tokens = rest.split()
    for width in (2, 1):
        tail = " ".join(tokens[-width:]) if len(tokens) >= width else ""
        matched = _HISTORY_DAYS.fullmatch(tail)
        if matched:
            days = int(matched.group(1))
            if not 1 <= days <= MAX_HISTORY_DAYS:
                raise CommandError(
                    f"I can show from 1 to {MAX_HISTORY_DAYS} days of history"
                    f' (you said {_shorten(tail)}): try "history headphones 30d".'
                )
            return HistoryCommand(" ".join(tokens[:-width]), days)
    return HistoryCommand(" ".join(tokens))


def _parse_quiet(rest: str) -> QuietCommand:
    if not rest:
        return QuietCommand(None)
    if rest.casefold() in {"off", "none", "stop"}:
        return QuietCommand(None, off=True)
    try:
        return QuietCommand(parse_quiet_hours(rest))
    except QuietHoursError as error:
        raise CommandError(str(error)) from None


def _parse_timezone(rest: str) -> TimezoneCommand:
    if not rest:
        return TimezoneCommand("")
    zone = canonical_zone(rest)
    if zone is None:
        raise CommandError(
            f'"{_shorten(rest)}" is not a time zone I know. Say it like'
            ' "timezone Europe/Berlin" or "timezone America/New_York".'
        )
    return TimezoneCommand(zone)


def parse_drop(text: str) -> Drop:
    """A drop as typed in the dialog: "20%", "20", "below 300", "$300"."""
    tokens = clean_text(text).split()
    if len(tokens) == 2 and tokens[0].casefold() in BELOW_WORDS:
        return Drop(below=parse_price(tokens[1]))
    if len(tokens) == 1 and tokens[0].startswith("$"):
        return Drop(below=parse_price(tokens[0]))
    if len(tokens) == 2 and tokens[1] == "%":
        return Drop(percent=parse_percent(tokens[0]))
    if len(tokens) == 1:
        return Drop(percent=parse_percent(tokens[0]))
    raise CommandError('Tell me a drop like "20%", or a price like "below 300".')


def parse_percent(raw: str) -> Decimal:
    number = raw[:-1] if raw.endswith("%") else raw
    value = _number(number, f'"{_shorten(raw)}" is not a percentage I can read: try "20%".')
    if not MIN_DROP <= value <= MAX_DROP:
        raise CommandError(
            f"A drop must be between {MIN_DROP}% and {MAX_DROP}% (you said {_shorten(raw)})."
        )
    return value


def parse_price(raw: str) -> Decimal:
    number = raw.lstrip("$").replace(",", "")
    value = _number(number, f'"{_shorten(raw)}" is not a price I can read: try "below 300".')
    if value < CENT:
        raise CommandError(
            "A target price must be more than 0. The smallest I can watch for is 0.01."
        )
    if value > MAX_PRICE:
        raise CommandError(f"A target price must be at most {MAX_PRICE:,}.")
    return value


def _number(raw: str, message: str) -> Decimal:
    if not raw or len(raw) > 40:
        raise CommandError(message)
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise CommandError(message) from None
    if not value.is_finite():
        raise CommandError(message)
    return value


def _shorten(raw: str, limit: int = 20) -> str:
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"
