"""The seed's proactive approach, for comparison: what the Bot Framework sample does.

In-memory conversation references saved on every activity, and /api/notify that walks
them in a sequential loop of continue_conversation calls, each sending "proactive hello".
No outbox, no state, no turn handler logic: the floor the seed stood on.

    PORT=4200 python -m bench.reference_bot
"""

from __future__ import annotations

import os

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ConversationReference


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""


class ProactiveBot(ActivityHandler):
    def __init__(self, references: dict[str, ConversationReference]) -> None:
        self.references = references

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        self._remember(turn_context)
        await super().on_conversation_update_activity(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        self._remember(turn_context)
        await turn_context.send_activity("Noted.")

    def _remember(self, turn_context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        self.references[reference.user.id] = reference


def build() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    references: dict[str, ConversationReference] = {}
    bot = ProactiveBot(references)

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot) or web.Response(status=201)

    async def notify(request: web.Request) -> web.Response:
        for reference in list(references.values()):
            await adapter.continue_conversation(
                reference,
                lambda turn_context: turn_context.send_activity("proactive hello"),
                _Config.APP_ID,
            )
        return web.Response(text="Proactive messages have been sent")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/api/notify", notify)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    port = int(os.environ["PORT"])
    web.run_app(build(), host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
