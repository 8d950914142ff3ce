"""Commands said while the bot waits for an answer, at each of its questions: some are
answered and the question is asked again, some take the question's place, `cancel`
ends it. Every question expects an answer (inputHint); statements accept one."""

from __future__ import annotations

import pytest
from botbuilder.schema import InputHints

from dialogs import texts
from tests.support.chat import Chat, World

# Each question, reached by what the user says first (with a keyboard watch already
# made, and an espresso machine watch for the remove question to choose between).
QUESTIONS = {
    "product question": (
        ["watch headphones 20"],
        'I couldn\'t find "headphones 20". Which product?',
    ),
    "drop question": (["watch headphones"], "Noise-cancelling headphones is $199.99 now."),
    "confirmation": (["watch headphones", "20%"], "Noise-cancelling headphones is $199.99 now;"),
    "remove question": (["watch espresso machine 20%", "remove"], "Which watch should I remove?"),
}
ANSWERED = [
    "list",
    "help",
    "?",
    "history keyboard",
    "why 1",
    "pause 1",
    "resume 1",
    "snooze 1 2 hours",
    "quiet",
    "quiet 22:00-07:00",
    "timezone",
    "timezone Asia/Tokyo",
    "snooze 1 1E+5",  # a command with a wrong value: its correction, then the question
]
REPLACING = {
    "watch e-reader 15%": "Done! E-reader is $139.99 now",
    "remove keyboard": "OK, I've stopped watching Mechanical keyboard.",
    "bought skillet at 35,50 within 2 weeks": "OK: until Dec 9, 12:00 UTC I'll tell you if",
}


async def at(world: World, question: str, conversation: str = "convo-1") -> tuple[Chat, str]:
    """A chat waiting at `question`; and the question as it was asked."""
    chat = world.chat(conversation)
    await chat.say("hello")
    assert (await chat.say("watch keyboard 20%"))[0].startswith("Done!")
    openings, start = QUESTIONS[question]
    for said in openings:
        replies = await chat.say(said)
    assert replies[-1].startswith(start), replies
    assert chat.last_activities(1)[0].input_hint == InputHints.expecting_input
    return chat, replies[-1]


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("command", ANSWERED)
async def test_a_command_is_answered_and_the_question_asked_again(
    world: World, question: str, command: str
) -> None:
    chat, asked = await at(world, question)
    replies = await chat.say(command)
    assert len(replies) >= 2 and replies[-1] == asked, replies
    assert replies[0] != asked and "couldn't find" not in replies[0], "not read as the answer"
    [again] = chat.last_activities(1)
    assert again.input_hint == InputHints.expecting_input
    assert await chat.say("cancel") == [texts.CANCELLED], "the question was still open"


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("command", REPLACING)
async def test_watch_remove_and_bought_take_the_questions_place(
    world: World, question: str, command: str
) -> None:
    chat, _ = await at(world, question)
    [reply] = await chat.say(command)
    assert reply.startswith(REPLACING[command]), reply
    assert await chat.say("cancel") == [texts.NOTHING_TO_CANCEL], "the question is gone"


@pytest.mark.parametrize("question", QUESTIONS)
async def test_a_new_question_takes_the_place_of_the_old_one(world: World, question: str) -> None:
    chat, _ = await at(world, question)
    assert await chat.say("watch") == ["Which product should I watch?"]
    [prompt] = await chat.say("e-reader")
    assert prompt.startswith("E-reader is $139.99 now. How big a drop")


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("cancel", ["cancel", "stop", "quit", "Cancel"])
async def test_cancel_ends_the_question(world: World, question: str, cancel: str) -> None:
    chat, _ = await at(world, question)
    assert await chat.say(cancel) == [texts.CANCELLED]
    [listing] = await chat.say("list")
    assert "Noise-cancelling headphones" not in listing


async def test_the_issues_journey_list_answers_and_the_question_comes_back(
    world: World,
) -> None:
    chat, asked = await at(world, "product question")
    [listing, again] = await chat.say("list")
    assert listing.startswith("Your watches:") and "Mechanical keyboard" in listing
    assert again == asked
    [prompt] = await chat.say("headphones")
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now.")


async def test_an_answer_it_cannot_read_says_how_to_leave(world: World) -> None:
    for question in QUESTIONS:
        chat, _ = await at(world, question, conversation=question)
        [retry] = await chat.say("zzz" if question != "confirmation" else "maybe")
        assert "cancel" in retry or '"no"' in retry, (question, retry)
        assert chat.last_activities(1)[0].input_hint == InputHints.expecting_input
        await chat.say("cancel")


async def test_statements_accept_input_and_questions_expect_it(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    await chat.say("watch headphones 20%")
    await chat.say("list")
    await chat.say("help")
    for activity in chat.adapter.activity_buffer:
        assert activity.input_hint == InputHints.accepting_input, activity.text
    await chat.say("watch espresso")
    await chat.say("20%")
    [confirm] = chat.last_activities(1)
    assert confirm.text.endswith("Shall I?")
    assert confirm.input_hint == InputHints.expecting_input
