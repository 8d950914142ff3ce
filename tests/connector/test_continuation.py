"""A proactive turn starts from the event botbuilder would make, and still runs through the
adapter's middleware and the bot's own turn handler."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from botbuilder.core import ActivityHandler, Middleware, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)
from hypothesis import given
from hypothesis import strategies as st

from connector.adapter import AcyclicCloudAdapter
from connector.continuation import ContinuationIds, continuation_activity
from connector.pooled_auth import PooledBotFrameworkAuthentication
from connector.signing_keys import BotFrameworkKeys, OpenIdMetadataUrls
from domain.clock import utc_now
from tests.support.channel import StandInChannel

texts = st.none() | st.text(max_size=10)
accounts = st.none() | st.builds(ChannelAccount, id=texts, name=texts)
references = st.builds(
    ConversationReference,
    activity_id=texts,
    user=accounts,
    bot=accounts,
    conversation=st.none() | st.builds(ConversationAccount, id=texts, tenant_id=texts),
    channel_id=texts,
    locale=texts,
    service_url=texts,
)


@given(references)
def test_the_event_is_botbuilders_but_for_its_id(reference: ConversationReference) -> None:
    ours = continuation_activity(reference, "id-1")
    theirs = get_continuation_activity(reference)
    assert ours.id == "id-1"
    theirs.id = "id-1"
    assert ours == theirs


def test_ids_never_repeat_within_an_adapter_or_across_adapters() -> None:
    first, second = ContinuationIds(), ContinuationIds()
    ids = [ids.next() for ids in (first, second) for _ in range(1000)]
    assert len(set(ids)) == 2000


class _NoAuth:
    APP_ID = ""
    APP_PASSWORD = ""


class _Seen(Middleware):
    def __init__(self) -> None:
        self.types: list[str] = []

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[Any]]) -> None:
        self.types.append(context.activity.type)
        await logic()


class _Bot(ActivityHandler):
    def __init__(self) -> None:
        self.events: list[Activity] = []

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        self.events.append(turn_context.activity)
        await turn_context.send_activity("Price drop")


async def test_a_proactive_turn_runs_the_middleware_and_the_bots_own_handler(
    channel: StandInChannel,
) -> None:
    auth = PooledBotFrameworkAuthentication(
        _NoAuth(), signing_keys=BotFrameworkKeys.fetched_from(OpenIdMetadataUrls(), utc_now)
    )
    adapter = AcyclicCloudAdapter(auth)
    seen, bot = _Seen(), _Bot()
    adapter.use(seen)
    reference = ConversationReference(
        channel_id="msteams",
        service_url=channel.url,
        conversation=ConversationAccount(id="c-1"),
        user=ChannelAccount(id="user"),
        bot=ChannelAccount(id="bot"),
    )
    try:
        for _ in range(2):
            await adapter.continue_conversation(reference, bot.on_turn, "")
        await adapter.continue_conversation_with_claims(
            adapter.create_claims_identity(""), reference, None, bot.on_turn
        )
    finally:
        await auth.close()
    assert seen.types == [ActivityTypes.event] * 3
    assert [event.name for event in bot.events] == ["ContinueConversation"] * 3
    assert [event.relates_to for event in bot.events] == [reference] * 3
    assert len({event.id for event in bot.events}) == 3
    assert channel.texts("c-1") == ["Price drop"] * 3
