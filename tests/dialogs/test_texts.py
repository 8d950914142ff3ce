"""One wording per situation: every command that meets a situation says it in the words
of dialogs/texts.py, and no other module writes those words itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs import texts
from tests.support.chat import Chat, World

ROOT = Path(__file__).resolve().parents[2]

SITUATIONS: dict[str, tuple[list[str], list[str], str]] = {
    # situation: (what the chat has, what is said, how every reply starts)
    "nothing watched": (
        [],
        [
            "list",
            "remove",
            "remove 1",
            "remove kettle",
            "pause kettle",
            "resume all",
            "snooze 1 2h",
            "why 1",
        ],
        texts.NO_WATCHES,
    ),
    "no watch matches": (
        ["watch headphones 20%"],
        ["remove kettle", "pause kettle", "resume kettle", "snooze kettle 1h", "why kettle"],
        texts.no_watch_matches("kettle"),
    ),
    "a number outside the list": (
        ["watch headphones 20%"],
        ["remove 5", "pause 5", "resume 5", "snooze 5 1h", "why 5"],
        texts.no_such_number(1),
    ),
    "numbers start at 1": (
        ["watch headphones 20%"],
        ["remove -1", "pause 0", "why 0", "why -1", "snooze 0 1h"],
        texts.NUMBERS_START_AT_1,
    ),
    "several watches match": (
        ["watch coffee grinder 20%", "watch coffee beans 20%"],
        ["pause coffee", "resume coffee", "snooze coffee 1h", "why coffee"],
        "Several of your watches match; say which by its number",
    ),
    "no product matches": (
        [],
        ["watch unicorn 20%", "watch unicorn", "bought unicorn at 5", "history unicorn"],
        texts.no_product_matches("unicorn"),
    ),
    "several products match": (
        [],
        ["watch coffee 20%", "watch coffee", "bought coffee at 5", "history coffee"],
        texts.several_products_match("coffee"),
    ),
}


async def chat_with(world: World, conversation: str, made: list[str]) -> Chat:
    chat = world.chat(conversation)
    await chat.say("hello")
    for command in made:
        assert (await chat.say(command))[0].startswith("Done!")
    return chat


@pytest.mark.parametrize("situation", SITUATIONS)
async def test_every_command_says_a_situation_in_its_one_wording(
    world: World, situation: str
) -> None:
    made, commands, wording = SITUATIONS[situation]
    for n, command in enumerate(commands):
        chat = await chat_with(world, f"{situation}-{n}", made)
        [reply] = await chat.say(command)
        assert reply.startswith(wording), (command, reply)


# The fixed words of each situation: written in dialogs/texts.py only.
SITUATION_WORDS = [
    "not watching anything",
    "None of your watches",
    "Several of your watches",
    "numbers start at 1",
    "say a number from 1 to",
    "couldn't find",
    "products match",
    "Say which watch",
    "already watching",
    "stopped watching",
    'Or say "cancel"',
]
# Wordings that said a situation a second way, retired.
RETIRED = [
    "You're not watching anything called",
    "That matches more than one product",
    "I don't know a product called",
    "That could be",
    "nothing to remove",
    "to see their numbers",
]


def _unescaped(source: str) -> str:
    """Source text with string escapes of quotes undone (`couldn\\'t` reads couldn't)."""
    return source.replace("\\'", "'").replace('\\"', '"')


def sources() -> list[Path]:
    return sorted(
        path
        for folder in ("dialogs", "bots", "watchers", "outbox")
        for path in (ROOT / folder).rglob("*.py")
    )


@pytest.mark.parametrize("words", SITUATION_WORDS + RETIRED)
def test_a_situations_words_are_written_in_the_texts_module_alone(words: str) -> None:
    writers = [
        path.relative_to(ROOT).as_posix()
        for path in sources()
        if words.casefold() in _unescaped(path.read_text(encoding="utf-8")).casefold()
    ]
    expected = [] if words in RETIRED else ["dialogs/texts.py"]
    assert writers == expected


def test_the_situations_have_one_wording_each() -> None:
    wordings = [wording for _, _, wording in SITUATIONS.values()]
    assert len(set(wordings)) == len(wordings)


# Names and the user's words shown as they are, never read as Markdown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("**Pro** case", "\\*\\*Pro\\*\\* case"),
        ("snake_case [x](y)", "snake\\_case \\[x\\](y)"),
        ("<b>bold</b> `code` ~x~ #1 a|b", "\\<b\\>bold\\</b\\> \\`code\\` \\~x\\~ \\#1 a\\|b"),
        ("Chef's knife (8-inch).", "Chef's knife (8-inch)."),
    ],
)
def test_markdown_in_a_name_is_escaped(raw: str, shown: str) -> None:
    assert texts.md(raw) == shown


async def test_a_quoted_query_is_escaped_and_cut(world: World) -> None:
    chat = await chat_with(world, "quoted", ["watch headphones 20%"])
    [reply] = await chat.say("why **" + "x" * 80)
    assert reply.startswith('None of your watches matches "\\*\\*' + "x" * 58 + '…"')
