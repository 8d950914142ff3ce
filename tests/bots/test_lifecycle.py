"""Who comes and goes, in chats on the TestAdapter with a real store: a watch stopped when
the bot or its owner left says so in `list` and `why`, sends nothing, is offered back on
return, and the owner's `resume`, `pause` or `snooze` makes it theirs again. Retention
deletes it ALERT_RETENTION_DAYS after, unless it was resumed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botbuilder.schema import Activity, ChannelAccount

from dialogs import texts
from domain.alerts import AlertStatus
from domain.departures import Departure
from tests.support.chat import Chat, World
from watchers.retention import Retention

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

GROUP = "19:group@thread.v2"
HEADPHONES = "Noise-cancelling headphones"
UNINSTALL = Activity(type="installationUpdate", action="remove")
INSTALL = Activity(type="installationUpdate", action="add")


def right_now(story: str) -> str:
    return story.split("\n\n")[1]


async def watching(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    assert (await chat.say("watch headphones 20%"))[0].startswith("Done!")
    return chat


async def group_of_two(world: World) -> tuple[Chat, Chat]:
    ana = world.chat(GROUP, "29:ana", name="Ana Lima", group=True, channel_id="msteams")
    ben = world.chat(GROUP, "29:ben", name="Ben Ode", group=True, channel_id="msteams")
    for member in (ana, ben):
        await member.say("hello")
        assert (await member.say("watch headphones 20%"))[0].startswith("Done!")
    return ana, ben


async def test_list_and_why_say_truthfully_why_a_watch_stopped(world: World) -> None:
    chat = await watching(world)
    assert await chat.send(UNINSTALL) == [], "nothing said to a chat the bot left"

    [listed] = await chat.say("list")
    assert listed.endswith(
        "; stopped today 12:00 UTC because I was removed from this chat"
        f' (say "resume {HEADPHONES}" to start it again)'
    )
    [story] = await chat.say("why headphones")
    assert "- today 12:00 UTC stopped: I was removed from this chat." in story
    assert right_now(story).startswith(
        "Right now it is stopped because I was removed from this chat: it tracks the price but"
        " says nothing until you resume it."
    )


async def test_an_alert_made_before_the_uninstall_is_given_up_and_why_says_so(
    world: World,
) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    assert (await world.poller.tick()).alerts == 1
    await chat.send(UNINSTALL)
    await chat.send(INSTALL)
    chat.replies()

    report = await world.deliverer(chat).tick()
    assert report.alerts == 0 and chat.replies() == []
    [alert] = await world.store.outbox.get(range(1, 100))
    assert alert.status is AlertStatus.FAILED and alert.attempts == 0
    [story] = await chat.say("why headphones")
    assert "alert not sent: I was removed from this chat." in story


async def test_pause_or_snooze_by_the_owner_replaces_the_stop(world: World) -> None:
    chat = await watching(world)
    await chat.send(UNINSTALL)
    assert await chat.say("pause headphones") == [
        f'OK, I\'ve paused {HEADPHONES} until you say "resume {HEADPHONES}".'
    ]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.left_at is None and watch.paused_by_user


async def test_a_member_who_leaves_stops_only_their_watches_and_gets_them_back(
    world: World,
) -> None:
    ana, ben = await group_of_two(world)
    gone = Activity(type="conversationUpdate", members_removed=[ChannelAccount(id="29:ben")])
    assert await ana.send(gone) == []
    anas, bens = await world.watchlist.of(f"msteams/{GROUP}")
    assert anas.left_at is None and bens.left_why is Departure.MEMBER_LEFT

    [listed] = await ben.say("list")
    assert "stopped today 12:00 UTC because you left this chat" in listed
    [anas_list] = await ana.say("list")
    assert "stopped" not in anas_list

    back = Activity(type="conversationUpdate", members_added=[ChannelAccount(id="29:ben")])
    [welcome] = await ana.send(back)
    assert welcome == (
        "Welcome back, Ben Ode! When you left this chat I stopped your 1 watch"
        f' ({HEADPHONES}) and kept it. Say "resume all" to start it again; otherwise'
        " I'll delete it after Dec 25, 12:00 UTC."
    )
    assert await ben.say("resume all") == [
        f"OK, I've resumed {HEADPHONES} and I'll alert you as usual."
    ]
    assert all(watch.left_at is None for watch in await world.watchlist.of(f"msteams/{GROUP}"))


async def test_a_newcomer_is_greeted_as_before(world: World) -> None:
    ana, _ = await group_of_two(world)
    hello = Activity(type="conversationUpdate", members_added=[ChannelAccount(id="29:cy")])
    assert await ana.send(hello) == [texts.GREETING]


async def test_retention_deletes_stopped_watches_after_alert_retention_days(
    world: World,
) -> None:
    ana, ben = await group_of_two(world)
    await ana.send(
        Activity(type="conversationUpdate", members_removed=[ChannelAccount(id="29:ben")])
    )
    world.clock.advance(timedelta(days=29).total_seconds())
    await ana.send(
        Activity(type="conversationUpdate", members_removed=[ChannelAccount(id="29:ana")])
    )
    await ana.say("resume all")  # Ana is back, her watch hers again
    retention = Retention(
        world.store.outbox,
        world.clock,
        30,
        watches=world.store.watches,
        history=world.store.history,
        charts=world.store.charts,
        events=world.store.events,
    )
    await retention.tick()
    assert len(await world.watchlist.of(f"msteams/{GROUP}")) == 2, "not before 30 days"

    world.clock.advance(timedelta(days=1).total_seconds())
    await retention.tick()
    [kept] = await world.watchlist.of(f"msteams/{GROUP}")
    assert kept.user_id == "29:ana"
    assert await ben.say("list") == [texts.NO_WATCHES]


async def test_a_reinstall_offers_what_the_uninstall_stopped_not_what_leavers_left(
    world: World,
) -> None:
    ana, _ = await group_of_two(world)
    await ana.send(
        Activity(type="conversationUpdate", members_removed=[ChannelAccount(id="29:ben")])
    )
    await ana.send(UNINSTALL)
    [offer] = await ana.send(INSTALL)
    assert "I stopped 1 watch and kept it (Ana Lima: 1)" in offer
    assert "Ben Ode" not in offer
    [bens] = [w for w in await world.watchlist.of(f"msteams/{GROUP}") if w.user_id == "29:ben"]
    assert bens.left_why is Departure.MEMBER_LEFT, "who left first stays the reason"
