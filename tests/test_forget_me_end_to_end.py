"""`forget me` end to end: Teams' payloads through the real app and SDK adapter, then every
table of the real SQLite file or PostgreSQL schema scanned for the person's id and name.
In a group only the speaker's data goes; the others' watches, alerts and alerts to come
are untouched."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from dialogs import texts
from tests.support.channel import StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import RunningApp, drop, running_app
from tests.support.teams import ANA, BEN, Member, TeamsConversation
from tests.support.traces import rows_naming

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

UNPACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "0"}
ANAS_TRACES = (ANA.id, ANA.name)


@pytest.fixture
async def app(tmp_path: Path, store_kind: str) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, env=UNPACED, clock=FakeClock(), store_kind=store_kind) as app:
        yield app


async def say(
    app: RunningApp, channel: StandInChannel, chat: TeamsConversation, text: str, sender: Member
) -> list[str]:
    """What the bot answered."""
    before = len(channel.delivered(chat.id))
    assert await app.post_activity(chat.message(text, sender)) in (200, 201)
    return [post.text for post in channel.delivered(chat.id)[before:]]


async def test_forget_me_in_a_group_leaves_no_row_naming_the_speaker_and_the_others_as_they_were(
    app: RunningApp,
    channel: StandInChannel,
    personal: TeamsConversation,
    group: TeamsConversation,
) -> None:
    await say(app, channel, group, "watch headphones 20%", ANA)
    await say(app, channel, group, "quiet 22:00-07:00", ANA)
    await say(app, channel, group, "timezone Europe/Berlin", ANA)
    await say(app, channel, group, "watch headphones 20%", BEN)
    await say(app, channel, personal, "watch monitor 10%", ANA)
    await say(app, channel, personal, "quiet 23:00-06:00", ANA)
    assert await drop(app) == 2
    await app.engine.deliverer.tick()
    store = app.engine.store
    named = {table for table, _ in await rows_naming(store, *ANAS_TRACES)}
    assert {"watches", "conversations", "bot_state"} <= named, "the scan finds what is there"

    [asked] = await say(app, channel, group, "forget me", ANA)
    assert asked.startswith("Shall I forget you?")
    assert "in every chat with me: your 2 watches with their 1 alert, your settings" in asked
    assert await say(app, channel, group, "yes", BEN) == [texts.FORGET_NOT_YOURS]
    assert len(await store.watches.of_conversation(group.key)) == 2, "Ben's yes: no"

    assert await say(app, channel, group, "yes", ANA) == [
        "Done: I deleted 2 watches, 1 alert and your settings, and now I hold nothing about"
        " you. If you write to me again, I'll start afresh."
    ]
    assert await rows_naming(store, *ANAS_TRACES) == []

    [bens] = await store.watches.of_conversation(group.key)
    assert bens.owner_name == BEN.name
    assert [alert.watch_id for alert in await store.outbox.get(range(1, 100))] == [bens.id]
    assert await say(app, channel, group, "list", BEN) != [texts.NO_WATCHES]
    await drop(app, "p-100", 199.99)
    assert await drop(app) == 1
    before = len(channel.delivered(group.id))
    await app.engine.deliverer.tick()
    [alert] = channel.delivered(group.id)[before:]
    assert BEN.name in alert.text and "Price drop" in alert.text
    assert await rows_naming(store, *ANAS_TRACES) == []


async def test_forget_me_in_a_1_1_chat_deletes_its_records_too(
    app: RunningApp,
    channel: StandInChannel,
    personal: TeamsConversation,
    group: TeamsConversation,
) -> None:
    await say(app, channel, personal, "watch headphones 20%", ANA)
    await say(app, channel, personal, "timezone Europe/Berlin", ANA)
    await say(app, channel, group, "watch monitor 10%", ANA)
    await say(app, channel, group, "watch monitor 10%", BEN)

    await say(app, channel, personal, "forget me", ANA)
    assert await say(app, channel, personal, "yes", ANA) == [
        "Done: I deleted 2 watches and your settings, and now I hold nothing about you."
        " If you write to me again, I'll start afresh."
    ]
    store = app.engine.store
    assert await rows_naming(store, *ANAS_TRACES) == []
    assert await store.references.get(personal.key) is None
    [bens] = await store.watches.of_conversation(group.key)
    assert bens.user_id == BEN.id

    [greeting, answer] = await say(app, channel, personal, "list", ANA)
    assert greeting == texts.GREETING and answer == texts.NO_WATCHES, "a fresh start"
