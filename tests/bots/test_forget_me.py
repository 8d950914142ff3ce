"""`forget me` as a dialog on the TestAdapter with a real store: it asks first, and only
"yes" from the one who asked deletes; "no" and "cancel" leave everything; in a group the
others' watches and settings stay, in this conversation and in every other one."""

from __future__ import annotations

import pickle

import pytest

from bots.quiet_settings import MEMBERS, QUIET_HOURS
from dialogs import texts
from domain.personal_data import PersonalData
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

GROUP, OTHER_GROUP = "19:group@thread.v2", "19:other@thread.v2"
ASKED = "Shall I forget you?"


async def member(world: World, group: str, user: str, name: str) -> Chat:
    chat = world.chat(group, user, name=name, group=True, channel_id="msteams")
    await chat.say("hello")
    return chat


async def settings_in(world: World, group: str) -> dict[str, object]:
    record = (await world.store.bot_state.read([f"msteams/conversations/{group}"]))[
        f"msteams/conversations/{group}"
    ]
    return dict(pickle.loads(record.value).get(MEMBERS) or {})


@pytest.mark.parametrize("answer", ["no", "cancel"])
async def test_no_or_cancel_leaves_everything(world: World, answer: str) -> None:
    chat = world.chat()
    await chat.say("hello")
    await chat.say("watch headphones 20%")
    await chat.say("quiet 22:00-07:00")

    [asked] = await chat.say("forget me")
    assert asked == texts.forget_question(PersonalData(watches=1))
    assert "your 1 watch, your settings" in asked
    said = await chat.say(answer)
    assert said == [texts.FORGET_KEPT if answer == "no" else texts.CANCELLED]
    assert len(await world.watchlist.of("test/convo-1")) == 1
    [quiet] = await chat.say("quiet")
    assert "22:00" in quiet


async def test_the_question_says_what_goes_and_waits_through_other_commands(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("hello")
    [asked] = await chat.say("forget me")
    assert asked.startswith(ASKED) and "watches" not in asked, "nothing watched, none named"
    [listed, again] = await chat.say("list")
    assert listed == texts.NO_WATCHES and again.startswith(ASKED)
    assert await chat.say("maybe") == [texts.FORGET_RETRY]
    assert await chat.say("yes") == [
        "Done. I held no watches, alerts or settings of yours, and now I hold nothing about"
        " you. If you write to me again, I'll start afresh."
    ]


async def test_in_a_group_only_the_askers_yes_counts_and_only_their_data_goes(
    world: World,
) -> None:
    ana = await member(world, GROUP, "29:ana", "Ana Lima")
    ben = await member(world, GROUP, "29:ben", "Ben Ode")
    for chat in (ana, ben):
        await chat.say("watch headphones 20%")
        await chat.say("quiet 22:00-07:00")
    anas_other = await member(world, OTHER_GROUP, "29:ana", "Ana Lima")
    bens_other = await member(world, OTHER_GROUP, "29:ben", "Ben Ode")
    await anas_other.say("timezone Europe/Berlin")
    await bens_other.say("timezone Asia/Tokyo")
    assert set(await settings_in(world, OTHER_GROUP)) == {"29:ana", "29:ben"}

    [asked] = await ana.say("forget me")
    assert "your 1 watch," in asked
    assert await ben.say("yes") == [texts.FORGET_NOT_YOURS]
    assert await ben.say("no") == [texts.FORGET_NOT_YOURS]
    [done] = await ana.say("yes")
    assert done.startswith("Done: I deleted 1 watch and your settings")

    [bens_watch] = await world.watchlist.of(f"msteams/{GROUP}")
    assert bens_watch.user_id == "29:ben"
    assert await ana.say("list") == [texts.NO_WATCHES]
    here, there = await settings_in(world, GROUP), await settings_in(world, OTHER_GROUP)
    assert set(here) == {"29:ben"} and here["29:ben"] == {QUIET_HOURS: "22:00-07:00"}
    assert set(there) == {"29:ben"}, "her settings in the other group went too"
    [zone] = await bens_other.say("timezone")
    assert "Asia/Tokyo" in zone
