"""What every command reads with: cleaned text, a watch's number, and CommandError."""

from __future__ import annotations

from dialogs import texts


class CommandError(ValueError):
    """The message was understood but a value in it is wrong; the text says how to fix it."""


def clean_text(text: str | None) -> str:
    """Printable text with runs of white space folded to one space."""
    if not text:
        return ""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def number_or_name(rest: str) -> tuple[int | None, str]:
    """A watch as `remove` and `why` take it: its number as listed ("2", "#2"), or words of
    its name."""
    argument = rest.strip().lstrip("#")
    if argument.isdecimal() and argument.isascii():
        return int(argument), ""
    if argument.startswith("-") and argument[1:].isdecimal() or argument in {"0", "-0"}:
        raise CommandError(texts.NUMBERS_START_AT_1)
    return None, rest.strip()


def shorten(raw: str, limit: int = 20) -> str:
    """A value the user typed, cut to fit in a correction."""
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"
