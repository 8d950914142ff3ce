"""Properties of the parser over any text: a command or a CommandError, nothing else."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.commands.drops import MAX_DROP, MAX_PRICE, MIN_DROP, Drop, parse_drop
from dialogs.commands.remove import RemoveCommand
from dialogs.commands.table import MAX_PARSED_CHARS, parse_command
from dialogs.commands.watch import WatchCommand
from dialogs.commands.words import CommandError, clean_text
from tests.support.hostile_text import any_text, command_like_text

texts = st.one_of(any_text, command_like_text)


def outcome(text: str | None) -> object:
    try:
        return parse_command(text)
    except CommandError as error:
        return ("CommandError", str(error))


def is_a_command(value: object) -> bool:
    """A value of one of the command modules (whichever the table registers), which
    answers the turn itself."""
    return type(value).__module__.startswith("dialogs.commands.") and callable(
        getattr(value, "handle", None)
    )


def assert_drop_in_range(drop: Drop) -> None:
    if drop.percent is not None:
        assert drop.below is None
        assert MIN_DROP <= drop.percent <= MAX_DROP
    else:
        assert drop.below is not None
        assert drop.below.is_finite() and Decimal("0.01") <= drop.below <= MAX_PRICE


@given(texts)
@example("tz UTC")  # a valid zone: Hypothesis seldom writes one
def test_any_text_parses_to_a_command_or_a_command_error(text: str) -> None:
    try:
        command = parse_command(text)
    except CommandError as error:
        assert str(error).strip(), "a correction always says something"
        return
    assert is_a_command(command), command
    if isinstance(command, WatchCommand) and command.drop is not None:
        assert_drop_in_range(command.drop)
    if isinstance(command, RemoveCommand) and command.index is not None:
        assert command.index >= 1


@given(texts)
def test_the_parser_reads_text_as_it_reads_its_cleaned_form(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert all(ch.isprintable() for ch in cleaned)
    assert outcome(text) == outcome(cleaned)


printable = st.characters(categories=["L", "M", "N", "P", "S"])


@given(st.text(printable, min_size=MAX_PARSED_CHARS + 1, max_size=MAX_PARSED_CHARS * 3))
def test_text_over_the_limit_is_always_refused_with_the_limit_named(text: str) -> None:
    kind, message = outcome(text)  # type: ignore[misc]
    assert kind == "CommandError"
    assert f"I read up to {MAX_PARSED_CHARS}" in message


@given(texts)
def test_any_answer_to_the_drop_question_is_a_drop_in_range_or_a_correction(text: str) -> None:
    try:
        drop = parse_drop(text)
    except CommandError as error:
        assert str(error).strip()
        return
    assert_drop_in_range(drop)
