"""Teams end to end: the real app and SDK adapter on loopback, and a stand-in channel that
speaks Teams' payloads (tests/support/teams.py) and answers like its connector, including
`update_activity`'s PUT (tests/support/channel.py). The Emulator and Web Chat for the
same journeys, where they differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from bots.proactive import BotProactiveTurns
from tests.support.channel import Fault, Posted, StandInChannel
from tests.support.running import RunningApp, activity, running_app
from tests.support.teams import ANA, BEN, BOT_ID, TENANT_ID, TeamsConversation

HEADPHONES = "Noise-cancelling headphones"
SNOOZED_UNTIL = "✓ Snoozed until "


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path) as app:
        yield app


async def say(app: RunningApp, payload: dict[str, Any]) -> None:
    assert await app.post_activity(payload) in (200, 201)


async def alert_card(app: RunningApp, channel: StandInChannel, conversation: str) -> Posted:
    """The price drops; the alert the channel took for this conversation."""
    before = len(channel.posted)
    await app.set_price("p-100", 149.99)
    await app.notify()
    [alert] = [post for post in channel.delivered(conversation) if post in channel.posted[before:]]
    return alert


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["title"]: action["data"] for action in card.get("actions", [])}


def last_line(card: dict[str, Any]) -> str:
    return str(card["body"][-1]["text"])


async def test_in_a_personal_chat_a_pressed_card_changes_in_place(
    running: RunningApp, channel: StandInChannel
) -> None:
    chat = TeamsConversation(channel.url, "personal")
    await say(running, chat.message("watch headphones 20%"))
    assert "I'll tell you when it is $159.99 or less" in channel.texts(chat.id)[-1]
    [reference] = (await running.engine.store.references.get_many([chat.key])).values()
    assert BotProactiveTurns.channel_of(reference) == f"msteams/{TENANT_ID}", "keys the pacing"

    alert = await alert_card(running, channel, chat.id)
    assert alert.activity["summary"].startswith(f"📉 Price drop: {HEADPHONES}")
    assert alert.text == alert.activity["summary"], "Teams' notification shows it"
    [card] = alert.cards
    sent = len(channel.posted)

    await say(running, chat.press(buttons(card)["Snooze 1 day"], alert.id or ""))

    [update] = channel.replaced(chat.id)
    assert update.activity_id == alert.id and update.activity["id"] == alert.id
    [replaced] = update.cards
    assert replaced["body"][:2] == card["body"][:2]
    assert last_line(replaced).startswith(SNOOZED_UNTIL) and "actions" not in replaced
    assert channel.shown(chat.id, alert.id or "") == update.activity
    assert len(channel.posted) == sent, "no reply: the card says what was done"

    # The same card again (a second click before Teams showed the new card).
    await say(running, chat.press(buttons(card)["Snooze 1 day"], alert.id or ""))
    assert channel.texts(chat.id)[-1].startswith(f"{HEADPHONES} is already snoozed until")
    assert len(channel.replaced(chat.id)) == 1


@pytest.mark.parametrize("kind", ["groupChat", "channel"])
async def test_in_a_group_the_mentioned_bot_understands_and_the_owners_card_changes(
    running: RunningApp, channel: StandInChannel, kind: Any
) -> None:
    group = TeamsConversation(channel.url, kind)
    message = group.message("watch headphones 20%")
    assert message["text"] == "<at>PriceWatch</at> watch headphones 20%"
    await say(running, message)
    assert channel.texts(group.id)[-1].startswith("Done! Noise-cancelling headphones")

    alert = await alert_card(running, channel, group.id)
    assert alert.text.startswith("For <at>Ana Lima</at>: 📉 Price drop")
    assert alert.activity["summary"].startswith(f"For Ana Lima: 📉 Price drop: {HEADPHONES}")
    mentions = [e for e in alert.activity["entities"] if e["type"] == "mention"]
    assert mentions == [
        {
            "type": "mention",
            "text": "<at>Ana Lima</at>",
            "mentioned": {"id": ANA.id, "name": ANA.name},
        }
    ]
    [card] = alert.cards
    stop = buttons(card)["Stop watching"]

    await say(running, group.press(stop, alert.id or "", sender=BEN))
    assert "this alert belongs to Ana Lima" in channel.texts(group.id)[-1]
    assert channel.replaced(group.id) == []

    await say(running, group.press(stop, alert.id or ""))
    [update] = channel.replaced(group.id)
    assert update.activity_id == alert.id
    assert last_line(update.cards[0]) == "✓ Stopped watching."
    assert update.text.startswith("For <at>Ana Lima</at>: ")


async def test_other_members_mentions_stay_in_what_the_bot_reads(
    running: RunningApp, channel: StandInChannel
) -> None:
    """A mention of Ben is no part of a command, and the bot's own is read past."""
    group = TeamsConversation(channel.url, "groupChat")
    message = group.message("watch headphones {0} 20%", mentions=(BEN,))
    assert message["text"] == "<at>PriceWatch</at> watch headphones <at>Ben Okafor</at> 20%"
    assert [e["mentioned"]["id"] for e in message["entities"][:2]] == [BOT_ID, BEN.id]
    await say(running, message)
    assert channel.texts(group.id)[-1] == (
        'I couldn\'t find "headphones \\<at\\>Ben Okafor\\</at\\>". Which product?'
    ), "Ben's mention is part of what Ana wrote; the bot's is not"


async def test_a_card_the_channel_will_not_update_gets_a_reply_instead(
    running: RunningApp, channel: StandInChannel
) -> None:
    chat = TeamsConversation(channel.url, "personal")
    await say(running, chat.message("watch headphones 20%"))
    alert = await alert_card(running, channel, chat.id)
    channel.script(chat.id, Fault(404, code="ActivityNotFound", message="Unknown activity"))

    await say(running, chat.press(buttons(alert.cards[0])["Snooze 1 day"], alert.id or ""))

    [refused] = channel.updates
    assert refused.status == 404 and channel.replaced(chat.id) == []
    assert channel.texts(chat.id)[-1].startswith(f"OK, I've snoozed {HEADPHONES} until tomorrow")


async def test_in_the_emulator_a_pressed_card_changes_in_place(
    running: RunningApp, channel: StandInChannel
) -> None:
    assert await running.say(channel, "conv-emu", "watch headphones 20%") in (200, 201)
    alert = await alert_card(running, channel, "conv-emu")
    lower = buttons(alert.cards[0])["Lower my target to $119.99"]

    await running.post_activity(
        activity(channel, "message", "conv-emu", value=lower, replyToId=alert.id)
    )

    [update] = channel.replaced("conv-emu")
    assert update.activity_id == alert.id
    assert last_line(update.cards[0]) == "✓ Target lowered to $119.99."


async def test_on_web_chat_nothing_is_updated_and_the_page_is_told(
    running: RunningApp, channel: StandInChannel
) -> None:
    web = {"channelId": "webchat"}
    assert await running.say(channel, "conv-web", "watch headphones 20%", **web) in (200, 201)
    alert = await alert_card(running, channel, "conv-web")
    snooze = buttons(alert.cards[0])["Snooze 1 day"]

    await running.post_activity(activity(channel, "message", "conv-web", value=snooze, **web))

    assert channel.updates == [], "Direct Line cannot update: not even tried"
    reply, told = channel.delivered("conv-web")[-2:]
    assert reply.text.startswith(f"OK, I've snoozed {HEADPHONES} until")
    assert told.activity["type"] == "event"
    assert told.activity["name"] == "PriceWatch.watchesChanged"
    assert told.activity["value"] == {str(snooze["watch_id"]): snooze["version"] + 1}


async def test_the_stand_in_refuses_updates_as_the_real_services_do(
    running: RunningApp, channel: StandInChannel
) -> None:
    """What the bot's fallback is tested against: the stand-in's own rules."""
    async with running.http.put(
        f"{channel.url}/v3/conversations/c/activities/nope",
        json={"id": "nope", "channelId": "msteams"},
    ) as unknown:
        assert unknown.status == 404
    assert await running.say(channel, "c", "help") in (200, 201)
    sent = channel.delivered("c")[-1].id
    async with running.http.put(
        f"{channel.url}/v3/conversations/c/activities/{sent}",
        json={"id": "other", "channelId": "emulator"},
    ) as mismatched:
        assert mismatched.status == 400
    async with running.http.put(
        f"{channel.url}/v3/conversations/c/activities/{sent}",
        json={"id": sent, "channelId": "directline"},
    ) as direct_line:
        body = await direct_line.json()
        assert body["error"]["message"] == "This channel does not support this operation"
    assert channel.replaced("c") == []
