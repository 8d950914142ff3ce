"""The benchmarks' stand-in channel counts what a person reads: a message's text and its
cards, and an alert it cannot name is an error, never a silent miscount."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bench import channel, outage

CARD = "application/vnd.microsoft.card.adaptive"


def card(*texts: str) -> dict[str, Any]:
    body = [{"type": "Container", "items": [{"type": "TextBlock", "text": t} for t in texts]}]
    return {"contentType": CARD, "content": {"type": "AdaptiveCard", "body": body}}


async def test_alerts_named_only_in_cards_are_counted_once_a_message() -> None:
    server = TestServer(channel.build(0, "Price drop"))
    await server.start_server()
    try:
        url = str(server.make_url("")).rstrip("/")
        async with ClientSession() as http:
            several = {
                "text": "Price drops",
                "attachments": [card("Noise-cancelling headphones"), card("E-reader")],
            }
            once_in_both = {
                "text": "Price drop: E-reader",
                "attachments": [card("E-reader", "down 20%")],
            }
            for activity in (several, once_in_both, {"text": "Noted."}):
                await http.post(f"{url}/v3/conversations/c-1/activities", json=activity)
            assert await outage._mentions(http, url) == (2, 3)
            await http.post(f"{url}/v3/conversations/c-2/activities", json={"text": "Price drop"})
            with pytest.raises(RuntimeError, match="names no product"):
                await outage._mentions(http, url)
    finally:
        await server.close()
