"""A stand-in Bot Framework channel: records what the bot posts to /v3/conversations/..."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Posted:
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""


@dataclass
class StandInChannel:
    posted: list[Posted] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=itertools.count)
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post(
            "/v3/conversations/{conversation}/activities/{reply_to}", self._receive
        )
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/")).rstrip("/")

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [
            post.text
            for post in self.posted
            if conversation_id is None or post.conversation_id == conversation_id
        ]

    async def _receive(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization", ""))
        self.posted.append(
            Posted(
                conversation_id=request.match_info["conversation"],
                reply_to=request.match_info.get("reply_to"),
                activity=await request.json(),
            )
        )
        return web.json_response({"id": f"activity-{next(self._ids)}"})
