"""A stand-in Bot Framework channel as its own process, so its CPU is not the bot's.

    python -m bench.channel --port 4100 --latency-ms 20 --match "Price drop"

POST /v3/conversations/{id}/activities[/{replyTo}] answers 200 after the latency.
GET /stats -> {"posts": n, "matched": n, "cards": n, "last_match_at": unix time, "conversations": n,
              "in_flight": n}; ?arrivals=1 adds each conversation's first match time,
              ?texts=1 each conversation's matching posts, each as everything a person
              reads in it: its text and every text of its cards

A post matches when `--match` is in anything a person reads in it, text or card.
GET /stats?arrivals=1 adds "arrivals": {conversation id: unix time of its first match}
GET /stats?sample=1 adds "sample": the first matching activity, as it was posted
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from typing import Any

from aiohttp import web

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def _card_texts(element: Any) -> list[str]:
    """Every text an Adaptive Card shows, wherever it sits (body, containers, facts)."""
    if isinstance(element, dict):
        own = [element["text"]] if isinstance(element.get("text"), str) else []
        return own + [text for value in element.values() for text in _card_texts(value)]
    if isinstance(element, list):
        return [text for item in element for text in _card_texts(item)]
    return []


def _has_image(card: dict[str, Any]) -> bool:
    """Whether an Adaptive Card shows an image (the alert's price chart)."""
    return any(element.get("type") == "Image" for element in card.get("body") or [])


class Channel:
    def __init__(self, latency_seconds: float, match: str) -> None:
        self.latency_seconds = latency_seconds
        self.match = match
        self.posts = 0
        self.matched = 0
        self.cards = 0
        self.charts = 0
        self.last_match_at = 0.0
        self.first_match_at: dict[str, float] = {}
        self.texts: dict[str, list[str]] = {}
        self.in_flight = 0
        self.sample: dict[str, Any] | None = None
        self._ids = itertools.count()

    async def receive(self, request: web.Request) -> web.Response:
        activity: dict[str, Any] = await request.json()
        self.in_flight += 1
        try:
            if self.latency_seconds:
                await asyncio.sleep(self.latency_seconds)
        finally:
            self.in_flight -= 1
        self.posts += 1
        text = activity.get("text") or ""
        cards = [
            attachment.get("content") or {}
            for attachment in activity.get("attachments") or []
            if attachment.get("contentType") == ADAPTIVE_CARD
        ]
        self.cards += len(cards)
        self.charts += sum(_has_image(card) for card in cards)
        seen = "\n".join([text, *_card_texts(cards)])
        if self.match in seen:
            conversation = request.match_info["conversation"]
            self.matched += 1
            if self.sample is None:
                self.sample = activity
            self.last_match_at = time.time()
            self.first_match_at.setdefault(conversation, self.last_match_at)
            self.texts.setdefault(conversation, []).append(seen)
        return web.json_response({"id": f"a-{next(self._ids)}"})

    async def stats(self, request: web.Request) -> web.Response:
        stats: dict[str, Any] = {
            "posts": self.posts,
            "matched": self.matched,
            "cards": self.cards,
            "charts": self.charts,
            "last_match_at": self.last_match_at,
            "conversations": len(self.first_match_at),
            "in_flight": self.in_flight,
        }
        if request.query.get("arrivals"):  # opt-in: pollers during a fan-out stay cheap
            stats["arrivals"] = self.first_match_at
        if request.query.get("texts"):
            stats["texts"] = self.texts
        if request.query.get("sample"):
            stats["sample"] = self.sample
        return web.json_response(stats)

    async def reset(self, request: web.Request) -> web.Response:
        self.posts = self.matched = self.cards = self.charts = 0
        self.last_match_at = 0.0
        self.first_match_at.clear()
        self.texts.clear()
        return web.json_response({})


def build(latency_seconds: float, match: str) -> web.Application:
    channel = Channel(latency_seconds, match)
    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", channel.receive)
    app.router.add_post("/v3/conversations/{conversation}/activities/{reply}", channel.receive)
    app.router.add_get("/stats", channel.stats)
    app.router.add_post("/reset", channel.reset)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--match", default="Price drop")
    args = parser.parse_args()
    web.run_app(
        build(args.latency_ms / 1000, args.match),
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
