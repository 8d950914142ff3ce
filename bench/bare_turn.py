"""The floor under an alert's turn: a proactive turn that does nothing but send.

The same ContinueConversation turn an alert takes (our adapter, its pooled connector and
direct sends, `bots.proactive`'s no-reply hook), whose logic sends the activity the
fan-out's channel received first, built once: no store, no state, no watch, no card to
make, no bookkeeping. What an alert costs above this is the product's own work; what this
costs above a raw POST (`bench/raw_post.py`) is the SDK's turn. Run in this process, as
many turns at once as the app's delivery runs; the figure is this process's CPU per turn.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from bench.fanout import channel_stats, conversation_id, start_channel
from bench.raw_post import CONCURRENCY
from bots.alert_sender import CardMessage
from bots.proactive import not_a_reply
from connector.adapter import AcyclicCloudAdapter
from connector.direct_serializer import EncodedAttachment, model_from_json
from connector.pooled_auth import PooledBotFrameworkAuthentication
from connector.signing_keys import BotFrameworkKeys, OpenIdMetadataUrls
from dialogs.alert_cards import json_text
from domain.clock import utc_now

WARM_UP = 20
"""Turns before the clock starts: the first builds the connector client."""


@dataclass(frozen=True)
class BareTurnResult:
    turns: int
    cpu_ms_per_turn: float
    delivered: int
    """Posts the channel received, the warm-up's included."""


class _NoCredentials:
    """What botbuilder's configuration classes read: no app id, as the benchmark's app."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def message(sample: dict[str, Any]) -> CardMessage:
    """The activity as the channel received it, as the app sends one: each card with its
    JSON as the app encodes it, a message the SDK copies without walking the cards."""
    return CardMessage(
        type=sample["type"],
        text=sample.get("text"),
        summary=sample.get("summary"),
        input_hint=sample.get("inputHint"),
        attachment_layout=sample.get("attachmentLayout"),
        attachments=[
            EncodedAttachment(
                content_type=attachment["contentType"],
                content=attachment["content"],
                encoded_content=json_text(attachment["content"]),
            )
            for attachment in sample.get("attachments") or []
        ]
        or None,
    )


def _reference(channel_url: str, n: int) -> dict[str, Any]:
    """A conversation's reference as the app stores it."""
    return {
        "channelId": "emulator",
        "serviceUrl": channel_url,
        "conversation": {"id": conversation_id(n)},
        "bot": {"id": "bot", "name": "Bot"},
        "user": {"id": f"user-{n}", "name": "User"},
    }


async def run(sample: dict[str, Any], turns: int, work_dir: Path) -> BareTurnResult:
    channel, channel_url = start_channel(work_dir, "")
    auth = PooledBotFrameworkAuthentication(
        _NoCredentials(),
        signing_keys=BotFrameworkKeys.fetched_from(OpenIdMetadataUrls(), utc_now),
    )
    adapter = AcyclicCloudAdapter(auth)
    activity = message(sample)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(context: TurnContext) -> None:
        context.on_send_activities(not_a_reply)
        await context.send_activity(activity)

    async def turn(n: int) -> None:
        reference = model_from_json(ConversationReference, _reference(channel_url, n))
        async with gate:
            await adapter.continue_conversation(reference, send, "")

    try:
        async with aiohttp.ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await asyncio.gather(*(turn(n) for n in range(turns, turns + WARM_UP)))
            started = time.process_time()
            await asyncio.gather(*(turn(n) for n in range(turns)))
            cpu = time.process_time() - started
            delivered = (await channel_stats(http, channel_url))["posts"]
    finally:
        await auth.close()
        channel.stop()
    return BareTurnResult(turns, cpu * 1000 / turns, delivered)
