"""In a Teams group chat or channel every message to the bot carries its @mention
("<at>PriceWatch</at> watch espresso 20%"): the bot reads the message without it, wherever
it is, and leaves other members' mentions as they were written."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity, ChannelAccount, Entity, Mention

from dialogs.mentions import without_bot_mention
from tests.support.chat import Chat, World

GROUP = "19:group@thread.v2"
AT_BOT = "<at>PriceWatch</at>"
AT_BEN = "<at>Ben Ode</at>"


def at(member_id: str, name: str) -> Mention:
    return Mention(
        mentioned=ChannelAccount(id=member_id, name=name), text=f"<at>{name}</at>", type="mention"
    )


BOT = at("bot", "PriceWatch")  # the chats' recipient is "bot" (tests/support/chat.py)
BEN = at("29:ben", "Ben Ode")


async def ana_in_a_group(world: World) -> Chat:
    ana = world.chat(GROUP, "29:ana", name="Ana Lima", group=True, channel_id="msteams")
    await ana.say(f"{AT_BOT} hello", entities=[BOT])
    return ana


@pytest.mark.parametrize(
    "text",
    [
        f"{AT_BOT} watch headphones 20%",
        f"{AT_BOT}watch headphones 20%",
        f"watch headphones 20% {AT_BOT}",
        f"watch {AT_BOT} headphones 20%",
        f"  {AT_BOT}\u00a0 watch headphones 20%\n",
    ],
)
async def test_a_command_with_the_bots_mention_anywhere_is_understood(
    world: World, text: str
) -> None:
    ana = await ana_in_a_group(world)
    [done] = await ana.say(text, entities=[BOT])
    assert done.startswith("Done! Noise-cancelling headphones is $199.99 now")


async def test_a_question_answered_with_the_mention_gets_its_answer(world: World) -> None:
    ana = await ana_in_a_group(world)
    [asked] = await ana.say(f"{AT_BOT} watch headphones", entities=[BOT])
    assert "drop" in asked
    [confirm] = await ana.say(f"{AT_BOT} 20%", entities=[BOT])
    assert confirm.endswith("(a 20% drop). Shall I?")
    [done] = await ana.say(f"{AT_BOT} yes", entities=[BOT])
    assert done.startswith("Done!")


async def test_without_the_entity_the_text_is_read_as_written(world: World) -> None:
    """Only a mention entity naming the bot makes `<at>..</at>` the bot's mention."""
    ana = await ana_in_a_group(world)
    [reply] = await ana.say(f"{AT_BOT} watch headphones 20%", entities=[BEN])
    assert not reply.startswith("Done!")


def message(text: str, *entities: Any, recipient: str | None = "bot") -> Activity:
    return Activity(
        type="message",
        text=text,
        entities=list(entities),
        recipient=None if recipient is None else ChannelAccount(id=recipient),
    )


def test_other_members_mentions_are_left_as_written() -> None:
    text = f"{AT_BOT} why {AT_BEN} and {AT_BOT}"
    assert without_bot_mention(message(text, BOT, BEN)) == f"why {AT_BEN} and"


def test_a_bot_whose_name_is_a_word_of_the_text_keeps_that_word() -> None:
    """botbuilder's remove_recipient_mention takes the name out of the whole text."""
    price = at("bot", "Price")
    text = "<at>Price</at> watch Price tag printer 20%"
    assert without_bot_mention(message(text, price)) == "watch Price tag printer 20%"


@pytest.mark.parametrize(
    "entity",
    [
        Entity(type="mention"),  # no `mentioned`, no text
        Entity(type="mention", additional_properties={"mentioned": "bot", "text": AT_BOT}),
        Entity(type="mention", additional_properties={"mentioned": {"id": "bot"}, "text": 7}),
        Entity(type="clientInfo", additional_properties={"locale": "en-US"}),
        {"type": "mention", "mentioned": None},
    ],
)
def test_an_entity_that_cannot_be_read_changes_nothing(entity: Any) -> None:
    assert without_bot_mention(message(f"{AT_BOT} list", entity)) == f"{AT_BOT} list"


def test_an_activity_without_recipient_or_text_is_left_alone() -> None:
    """offline-directline sends no recipient; a card's press has no text."""
    assert without_bot_mention(message(f"{AT_BOT} list", BOT, recipient=None)) == f"{AT_BOT} list"
    assert without_bot_mention(Activity(type="message", entities=[BOT])) is None
