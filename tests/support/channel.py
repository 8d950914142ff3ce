"""A stand-in Bot Framework channel: records what the bot posts to /v3/conversations/...

It answers like the real connector service: 200 with a resource id, or a scripted
fault per conversation (any status with headers such as Retry-After, a delay, or a gate
that holds the answer until the test opens it).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(eq=False)
class Gate:
    """Holds the requests that reach it until the test opens it: a channel slow to accept
    a send for exactly as long as the test says, without the test sleeping."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once a request is waiting at the gate (or has passed it)."""
    _open: asyncio.Event = field(default_factory=asyncio.Event)

    def open(self) -> None:
        self._open.set()

    async def pass_through(self) -> None:
        self.arrived.set()
        await self._open.wait()


@dataclass(frozen=True)
class Fault:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    gate: Gate | None = None
    """The answer waits until this gate opens (after any delay)."""
    code: str = "Fault"
    """The error code of a fault's body (`{"error": {"code": ...}}`), as the connector
    service says why (Teams: "BotNotInConversationRoster")."""


@dataclass
class Posted:
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]
    status: int
    arrived_at: float = 0.0
    """When the request reached the channel (the event loop's clock)."""

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""


@dataclass
class StandInChannel:
    latency_seconds: float = 0.0
    posted: list[Posted] = field(default_factory=list)
    """Every request, including the ones answered with a fault."""
    authorizations: list[str] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    takes_abandoned_sends: bool = False
    """A send whose sender dies before the answer is taken all the same, as a real channel
    takes a request it has read (a duplicate after a crash); otherwise it is dropped with
    the connection."""
    _scripts: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    _always: dict[str, Fault] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=itertools.count)
    _answered: asyncio.Condition = field(default_factory=asyncio.Condition)
    _gates: list[Gate] = field(default_factory=list)
    _server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def stop(self) -> None:
        for gate in self._gates:  # a test that failed midway must not hang the server's close
            gate.open()
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/")).rstrip("/")

    def script(self, conversation_id: str, *faults: Fault) -> None:
        """The next requests for this conversation get these answers, in order."""
        self._scripts[conversation_id].extend(faults)

    def always(self, conversation_id: str, fault: Fault | None) -> None:
        """Every request for this conversation gets this answer (None: back to normal)."""
        if fault is None:
            self._always.pop(conversation_id, None)
        else:
            self._always[conversation_id] = fault

    def delivered(self, conversation_id: str | None = None) -> list[Posted]:
        """Activities the channel accepted (200)."""
        return [
            post
            for post in self.posted
            if post.status == 200
            and (conversation_id is None or post.conversation_id == conversation_id)
        ]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [post.text for post in self.delivered(conversation_id)]

    async def accepted(self, conversation_id: str, containing: str) -> Posted:
        """The first activity accepted for this conversation with `containing` in its
        text, once there is one."""

        def found() -> Posted | None:
            return next(
                (post for post in self.delivered(conversation_id) if containing in post.text),
                None,
            )

        async with self._answered:
            return await self._answered.wait_for(found)

    async def _receive(self, request: web.Request) -> web.Response:
        if self.takes_abandoned_sends:
            return await asyncio.shield(self._take(request))
        return await self._take(request)

    async def _take(self, request: web.Request) -> web.Response:
        arrived_at = asyncio.get_running_loop().time()
        conversation = request.match_info["conversation"]
        fault = self._next_fault(conversation)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            activity = await request.json()
            delay = self.latency_seconds + fault.delay_seconds
            if delay:
                # Stands for the channel's own processing time, not a test waiting.
                await asyncio.sleep(delay)
            if fault.gate is not None:
                self._gates.append(fault.gate)
                await fault.gate.pass_through()
        finally:
            self.in_flight -= 1
        self.authorizations.append(request.headers.get("Authorization", ""))
        self.posted.append(
            Posted(
                conversation,
                request.match_info.get("reply_to"),
                activity,
                fault.status,
                arrived_at,
            )
        )
        async with self._answered:
            self._answered.notify_all()
        if fault.status != 200:
            return web.json_response(
                {"error": {"code": fault.code, "message": f"stand-in fault {fault.status}"}},
                status=fault.status,
                headers=fault.headers,
            )
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    def _next_fault(self, conversation: str) -> Fault:
        if self._scripts[conversation]:
            return self._scripts[conversation].popleft()
        return self._always.get(conversation, Fault())
