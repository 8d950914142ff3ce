"""A stand-in Bot Framework channel: records what the bot posts to /v3/conversations/...

It answers like the real connector service: 200 with a resource id, or a scripted
fault per conversation (any status with headers such as Retry-After, an error code such
as Teams' BotNotInConversationRoster, a delay, or a gate that holds the answer until the
test opens it).

It also takes `update_activity`'s PUT /v3/conversations/{id}/activities/{activityId} as
the real services do: Teams and the Emulator replace an activity they delivered (the
payload's id must be the URL's; an id never delivered in that conversation is 404);
Direct Line (so Web Chat) answers that it does not support the operation. Every PUT is
recorded in `updates`, and `shown()` says what the conversation shows now. Teams'
payloads (personal, group chat and channel conversations, mentions, installationUpdate,
members removed) are built by tests/support/teams.py.

Every request is also kept as it arrived (`received`: its raw path, headers in order,
body bytes), for tests that hold two senders equal on the wire; and a fault can answer
with an HTML page instead of JSON, as a gateway in front of the service does.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Final

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
    """The error body's `error.code`, as the connector names what went wrong."""
    message: str = ""
    """The error body's `error.message`; empty: "stand-in fault <status>"."""
    page: str | None = None
    """An HTML page as the answer instead of the JSON error (or, with 200, instead of the
    message's id, the message taken): a gateway's or proxy's."""

    def body(self) -> dict[str, Any]:
        message = self.message or f"stand-in fault {self.status}"
        return {"error": {"code": self.code, "message": message}}


BOT_NOT_IN_ROSTER: Final = Fault(
    403,
    code="BotNotInConversationRoster",
    message="The bot is not part of the conversation roster.",
)
"""What Teams answers a send to a conversation the bot was removed from (the app
uninstalled, the bot taken out of the team or chat)."""
CANNOT_UPDATE_CHANNELS: Final = frozenset({"webchat", "directline"})
"""Channels whose service answers every `update_activity` with NOT_SUPPORTED: Direct
Line has no update (Web Chat's issue 2426 has waited since 2019)."""
NOT_SUPPORTED: Final = Fault(
    400, code="BadArgument", message="This channel does not support this operation"
)
"""Direct Line's answer to an update. The message is the service's; the status and code
are our stand-in's choice: the bot must treat any failed update alike."""


@dataclass(frozen=True)
class Received:
    """A request as it reached the channel: its path as sent (percent-encoding kept),
    every header in order, the body's bytes."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    async def of(cls, request: web.Request) -> Received:
        return cls(
            request.method, request.raw_path, tuple(request.headers.items()), await request.read()
        )


@dataclass
class Posted:
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]
    status: int
    arrived_at: float = 0.0
    """When the request reached the channel (the event loop's clock)."""

    id: str | None = None
    """The activity id the channel gave it (None when refused)."""

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards it carries."""
        return [
            attachment["content"]
            for attachment in self.activity.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Updated:
    """One `update_activity` PUT, as the channel answered it."""

    conversation_id: str
    activity_id: str
    """The id in the URL."""
    activity: dict[str, Any]
    status: int

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        return Posted(self.conversation_id, None, self.activity, self.status).cards


@dataclass
class StandInChannel:
    latency_seconds: float = 0.0
    posted: list[Posted] = field(default_factory=list)
    """Every send (POST), including the ones answered with a fault."""
    updates: list[Updated] = field(default_factory=list)
    """Every update (PUT), including the ones refused."""
    authorizations: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    """Every request (POST and PUT), as it arrived."""
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
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
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

    def replaced(self, conversation_id: str | None = None) -> list[Updated]:
        """Updates the channel accepted (200), oldest first."""
        return [
            update
            for update in self.updates
            if update.status == 200
            and (conversation_id is None or update.conversation_id == conversation_id)
        ]

    def shown(self, conversation_id: str, activity_id: str) -> dict[str, Any]:
        """The activity as the conversation shows it now: its last accepted update, or
        as it was sent."""
        for update in reversed(self.replaced(conversation_id)):
            if update.activity_id == activity_id:
                return update.activity
        for post in self.delivered(conversation_id):
            if post.id == activity_id:
                return post.activity
        raise KeyError(f"no activity {activity_id!r} in {conversation_id!r}")

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
            self.received.append(await Received.of(request))
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
        activity_id = f"activity-{next(self._ids)}" if fault.status == 200 else None
        self.posted.append(
            Posted(
                conversation,
                request.match_info.get("reply_to"),
                activity,
                fault.status,
                arrived_at,
                activity_id,
            )
        )
        async with self._answered:
            self._answered.notify_all()
        if fault.status != 200 or fault.page is not None:
            return _refusal(fault)  # a 200 with a page: taken, its answer a proxy's
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        """`update_activity`: the scripted faults of the conversation first, then the
        real services' rules."""
        conversation = request.match_info["conversation"]
        activity_id = request.match_info["activity"]
        fault = self._next_fault(conversation)
        self.received.append(await Received.of(request))
        activity = await request.json()
        if fault.status == 200:
            fault = self._update_refusal(conversation, activity_id, activity)
        self.updates.append(Updated(conversation, activity_id, activity, fault.status))
        async with self._answered:
            self._answered.notify_all()
        if fault.status != 200:
            return _refusal(fault)
        return web.json_response({"id": activity_id})

    def _update_refusal(self, conversation: str, activity_id: str, activity: Any) -> Fault:
        """Why the service refuses this update (Fault() when it takes it)."""
        if not isinstance(activity, dict):
            return Fault(400, code="BadArgument", message="The activity is missing")
        if activity.get("channelId") in CANNOT_UPDATE_CHANNELS:
            return NOT_SUPPORTED
        if activity.get("id") != activity_id:
            return Fault(400, code="BadArgument", message="The activity id does not match the URL")
        if not any(post.id == activity_id for post in self.delivered(conversation)):
            return Fault(404, code="ActivityNotFound", message="Unknown activity")
        return Fault()

    def _next_fault(self, conversation: str) -> Fault:
        if self._scripts[conversation]:
            return self._scripts[conversation].popleft()
        return self._always.get(conversation, Fault())


def _refusal(fault: Fault) -> web.Response:
    if fault.page is not None:
        return web.Response(
            text=fault.page, content_type="text/html", status=fault.status, headers=fault.headers
        )
    return web.json_response(fault.body(), status=fault.status, headers=fault.headers)
