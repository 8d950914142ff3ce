"""The install lifecycle end to end: Teams' payloads through the real aiohttp app and SDK
adapter to a stand-in channel. An uninstall or a 403 BotNotInConversationRoster stops
every send to the conversation (no retry, no POST at all afterwards); a member who leaves
takes only their watches with them; a reinstall greets and offers to resume.

The scheduler is paused and the clock is fake: each test runs the poll and delivery
ticks itself and moves the clock past every retry the outbox could have planned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from domain.alerts import AlertStatus
from domain.departures import Departure
from domain.watches import Watch
from tests.support.channel import BOT_NOT_IN_ROSTER, StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import RunningApp, drop, requests_to, running_app
from tests.support.teams import ANA, BEN, BOT, TEAM_ID, Member, TeamsConversation

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

UNPACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "0"}
A_DAY = 86_400
LONGER_THAN_ANY_RETRY = 3 * 3600.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, store_kind: str) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, env=UNPACED, clock=clock, store_kind=store_kind) as app:
        yield app


async def post(app: RunningApp, payload: dict[str, Any]) -> None:
    assert await app.post_activity(payload) in (200, 201)


async def say(
    app: RunningApp,
    channel: StandInChannel,
    chat: TeamsConversation,
    text: str,
    sender: Member = ANA,
) -> str:
    """What the bot answered, its last message in the conversation."""
    before = len(channel.delivered(chat.id))
    await post(app, chat.message(text, sender))
    answered = channel.delivered(chat.id)[before:]
    assert answered, f"no answer to {text!r}"
    return answered[-1].text


async def watches_in(app: RunningApp, chat: TeamsConversation) -> list[Watch]:
    return await app.engine.store.watches.of_conversation(chat.key)


async def deliver_everything(app: RunningApp, clock: FakeClock) -> None:
    """Delivery ticks over hours of fake time: every retry the outbox planned is due."""
    await app.engine.deliverer.tick()
    for _ in range(4):
        clock.advance(LONGER_THAN_ANY_RETRY)
        await app.engine.deliverer.tick()


async def rearm_and_drop(app: RunningApp) -> int:
    """The headphones back above every trigger, then down again: a new crossing."""
    await drop(app, "p-100", 199.99)
    return await drop(app, "p-100", 149.99)


async def test_after_an_uninstall_no_request_reaches_the_conversation_and_a_reinstall_offers_to_resume(  # noqa: E501
    app: RunningApp,
    channel: StandInChannel,
    clock: FakeClock,
    personal: TeamsConversation,
) -> None:
    await post(app, personal.installation_update("add"))
    assert "I'm PriceWatch" in channel.texts(personal.id)[-1]
    assert "I'll tell you when" in await say(app, channel, personal, "watch headphones 20%")
    assert await drop(app) == 1, "an alert waits in the outbox"

    before = len(channel.posted)
    await post(app, personal.installation_update("remove"))
    await deliver_everything(app, clock)
    assert requests_to(channel, personal.id, before) == 0, "not even a goodbye"
    [given_up] = await app.engine.store.outbox.get(range(1, 100))
    assert given_up.status is AlertStatus.FAILED and given_up.attempts == 0
    assert given_up.last_error == "I was removed from this chat"
    [stopped] = await watches_in(app, personal)
    assert stopped.left_why is Departure.BOT_REMOVED

    assert await rearm_and_drop(app) == 0, "a stopped watch makes no alert"
    await deliver_everything(app, clock)
    assert requests_to(channel, personal.id, before) == 0

    await post(app, personal.installation_update("add"))
    offer = channel.texts(personal.id)[-1]
    assert "Hi again! I'm PriceWatch" in offer
    assert "stopped your 1 watch (Noise-cancelling headphones)" in offer
    assert 'Say "resume all"' in offer and "after Dec 25" in offer
    resumed = len(channel.delivered(personal.id))
    await post(app, personal.message("resume all"))
    reply, owed = channel.texts(personal.id)[resumed:]
    assert reply == "OK, I've resumed Noise-cancelling headphones and I'll alert you as usual."
    assert owed.startswith("📉 Price drop"), "it dropped again while stopped: told once now"
    assert await rearm_and_drop(app) == 1
    await app.engine.deliverer.tick()
    assert "Price drop" in channel.texts(personal.id)[-1]


async def test_an_upgrade_neither_stops_nor_greets(
    app: RunningApp, channel: StandInChannel, personal: TeamsConversation
) -> None:
    await say(app, channel, personal, "watch headphones 20%")
    before = len(channel.posted)
    await post(app, personal.installation_update("remove-upgrade"))
    await post(app, personal.installation_update("add-upgrade"))
    assert requests_to(channel, personal.id, before) == 0
    [watch] = await watches_in(app, personal)
    assert watch.left_at is None


async def test_a_403_not_in_roster_is_tried_once_then_the_conversations_watches_stop(
    app: RunningApp,
    channel: StandInChannel,
    clock: FakeClock,
    personal: TeamsConversation,
) -> None:
    await say(app, channel, personal, "watch headphones 20%")
    await say(app, channel, personal, "watch monitor 10%")
    channel.always(personal.id, BOT_NOT_IN_ROSTER)
    assert await drop(app) == 1
    before = len(channel.posted)

    await deliver_everything(app, clock)
    assert requests_to(channel, personal.id, before) == 1, "exactly one attempt"
    [refused] = await app.engine.store.outbox.get(range(1, 100))
    assert refused.status is AlertStatus.FAILED and refused.attempts == 1
    assert "BotNotInConversationRoster" in (refused.last_error or "")
    assert {watch.left_why for watch in await watches_in(app, personal)} == {
        Departure.NOT_IN_ROSTER
    }, "every watch of the conversation stops, the one that did not fire too"

    assert await drop(app, "p-300", 100.0) == 0, "the monitor's drop alerts nobody"
    assert await rearm_and_drop(app) == 0
    await deliver_everything(app, clock)
    assert requests_to(channel, personal.id, before) == 1


async def test_in_a_group_one_refused_send_gives_up_every_members_alert(
    app: RunningApp,
    channel: StandInChannel,
    clock: FakeClock,
    group: TeamsConversation,
) -> None:
    for person in (ANA, BEN):
        await say(app, channel, group, "watch headphones 20%", person)
    channel.always(group.id, BOT_NOT_IN_ROSTER)
    assert await drop(app) == 2
    before = len(channel.posted)

    await deliver_everything(app, clock)
    assert requests_to(channel, group.id, before) == 1, "the second member's alert is never tried"
    alerts = await app.engine.store.outbox.get(range(1, 100))
    assert [alert.status for alert in alerts] == [AlertStatus.FAILED] * 2
    assert sorted(alert.attempts for alert in alerts) == [0, 1]


async def test_a_member_who_leaves_takes_only_their_watches_and_is_offered_them_back(
    app: RunningApp,
    channel: StandInChannel,
    clock: FakeClock,
    group: TeamsConversation,
) -> None:
    for person in (ANA, BEN):
        await say(app, channel, group, "watch headphones 20%", person)
    await post(app, group.members_removed(BEN))
    [anas, bens] = await watches_in(app, group)
    assert anas.left_at is None and bens.left_why is Departure.MEMBER_LEFT

    before = len(channel.posted)
    assert await drop(app) == 1, "Ben's stopped watch makes no alert"
    await deliver_everything(app, clock)
    [alert] = channel.delivered(group.id)[-1:]
    assert requests_to(channel, group.id, before) == 1
    assert ANA.name in alert.text and BEN.name not in alert.text

    await post(app, group.members_added(BEN))
    welcome = channel.texts(group.id)[-1]
    assert welcome.startswith(f"Welcome back, {BEN.name}! When you left this chat I stopped your")
    assert "1 watch (Noise-cancelling headphones)" in welcome


async def test_the_bot_removed_from_a_team_channel_stops_every_members_watches(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    # The channel itself, as its installationUpdate and conversationUpdate name it.
    team_channel = TeamsConversation(channel.url, "channel", id=TEAM_ID)
    for person in (ANA, BEN):
        await say(app, channel, team_channel, "watch headphones 20%", person)
    before = len(channel.posted)
    await post(app, team_channel.members_removed(BOT))
    await post(app, team_channel.installation_update("remove"))

    assert await drop(app) == 0
    await deliver_everything(app, clock)
    assert requests_to(channel, team_channel.id, before) == 0
    watches = await watches_in(app, team_channel)
    assert [watch.left_why for watch in watches] == [Departure.BOT_REMOVED] * 2

    await post(app, team_channel.installation_update("add"))
    offer = channel.texts(team_channel.id)[-1]
    assert f"I stopped 2 watches and kept them ({ANA.name}: 1, {BEN.name}: 1)" in offer
    assert 'Each of you can say "resume all"' in offer
