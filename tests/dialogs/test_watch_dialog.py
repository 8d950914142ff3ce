"""The watch dialog as a user meets it: through the bot, one message at a time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dialogs import texts
from domain.rules import percent_rule
from mockfeed import default_catalog
from tests.support.chat import Chat, World

PRODUCT_NAMES = [product.name for product in default_catalog()]
HEADPHONES_AT_20 = (
    "Noise-cancelling headphones is $199.99 now; I'll tell you when it is $159.99 or less"
    " (a 20% drop)."
)
EMPTY_LIST = 'You\'re not watching anything yet. Try "watch headphones 20%".'


async def greeted_chat(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    return chat


def buttons(chat: Chat) -> list[str]:
    """Titles of the suggested actions on the bot's last message."""
    [activity] = chat.last_activities(1)
    assert activity.suggested_actions is not None, f"no buttons on {activity.text!r}"
    actions = activity.suggested_actions.actions
    assert all(action.value == action.title for action in actions)
    return [action.title for action in actions]


async def at_drop_step(world: World) -> Chat:
    chat = await greeted_chat(world)
    [prompt] = await chat.say("watch headphones")
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now. How big a drop")
    return chat


async def assert_nothing_saved(chat: Chat) -> None:
    assert await chat.say("list") == [EMPTY_LIST]


# The product step


async def test_watch_offers_every_catalog_product_as_a_button(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch") == ["Which product should I watch?"]
    assert buttons(chat) == PRODUCT_NAMES


async def test_clicking_a_product_button_moves_on_to_the_drop(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    [prompt] = await chat.say("Espresso machine")
    assert prompt.startswith("Espresso machine is $449.00 now. How big a drop should I wait for?")
    assert '20% if you say "default"' in prompt
    assert buttons(chat) == ["20%", "10%", "30%", "below 404"]


@pytest.mark.parametrize("typed", ["headphones", "HEADPHONE", "  noise  cancelling  "])
async def test_part_of_a_name_in_any_case_finds_the_product(world: World, typed: str) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    [prompt] = await chat.say(typed)
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now.")


async def test_an_ambiguous_word_offers_just_the_matching_products(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    assert await chat.say("coffee") == [
        f'Several products match "coffee". Which one? {texts.OR_CANCEL}'
    ]
    assert buttons(chat) == ["Burr coffee grinder", "Single-origin coffee beans"]
    [prompt] = await chat.say("Single-origin coffee beans")
    assert prompt.startswith("Single-origin coffee beans is $18.50 now.")


async def test_an_unknown_product_is_asked_again_and_a_valid_name_then_works(
    world: World,
) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    assert await chat.say("zzz") == [
        f'I couldn\'t find "zzz". Pick one of these, or type part of its name. {texts.OR_CANCEL}'
    ]
    assert buttons(chat) == PRODUCT_NAMES
    [prompt] = await chat.say("keyboard")
    assert prompt.startswith("Mechanical keyboard is $89.99 now.")


async def test_a_huge_answer_to_the_product_question_is_quoted_short(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    [reply] = await chat.say("z" * 20_000)
    assert reply.startswith("I couldn't find \"" + "z" * 60 + '…"')
    assert len(reply) < 200
    [prompt] = await chat.say("e-reader")
    assert prompt.startswith("E-reader is $139.99 now.")


# The drop step


@pytest.mark.parametrize(
    ("answer", "promise"),
    [
        ("20%", "I'll tell you when it is $159.99 or less (a 20% drop)."),
        ("20", "I'll tell you when it is $159.99 or less (a 20% drop)."),
        ("20 %", "I'll tell you when it is $159.99 or less (a 20% drop)."),
        ("default", "I'll tell you when it is $159.99 or less (a 20% drop)."),
        ("12.5%", "I'll tell you when it is $174.99 or less (a 12.5% drop)."),
        ("below 150", "I'll tell you when it is $150.00 or less (your target)."),
        ("under 150", "I'll tell you when it is $150.00 or less (your target)."),
        ("$150", "I'll tell you when it is $150.00 or less (your target)."),
        ("below 179", "I'll tell you when it is $179.00 or less (your target)."),
    ],
)
async def test_each_way_of_saying_a_drop_is_restated_as_a_concrete_price(
    world: World, answer: str, promise: str
) -> None:
    chat = await at_drop_step(world)
    assert await chat.say(answer) == [
        f"Noise-cancelling headphones is $199.99 now; {promise} Shall I?"
    ]
    assert buttons(chat) == ["Yes", "No"]


@pytest.mark.parametrize(
    ("answer", "correction"),
    [
        ("-5%", "A drop must be between 1% and 95% (you said -5%)."),
        ("0%", "A drop must be between 1% and 95% (you said 0%)."),
        ("100%", "A drop must be between 1% and 95% (you said 100%)."),
        ("150%", "A drop must be between 1% and 95% (you said 150%)."),
        ("1e309%", '"1e309%" is not a percentage I can read: try "20%".'),
        ("1E+5", '"1E+5" is not a percentage I can read: try "20%".'),
        ("NaN%", 'is not a percentage I can read: try "20%".'),
        ("20%%", '"20%%" is not a percentage I can read: try "20%".'),
        ("below -3", "A target price must be more than 0."),
        ("below 1e400", '"1e400" is not a price I can read: try "below 300".'),
        ("below 1E+5", '"1E+5" is not a price I can read: try "below 300".'),
        ("below 2,000,000", "A target price must be at most 1,000,000."),
        ("abc", '"abc" is not a percentage I can read: try "20%".'),
        ("twenty percent please", 'Tell me a drop like "20%", or a price like "below 300".'),
    ],
)
async def test_a_bad_drop_gets_a_specific_correction_and_the_dialog_stays_open(
    world: World, answer: str, correction: str
) -> None:
    chat = await at_drop_step(world)
    [reply] = await chat.say(answer)
    assert correction in reply
    assert reply.endswith(f"How big a drop should I wait for? {texts.OR_CANCEL}")
    [confirm] = await chat.say("30%")
    assert confirm == (
        "Noise-cancelling headphones is $199.99 now; I'll tell you when it is $139.99 or less"
        " (a 30% drop). Shall I?"
    )


async def test_several_bad_drops_in_a_row_never_end_the_dialog(world: World) -> None:
    chat = await at_drop_step(world)
    for answer in ["0%", "abc", "below -3", "100%"]:
        [reply] = await chat.say(answer)
        assert reply.endswith(f"How big a drop should I wait for? {texts.OR_CANCEL}")
    assert (await chat.say("default"))[0].endswith("(a 20% drop). Shall I?")
    assert await chat.say("yes") == [f"Done! {HEADPHONES_AT_20}"]


async def assert_every_drop_button_is_accepted(chat: Chat, command: str) -> None:
    for button in buttons(chat):
        [confirm] = await chat.say(button)
        assert confirm.endswith("Shall I?"), f"{button!r} was offered, then refused: {confirm}"
        await chat.say("no")
        await chat.say(command)


async def test_every_offered_drop_button_is_accepted(world: World) -> None:
    chat = await at_drop_step(world)
    await assert_every_drop_button_is_accepted(chat, "watch headphones")


async def test_a_cheap_product_is_offered_only_drop_buttons_it_accepts(world: World) -> None:
    world.set_price("p-1400", "1.05")
    chat = await greeted_chat(world)
    [prompt] = await chat.say("watch coffee beans")
    assert prompt.startswith("Single-origin coffee beans is $1.05 now.")
    await assert_every_drop_button_is_accepted(chat, "watch coffee beans")


@pytest.mark.parametrize("target", ["below 0.001", "below 0.004", "$0.004"])
async def test_a_target_that_rounds_to_zero_cents_is_refused(world: World, target: str) -> None:
    chat = await at_drop_step(world)
    [reply] = await chat.say(target)
    assert "$0.00" not in reply
    assert reply.startswith("A target price must be")
    assert reply.endswith(f"How big a drop should I wait for? {texts.OR_CANCEL}")


async def test_a_one_shot_target_that_rounds_to_zero_cents_is_refused(world: World) -> None:
    chat = await greeted_chat(world)
    [reply] = await chat.say("watch headphones below 0.001")
    assert reply.startswith("A target price must be"), reply
    await assert_nothing_saved(chat)


# The confirm step


async def test_yes_saves_the_watch(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    await chat.say("Noise-cancelling headphones")
    assert await chat.say("20%") == [f"{HEADPHONES_AT_20} Shall I?"]
    assert await chat.say("yes") == [f"Done! {HEADPHONES_AT_20}"]
    assert await chat.say("list") == [
        "Your watches:\n\n1. **Noise-cancelling headphones** – now $199.99,"
        " alert at $159.99 or less"
    ]


async def test_clicking_the_yes_button_saves_the_watch(world: World) -> None:
    chat = await at_drop_step(world)
    await chat.say("below 150")
    assert await chat.say("Yes") == [
        "Done! Noise-cancelling headphones is $199.99 now; I'll tell you when it is $150.00"
        " or less (your target)."
    ]
    assert "alert at $150.00 or less" in (await chat.say("list"))[0]


async def test_no_saves_nothing(world: World) -> None:
    chat = await at_drop_step(world)
    await chat.say("20%")
    assert await chat.say("no") == ["OK, I won't watch it."]
    await assert_nothing_saved(chat)


async def test_an_unclear_confirmation_asks_again_and_restates_the_rule(world: World) -> None:
    chat = await at_drop_step(world)
    await chat.say("20%")
    assert await chat.say("maybe") == [f'Please say "yes" or "no". {HEADPHONES_AT_20} Shall I?']
    assert await chat.say("yes") == [f"Done! {HEADPHONES_AT_20}"]


# Leaving and asking for help in the middle


async def test_cancel_at_the_product_step(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    assert await chat.say("cancel") == [texts.CANCELLED]
    assert await chat.say("headphones") == [texts.FALLBACK], "the dialog must be gone"
    await assert_nothing_saved(chat)


async def test_cancel_at_the_drop_step(world: World) -> None:
    chat = await at_drop_step(world)
    assert await chat.say("cancel") == [texts.CANCELLED]
    assert await chat.say("20%") == [texts.FALLBACK]
    await assert_nothing_saved(chat)


async def test_cancel_at_the_confirm_step(world: World) -> None:
    chat = await at_drop_step(world)
    await chat.say("20%")
    assert await chat.say("Cancel") == [texts.CANCELLED]
    assert await chat.say("yes") == [texts.FALLBACK]
    await assert_nothing_saved(chat)


async def test_help_at_the_product_step_shows_help_and_asks_again(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    assert await chat.say("help") == [texts.help_text(Decimal(20)), "Which product should I watch?"]
    assert buttons(chat) == PRODUCT_NAMES
    [prompt] = await chat.say("headphones")
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now.")


async def test_help_at_the_drop_step_shows_help_and_asks_again(world: World) -> None:
    chat = await at_drop_step(world)
    help_text, prompt = await chat.say("help")
    assert help_text == texts.help_text(Decimal(20))
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now. How big a drop")
    assert await chat.say("20%") == [f"{HEADPHONES_AT_20} Shall I?"]


async def test_help_at_the_confirm_step_shows_help_and_asks_again(world: World) -> None:
    chat = await at_drop_step(world)
    await chat.say("20%")
    assert await chat.say("help") == [texts.help_text(Decimal(20)), f"{HEADPHONES_AT_20} Shall I?"]
    assert buttons(chat) == ["Yes", "No"]
    assert await chat.say("yes") == [f"Done! {HEADPHONES_AT_20}"]


# One-shot commands


async def test_one_shot_percent_watch_is_created_without_a_dialog(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch headphones 20%") == [f"Done! {HEADPHONES_AT_20}"]
    assert chat.last_activities(1)[0].suggested_actions is None
    assert "1. **Noise-cancelling headphones**" in (await chat.say("list"))[0]


async def test_one_shot_target_price_watch_is_created_without_a_dialog(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch espresso machine below 300") == [
        "Done! Espresso machine is $449.00 now; I'll tell you when it is $300.00 or less"
        " (your target)."
    ]
    assert (
        "1. **Espresso machine** – now $449.00, alert at $300.00 or less"
        in (await chat.say("list"))[0]
    )


async def test_one_shot_with_an_ambiguous_product_asks_which_and_keeps_the_drop(
    world: World,
) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch coffee 20%") == ['Several products match "coffee". Which one?']
    assert buttons(chat) == ["Burr coffee grinder", "Single-origin coffee beans"]
    assert await chat.say("Burr coffee grinder") == [
        "Burr coffee grinder is $149.00 now; I'll tell you when it is $119.20 or less"
        " (a 20% drop). Shall I?"
    ]
    assert (await chat.say("yes"))[0].startswith("Done! Burr coffee grinder")


async def test_one_shot_with_an_unknown_product_asks_for_one(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch zzz 20%") == ['I couldn\'t find "zzz". Which product?']
    assert buttons(chat) == PRODUCT_NAMES
    assert (await chat.say("headphones")) == [f"{HEADPHONES_AT_20} Shall I?"]


async def test_watch_with_a_product_but_no_drop_asks_the_drop(world: World) -> None:
    chat = await greeted_chat(world)
    [prompt] = await chat.say("watch headphones")
    assert prompt == (
        "Noise-cancelling headphones is $199.99 now. How big a drop should I wait for?"
        ' Say a percentage (20% if you say "default"), or a price like "below 179".'
    )
    assert buttons(chat) == ["20%", "10%", "30%", "below 179"]


async def test_a_target_above_the_current_price_says_so_and_is_saved(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch headphones below 500") == [
        "Done! Noise-cancelling headphones is $199.99 now; I'll tell you when it is $500.00"
        " or less (your target). It is already at or below $500.00, so I'll tell you the next"
        " time it drops there after going back up."
    ]
    assert "alert at $500.00 or less" in (await chat.say("list"))[0]


# When the product or the feed can't be used


async def test_feed_down_on_watch_is_friendly_and_leaves_no_dialog_open(world: World) -> None:
    chat = await greeted_chat(world)
    world.feed.failing = True
    assert await chat.say("watch") == [texts.FEED_DOWN]
    world.feed.failing = False
    assert await chat.say("headphones") == [texts.FALLBACK], "no prompt may be waiting"
    assert await chat.say("help") == [texts.help_text(Decimal(20))]
    assert world.errors == []


async def test_feed_down_on_a_one_shot_watch_is_friendly(world: World) -> None:
    chat = await greeted_chat(world)
    world.feed.failing = True
    assert await chat.say("watch headphones 20%") == [texts.FEED_DOWN]
    world.feed.failing = False
    await assert_nothing_saved(chat)


async def test_feed_down_after_the_product_was_picked_ends_the_dialog(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    world.feed.failing = True
    assert await chat.say("headphones") == [texts.FEED_DOWN]
    world.feed.failing = False
    assert await chat.say("20%") == [texts.FALLBACK]
    await assert_nothing_saved(chat)


@pytest.mark.parametrize("command", ["watch headphones", "watch headphones 20%"])
async def test_a_product_without_a_price_cannot_be_watched(world: World, command: str) -> None:
    world.set_price("p-100", None)
    chat = await greeted_chat(world)
    assert await chat.say(command) == [
        "Noise-cancelling headphones has no price right now, so I can't watch it yet."
        " Please try again later."
    ]
    assert await chat.say("20%") == [texts.FALLBACK]
    await assert_nothing_saved(chat)


async def test_a_product_without_a_price_picked_in_the_dialog(world: World) -> None:
    world.set_price("p-100", None)
    chat = await greeted_chat(world)
    await chat.say("watch")
    [reply] = await chat.say("Noise-cancelling headphones")
    assert reply.startswith("Noise-cancelling headphones has no price right now")
    await assert_nothing_saved(chat)


# The watch limit


LIMIT_MESSAGE = (
    "You already have 50 watches, the most I keep for one person (watches in your other"
    ' chats with me count too). Say "list" and "remove <number>" to make room.'
)


async def fill_up(world: World) -> None:
    """50 watches in the chat's conversation, made past the chat's one watch per product:
    the limit counts what the store holds."""
    [headphones] = [p for p in default_catalog() if p.id == "p-100"]
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    for _ in range(50):
        await world.watchlist.add("test/convo-1", "user-1", headphones, rule)


async def test_the_51st_one_shot_watch_gets_the_limit_message(world: World) -> None:
    chat = await greeted_chat(world)
    await fill_up(world)
    assert await chat.say("watch espresso machine 20%") == [LIMIT_MESSAGE]
    [listing] = await chat.say("list")
    assert "\n50. **Noise-cancelling headphones**" in listing
    assert "Espresso" not in listing


async def test_the_51st_watch_through_the_dialog_gets_the_limit_message(world: World) -> None:
    chat = await greeted_chat(world)
    await fill_up(world)
    await chat.say("watch")
    await chat.say("espresso")
    await chat.say("20%")
    assert await chat.say("yes") == [LIMIT_MESSAGE]
    assert "Espresso" not in (await chat.say("list"))[0]
    assert (await chat.say("remove 1"))[0].startswith("OK, I've stopped watching")
    assert (await chat.say("watch espresso machine 20%"))[0].startswith("Done! Espresso")
