"""A group conversation (a Teams group chat or channel: `conversation.isGroup`) with two
members, Ana and Ben: each one's watches, buttons, quiet hours and time zone are their
own, and an alert names whose it is. In a 1:1 nothing of this shows."""

from __future__ import annotations

import json
import pickle

import pytest

from bots.quiet_settings import MEMBERS, QUIET_HOURS, TIME_ZONE
from dialogs import quiet_texts, texts
from domain.alerts import AlertStatus
from domain.local_times import LocalTimes
from domain.watches import NewWatch
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

GROUP = "19:group@thread.v2"
HEADPHONES = "Noise-cancelling headphones"
MONITOR = "27-inch 4K monitor"
NOT_WATCHING = 'You\'re not watching anything yet. Try "watch headphones 20%".'
BELONGS_TO_ANA = (
    "Sorry, this alert belongs to Ana Lima, so I've left it as it is."
    ' Say "list" to see your own watches.'
)
# The fake clock starts at 2026-11-25 12:00 UTC: inside 11:00-13:00 UTC.
AROUND_NOW = "11:00-13:00"


async def members(world: World, channel_id: str = "msteams") -> tuple[Chat, Chat]:
    ana = world.chat(GROUP, "29:ana", name="Ana Lima", group=True, channel_id=channel_id)
    ben = world.chat(GROUP, "29:ben", name="Ben Ode", group=True, channel_id=channel_id)
    await ana.say("hello")
    await ben.say("hello")
    return ana, ben


async def anas_headphones(world: World, ana: Chat) -> int:
    [done] = await ana.say("watch headphones 20%")
    assert done.startswith("Done!")
    [watch] = await world.watchlist.of(f"msteams/{GROUP}")
    assert (watch.user_id, watch.owner_name) == ("29:ana", "Ana Lima")
    return watch.id


async def test_a_member_cannot_see_or_change_another_members_watches(world: World) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)

    assert await ben.say("list") == [NOT_WATCHING]
    assert await ben.say("why headphones") == [NOT_WATCHING]
    assert await ben.say("why 1") == [NOT_WATCHING]
    assert await ben.say("pause headphones") == [NOT_WATCHING]
    assert await ben.say("snooze 1 2h") == [NOT_WATCHING]
    assert await ben.say("resume all") == [NOT_WATCHING]
    assert await ben.say("remove headphones") == [NOT_WATCHING]
    assert await ben.say("remove 1") == [NOT_WATCHING]

    [listed] = await ana.say("list")
    assert HEADPHONES in listed and "paused" not in listed and "snoozed" not in listed


async def test_pause_all_by_one_member_leaves_the_others_watches_alone(world: World) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    await ben.say("watch monitor 10%")

    [listed] = await ben.say("list")
    assert MONITOR in listed and HEADPHONES not in listed
    assert await ben.say("pause all") == [
        f'OK, I\'ve paused {MONITOR} until you say "resume {MONITOR}".'
    ]
    [anas] = await ana.say("list")
    assert HEADPHONES in anas and "paused" not in anas and MONITOR not in anas
    [bens] = await ben.say("list")
    assert "paused by you" in bens


async def test_another_members_buttons_are_refused_and_change_nothing(world: World) -> None:
    ana, ben = await members(world)
    watch_id = await anas_headphones(world, ana)
    before = await world.watchlist.get(f"msteams/{GROUP}", watch_id)

    for value in (
        {"pricewatch": "stop", "watch_id": watch_id},
        {"pricewatch": "snooze", "watch_id": watch_id},
        # A forged payload: a target no card offers, which would silence the watch.
        {"pricewatch": "lower", "watch_id": watch_id, "target": "0.01"},
        {"pricewatch": "lower", "watch_id": watch_id, "target": "0.01", "owner": "29:ben"},
    ):
        assert await ben.say(None, value=value) == [BELONGS_TO_ANA]

    assert await world.watchlist.get(f"msteams/{GROUP}", watch_id) == before
    assert await ana.say(None, value={"pricewatch": "snooze", "watch_id": watch_id}) == [
        f"OK, I've snoozed {HEADPHONES} until tomorrow 12:00 UTC."
    ]


async def test_quiet_hours_and_time_zone_are_each_members_own(world: World) -> None:
    ana, ben = await members(world)
    assert (await ana.say(f"quiet {AROUND_NOW}"))[0].startswith("Quiet hours are 11:00-13:00")
    assert (await ana.say("timezone Europe/Berlin"))[0].startswith(
        "Your time zone is Europe/Berlin."
    )

    assert await ben.say("quiet") == [quiet_texts.NO_QUIET_HOURS]
    assert "I don't know your time zone, so I use UTC" in (await ben.say("timezone"))[0]
    await ben.say("timezone Asia/Tokyo")
    assert (await ana.say("timezone"))[0].startswith("Your time zone is Europe/Berlin.")
    assert (await ana.say("quiet"))[0].startswith("Quiet hours are 11:00-13:00 (Europe/Berlin).")


async def test_an_alert_waits_for_its_owners_quiet_hours_only(world: World) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    await ben.say("watch monitor 10%")
    await ana.say("quiet 12:00-14:00")  # UTC: Ana set no zone; now is 12:00

    world.set_price("p-100", "99.00")
    world.set_price("p-300", "99.00")
    assert (await world.poller.tick()).alerts == 2
    await world.deliverer(ben).tick()

    [bens] = ben.replies()
    assert bens.startswith("For <at>Ben Ode</at>: ")
    assert (await world.store.outbox.counts())[AlertStatus.HELD.value] == 1, "Ana's waits"
    await ben.say("list")  # Ben's turn sends nothing of Ana's while she is quiet
    assert ben.replies() == []

    world.clock.advance(2 * 3600)  # 14:00: Ana's window ends
    await world.deliverer(ana).tick()
    [anas] = ana.replies()
    assert anas.startswith(f"For <at>Ana Lima</at>: {quiet_texts.QUIET_DIGEST_HEADING}")


async def test_an_alert_mentions_its_owner_on_teams(world: World) -> None:
    ana, _ = await members(world)
    await anas_headphones(world, ana)
    world.set_price("p-100", "99.00")
    await world.poller.tick()
    await world.deliverer(ana).tick()

    [alert] = ana.last_activities(1)
    assert alert.text.startswith("For <at>Ana Lima</at>: 📉 Price drop")
    [mention] = alert.entities
    assert mention.serialize() == {
        "type": "mention",
        "text": "<at>Ana Lima</at>",
        "mentioned": {"id": "29:ana", "name": "Ana Lima"},
    }
    assert alert.summary.startswith("For Ana Lima: 📉 Price drop")
    assert alert.attachments, "the card as in a 1:1"


async def test_an_alert_names_its_owner_plainly_where_mentions_are_unknown(world: World) -> None:
    ana, _ = await members(world, channel_id="slack")
    [done] = await ana.say("watch headphones 20%")
    assert done.startswith("Done!")
    world.set_price("p-100", "99.00")
    await world.poller.tick()
    await world.deliverer(ana).tick()

    [alert] = ana.last_activities(1)
    assert alert.text.startswith("For Ana Lima: 📉 Price drop: ")
    assert not alert.entities


async def test_each_members_alerts_come_as_a_message_of_their_own(world: World) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    await ben.say("watch monitor 10%")
    world.set_price("p-100", "99.00")
    world.set_price("p-300", "99.00")
    await world.poller.tick()
    await world.deliverer(ben).tick()

    sent = ben.replies()
    assert [text.split(":")[0] for text in sent] == [
        "For <at>Ana Lima</at>",
        "For <at>Ben Ode</at>",
    ]


async def test_an_alert_reads_in_its_owners_time_zone(world: World) -> None:
    """A proactive turn has no sender of its own: the times on Ana's card are in her
    zone, whoever spoke last."""
    ana, ben = await members(world)
    await ana.say("timezone Asia/Tokyo")
    await ben.say("timezone Europe/Berlin")
    await ana.say("bought skillet at 36")
    [watch] = await world.watchlist.of(f"msteams/{GROUP}")
    assert watch.expires_at is not None
    await ben.say("list")  # the conversation's reference now names Ben
    world.set_price(watch.product_id, "30.00")
    await world.poller.tick()
    await world.deliverer(ben).tick()
    [alert] = ben.last_activities(1)
    card = json.dumps(alert.attachments[0].content, ensure_ascii=False)
    now = world.clock()
    tokyo = LocalTimes("Asia/Tokyo", now).at(watch.expires_at)
    berlin = LocalTimes("Europe/Berlin", now).at(watch.expires_at)
    assert tokyo != berlin
    assert tokyo in card and berlin not in card, card


async def test_a_one_to_one_alert_names_no_one(world: World) -> None:
    chat = world.chat(channel_id="msteams")
    await chat.say("hello")
    await chat.say("watch headphones 20%")
    world.set_price("p-100", "99.00")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [alert] = chat.last_activities(1)
    assert alert.text.startswith("📉 Price drop") and not alert.entities


async def test_a_watch_made_before_owners_were_named_is_the_conversations(
    world: World,
) -> None:
    ana, ben = await members(world)
    watch_id = await anas_headphones(world, ana)
    anas = await world.watchlist.get(f"msteams/{GROUP}", watch_id)
    assert anas is not None
    fields = {name: getattr(anas, name) for name in NewWatch.__dataclass_fields__}
    # As a watch with no known maker reads: anyone's in the conversation.
    await world.store.watches.add(NewWatch(**{**fields, "user_id": "", "owner_name": None}))

    [listed] = await ben.say("list")
    assert listed.count(HEADPHONES) == 1, "Ben sees the ownerless one, not Ana's"
    assert await ben.say("remove 1") == [f"OK, I've stopped watching {HEADPHONES}."]
    [anas_list] = await ana.say("list")
    assert anas_list.count(HEADPHONES) == 1


async def test_a_member_answering_anothers_remove_question_removes_nothing(
    world: World,
) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    await ana.say("watch monitor 10%")
    [question] = await ana.say("remove")
    assert question.startswith("Which watch should I remove?")

    # The question is the conversation's (one dialog per conversation): Ben's answer
    # reaches it, and is refused.
    assert await ben.say("1") == [
        "Sorry, that watch belongs to Ana Lima, so I've left it as it is."
        ' Say "list" to see your own watches.'
    ]
    [listed] = await ana.say("list")
    assert HEADPHONES in listed and MONITOR in listed


@pytest.mark.parametrize(
    "stored",
    [
        ["29:ana"],
        {"29:ana": "22:00-07:00"},
        {"29:ana": {QUIET_HOURS: "7-7"}},
        {"29:ana": {TIME_ZONE: {"name": "Mars/Base", "chosen": True}}},
        {"29:ana": {"Theme": "dark"}},
    ],
)
async def test_corrupt_member_settings_start_over_cleanly(world: World, stored: object) -> None:
    ana, _ = await members(world)
    await ana.say("quiet 22:00-07:00")
    key = f"msteams/conversations/{GROUP}"
    assert key in await world.store.bot_state.read([key]), "the key the bot really uses"
    document = {"Greeted": True, MEMBERS: stored}
    await world.store.bot_state.write(key, pickle.dumps(document), None)

    assert await ana.say("quiet") == [texts.STARTED_OVER, quiet_texts.NO_QUIET_HOURS]


async def test_one_watch_per_product_is_per_member(world: World) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    assert (await ben.say("watch headphones 30%"))[-1].startswith("Done!"), "Ben's own"
    [asked] = await ana.say("watch headphones 30%")
    assert asked.startswith(f"You're already watching {HEADPHONES}: I'll tell you when it is")
    assert await ana.say("yes") == [
        f"Changed! {HEADPHONES} is $199.99 now; I'll tell you when it is $139.99 or less"
        " (a 30% drop)."
    ]
    await ana.say("bought skillet at 36")
    [bens] = await ben.say("bought skillet at 35")
    assert "It replaces" not in bens, "Ana's protection is not Ben's"
    [renewed] = await ana.say("bought skillet at 35.50")
    assert "It replaces the one you had ($36.00 paid" in renewed
    assert len(await world.watchlist.of(f"msteams/{GROUP}")) == 4


async def test_a_members_command_interrupts_the_groups_question_and_asks_it_again(
    world: World,
) -> None:
    ana, ben = await members(world)
    await anas_headphones(world, ana)
    [asked] = await ben.say("watch")
    [listing, again] = await ana.say("list")
    assert HEADPHONES in listing and again == asked
