"""A user's turn, a command's or a dialog's, is freed as it ends, not left for the garbage
collector.

Each turn's objects (its context, activity, state, dialog contexts) that hung off a
reference cycle stayed in memory until the collector's next pass, whose walk over them
(and over everything else young at that moment: a fan-out's turns in flight) cost the
turns that happened to trigger it. Reference counting frees what no cycle holds.
"""

from __future__ import annotations

import gc
from pathlib import Path

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from api.activity_decoding import decode
from connector.direct_serializer import model_json
from tests.support.channel import StandInChannel
from tests.support.running import running_app, watch


def alive(kind: type) -> int:
    return sum(isinstance(thing, kind) for thing in gc.get_objects())


async def test_command_turns_leave_no_turn_behind(
    tmp_path: Path, channel: StandInChannel, no_collector: None
) -> None:
    async with running_app(tmp_path) as app:
        await watch(app, channel, "c-0")  # the first turn's one-time objects made
        before = alive(TurnContext), alive(DialogContext)
        await watch(app, channel, "c-1", "c-2")
        for conversation in ("c-0", "c-1", "c-2"):
            assert await app.say(channel, conversation, "list") in (200, 201)
            assert await app.say(channel, conversation, "why") in (200, 201)
        after = alive(TurnContext), alive(DialogContext)
    assert "Noise-cancelling headphones" in channel.texts("c-2")[-2], "the list was answered"
    assert after == before, "eight turns later, not one more context is alive"


async def test_a_dialogs_turns_leave_no_turn_behind(
    tmp_path: Path, channel: StandInChannel, no_collector: None
) -> None:
    """A dialog's turns make contexts inside it too: its component's, and its waterfall
    step's (dialogs/acyclic.py)."""
    async with running_app(tmp_path) as app:
        await watch(app, channel, "c-0")
        before = alive(TurnContext), alive(DialogContext)
        for text in ("watch", "espresso machine", "20%", "yes"):
            assert await app.say(channel, "c-0", text) in (200, 201)
        after = alive(TurnContext), alive(DialogContext)
    assert "I'll tell you when" in channel.texts("c-0")[-1], "the dialog went to its end"
    assert after == before, "four dialog turns later, not one more context is alive"


def test_a_reference_serializes_as_msrest_does() -> None:
    reference = ConversationReference(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        conversation=ConversationAccount(
            id="19:abc@thread.tacv2", tenant_id="tenant-1", conversation_type="channel"
        ),
        user=ChannelAccount(id="29:user", name="Ana", aad_object_id="aad-1", role="user"),
        bot=ChannelAccount(id="28:bot", name="PriceWatch"),
        locale="de-DE",
    )
    assert model_json(reference) == reference.serialize()
    assert list(model_json(reference)) == list(reference.serialize()), "in the same order"


def test_an_activity_decodes_as_msrest_does() -> None:
    body = {
        "type": "message",
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "conversation": {"id": "19:abc@thread.tacv2", "tenantId": "tenant-1"},
        "from": {"id": "29:user", "name": "Ana", "aadObjectId": "aad-1"},
        "recipient": {"id": "28:bot"},
        "timestamp": "2026-12-07T10:00:00.123Z",
        "entities": [{"type": "mention", "text": "<at>PriceWatch</at>"}],
        "text": "hi",
    }
    assert decode(body).as_dict() == type(decode(body)).deserialize(body).as_dict()
