"""`history X [Nd]` as the parser reads it."""

from __future__ import annotations

import pytest

from dialogs.commands.history import HistoryCommand
from dialogs.commands.table import parse_command
from dialogs.commands.words import CommandError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("history headphones", HistoryCommand("headphones")),
        ("HISTORY  espresso machine", HistoryCommand("espresso machine")),
        ("history headphones 30d", HistoryCommand("headphones", 30)),
        ("history headphones 7 days", HistoryCommand("headphones", 7)),
        ("history headphones 1 day", HistoryCommand("headphones", 1)),
        ("history", HistoryCommand("")),
        ("history p-100", HistoryCommand("p-100")),
        ("history coffee beans 2 weeks", HistoryCommand("coffee beans", 14)),
        ("history headphones 14d", HistoryCommand("headphones", 14)),
        ("history headphones 1w", HistoryCommand("headphones", 7)),
        ("history headphones a week", HistoryCommand("headphones", 7)),
    ],
)
def test_history_names_a_product_and_maybe_a_period(text: str, expected: HistoryCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["history tv 0d", "history tv 366d", "history tv 999999 days", "history tv 2 hours"],
)
def test_a_period_out_of_range_says_what_fits(text: str) -> None:
    with pytest.raises(CommandError, match="from 1 to 365 days"):
        parse_command(text)
