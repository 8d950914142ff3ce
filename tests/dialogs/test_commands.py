from decimal import Decimal

import pytest

from dialogs.commands.cancel import Cancel
from dialogs.commands.drops import Drop, parse_drop, parse_percent, parse_price
from dialogs.commands.greeting import Greeting
from dialogs.commands.help import Help
from dialogs.commands.list_watches import ListWatches
from dialogs.commands.no_text import NoText
from dialogs.commands.remove import RemoveCommand
from dialogs.commands.table import parse_command
from dialogs.commands.unknown import Unknown
from dialogs.commands.watch import WatchCommand
from dialogs.commands.words import CommandError

D = Decimal


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", Help()),
        ("HELP", Help()),
        ("?", Help()),
        ("list", ListWatches()),
        ("watches", ListWatches()),
        ("cancel", Cancel()),
        ("Stop", Cancel()),
        ("hi", Greeting()),
        ("Hello", Greeting()),
        ("hey", Greeting()),
        ("help me please", Unknown("help me please")),
        ("what is the price of headphones", Unknown("what is the price of headphones")),
        ("watch headphones 20%", WatchCommand("headphones", Drop(percent=D(20)))),
        ("watch headphones 20 %", WatchCommand("headphones", Drop(percent=D(20)))),
        ("Watch Espresso Machine 12.5%", WatchCommand("Espresso Machine", Drop(percent=D("12.5")))),
        ("watch headphones 1%", WatchCommand("headphones", Drop(percent=D(1)))),
        ("watch headphones 95%", WatchCommand("headphones", Drop(percent=D(95)))),
        ("watch espresso machine below 300", WatchCommand("espresso machine", Drop(below=D(300)))),
        ("watch espresso machine UNDER $300", WatchCommand("espresso machine", Drop(below=D(300)))),
        ("watch desk below $1,299.99", WatchCommand("desk", Drop(below=D("1299.99")))),
        ("watch desk below 1000000", WatchCommand("desk", Drop(below=D(1_000_000)))),
        ("watch coffee", WatchCommand("coffee", None)),
        ("watch", WatchCommand("", None)),
        ("  watch \t headphones\n\n 20%  ", WatchCommand("headphones", Drop(percent=D(20)))),
        ("watch\x00headphones\x0720%", WatchCommand("headphones", Drop(percent=D(20)))),
        ("remove 2", RemoveCommand(2, "")),
        ("remove #2", RemoveCommand(2, "")),
        ("unwatch 3", RemoveCommand(3, "")),
        ("delete coffee grinder", RemoveCommand(None, "coffee grinder")),
        ("remove", RemoveCommand(None, "")),
        (
            "remove 99999999999999999999",
            RemoveCommand(99999999999999999999, ""),
        ),
    ],
    ids=repr,
)
def test_parse_command(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("watch headphones -5%", "between 1% and 95% (you said -5%)"),
        ("watch headphones 0%", "between 1% and 95% (you said 0%)"),
        ("watch headphones 0.5%", "between 1% and 95% (you said 0.5%)"),
        ("watch headphones 100%", "between 1% and 95% (you said 100%)"),
        ("watch headphones 150%", "between 1% and 95% (you said 150%)"),
        ("watch headphones 1e309%", '"1e309%" is not a percentage I can read'),
        ("watch headphones NaN%", '"NaN%" is not a percentage I can read'),
        ("watch headphones Infinity%", '"Infinity%" is not a percentage I can read'),
        ("watch headphones 20%%", '"20%%" is not a percentage I can read'),
        ("watch headphones twenty%", '"twenty%" is not a percentage I can read'),
        ("watch headphones below -3", "A target price must be more than 0"),
        ("watch headphones below 0", "A target price must be more than 0"),
        ("watch headphones below 1e400", '"1e400" is not a price I can read'),
        ("watch headphones below 1E+5", '"1E+5" is not a price I can read'),
        ("watch headphones below 1000000.01", "A target price must be at most 1,000,000"),
        ("watch headphones below abc", '"abc" is not a price I can read'),
        ("watch headphones below $", '"$" is not a price I can read'),
        ("watch headphones below NaN", '"NaN" is not a price I can read'),
        ("watch x below", 'Say the price too, like "below 300"'),
        ("watch x under", 'Say the price too, like "below 300"'),
        ("remove -1", 'Watch numbers start at 1: say "list"'),
        ("watch " + "a" * 594, "too long for me (600 characters; I read up to 500)"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_values_get_a_message_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_command(text)

    assert message in str(raised.value)


def test_a_long_number_is_shortened_in_the_message() -> None:
    with pytest.raises(CommandError) as raised:
        parse_command("watch headphones " + "9" * 60 + "x%")

    assert len(str(raised.value)) < 100
    assert "…" in str(raised.value)


def test_500_characters_is_not_too_long() -> None:
    assert parse_command("watch " + "a" * 494) == WatchCommand("a" * 494, None)


@pytest.mark.parametrize(
    "text",
    [None, "", " ", "   \t\n  ", "\x00\x01\x07\x1b", "\u200b\u200f\u202e", " " * 600],
    ids=repr,
)
def test_no_text(text: str | None) -> None:
    assert parse_command(text) == NoText()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("\u200fwatch headphones 20%\u200f", WatchCommand("headphones", Drop(percent=D(20)))),
        ("\u202ehelp", Help()),
        ("🎧", Unknown("🎧")),
        ("watch 🎧 20%", WatchCommand("🎧", Drop(percent=D(20)))),
        ("مرحبا", Unknown("مرحبا")),
        ("שלום עולם", Unknown("שלום עולם")),
        ("监视 耳机 20%", Unknown("监视 耳机 20%")),
        ("watch 耳机", WatchCommand("耳机", None)),
        ("watch café crème below 10", WatchCommand("café crème", Drop(below=D(10)))),
        ("remove ٣", RemoveCommand(None, "٣")),
        ("z\u0351\u0352\u0353algo", Unknown("z\u0351\u0352\u0353algo")),
    ],
    ids=repr,
)
def test_other_scripts_and_marks_do_not_raise(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "drop"),
    [
        ("20%", Drop(percent=D(20))),
        ("20", Drop(percent=D(20))),
        ("20 %", Drop(percent=D(20))),
        (" 12.5% ", Drop(percent=D("12.5"))),
        ("below 300", Drop(below=D(300))),
        ("Under 300", Drop(below=D(300))),
        ("below $300", Drop(below=D(300))),
        ("$300", Drop(below=D(300))),
        ("$1,299.99", Drop(below=D("1299.99"))),
    ],
    ids=repr,
)
def test_parse_drop(text: str, drop: Drop) -> None:
    assert parse_drop(text) == drop


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'Tell me a drop like "20%", or a price like "below 300"'),
        ("about twenty percent", 'Tell me a drop like "20%"'),
        ("20% please", 'Tell me a drop like "20%"'),
        ("below", '"below" is not a percentage I can read'),
        ("0%", "between 1% and 95% (you said 0%)"),
        ("96", "between 1% and 95% (you said 96)"),
        ("20%%", '"20%%" is not a percentage I can read'),
        ("below -3", "A target price must be more than 0"),
        ("$0", "A target price must be more than 0"),
        ("$abc", '"$abc" is not a price I can read'),
    ],
    ids=repr,
)
def test_parse_drop_rejects(text: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_drop(text)

    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", D(1)), ("1%", D(1)), ("20%", D(20)), ("33.3%", D("33.3")), ("95%", D(95))],
)
def test_parse_percent(raw: str, value: Decimal) -> None:
    assert parse_percent(raw) == value


@pytest.mark.parametrize("raw", ["0.99%", "95.01%", "-20%", "%", "", "1e2%", "sNaN%", "-Infinity%"])
def test_parse_percent_rejects(raw: str) -> None:
    with pytest.raises(CommandError):
        parse_percent(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("300", D(300)),
        ("$300", D(300)),
        ("0.01", D("0.01")),
        ("1,299.99", D("1299.99")),
        ("$1,000,000", D(1_000_000)),
    ],
)
def test_parse_price(raw: str, value: Decimal) -> None:
    assert parse_price(raw) == value


@pytest.mark.parametrize(
    "raw",
    [
        "0",
        "-0.01",
        "1000000.01",
        "1e400",
        "1E+5",
        "abc",
        "",
        "$",
        "Infinity",
        "NaN",
        "1" * 41,
        "1,6000",
    ],
)
def test_parse_price_rejects(raw: str) -> None:
    with pytest.raises(CommandError):
        parse_price(raw)
