"""Reused connector clients still authenticate exactly as the SDK would."""

from __future__ import annotations

from pathlib import Path

import pytest
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity
from botframework.connector.models import ErrorResponseException

from connector.pooled_auth import PooledBotFrameworkAuthentication
from connector.signing_keys import BotFrameworkKeys, OpenIdMetadataUrls
from domain.clock import utc_now
from tests.support.channel import Fault, StandInChannel
from tests.support.credentials import APP_ID, StandInCredentialsFactory
from tests.support.openid import StandInOpenId, urls
from tests.support.running import activity, running_app


def unused_keys() -> BotFrameworkKeys:
    """Sends check no token: these keys are never fetched."""
    return BotFrameworkKeys.fetched_from(OpenIdMetadataUrls(), utc_now)


class _Config:
    APP_ID = APP_ID
    APP_PASSWORD = "not-a-real-password"


def reference(
    channel: StandInChannel, conversation_id: str, service_url: str | None = None
) -> ConversationReference:
    return ConversationReference(
        channel_id="msteams",
        service_url=service_url or channel.url,
        conversation=ConversationAccount(id=conversation_id),
        user=ChannelAccount(id="user"),
        bot=ChannelAccount(id=APP_ID),
    )


async def send(adapter: CloudAdapter, ref: ConversationReference, app_id: str) -> None:
    async def say_hi(turn_context: TurnContext) -> None:
        await turn_context.send_activity("hi")

    await adapter.continue_conversation(ref, say_hi, app_id)


async def test_sends_with_an_app_id_carry_its_bearer_token(channel: StandInChannel) -> None:
    credentials = StandInCredentialsFactory()
    auth = PooledBotFrameworkAuthentication(
        _Config(), signing_keys=unused_keys(), credentials_factory=credentials
    )
    adapter = CloudAdapter(auth)
    try:
        await send(adapter, reference(channel, "conversation-0"), APP_ID)
        made_by_the_first_send = credentials.made
        for n in range(1, 3):
            await send(adapter, reference(channel, f"conversation-{n}"), APP_ID)
    finally:
        await auth.close()
    assert channel.texts() == ["hi", "hi", "hi"]
    assert channel.authorizations == ["Bearer stand-in-token"] * 3
    assert credentials.made == made_by_the_first_send, (
        "the clients the first send made serve every later send to that service URL"
    )


async def test_a_proactive_turn_shares_the_client_of_the_users_turns(
    channel: StandInChannel,
) -> None:
    """A user's turn names the audience its token was for (the SDK's default one); a
    proactive turn names none, which means that same audience."""
    credentials = StandInCredentialsFactory()
    auth = PooledBotFrameworkAuthentication(
        _Config(), signing_keys=unused_keys(), credentials_factory=credentials
    )
    identity = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: APP_ID}, True)
    try:
        factory = auth.create_connector_factory(identity)
        users = await factory.create(channel.url, auth.get_originating_audience())
        made = credentials.made
        proactive = await factory.create(channel.url, None)  # type: ignore[arg-type]
    finally:
        await auth.close()
    assert proactive is users
    assert credentials.made == made, "the proactive turn built no client of its own"


async def test_a_cookie_a_channel_sets_goes_with_no_later_send(channel: StandInChannel) -> None:
    """Sends are authenticated by their token alone: a cookie one answer set (a load
    balancer's affinity, say) is not replayed on the calls for other conversations."""

    class NoAuth:
        APP_ID = ""
        APP_PASSWORD = ""

    channel.script("c-1", Fault(503, headers={"Set-Cookie": "affinity=c-1; Path=/"}))
    by_name = channel.url.replace("127.0.0.1", "localhost")  # cookies are kept for names
    auth = PooledBotFrameworkAuthentication(NoAuth(), signing_keys=unused_keys())
    adapter = CloudAdapter(auth)
    try:
        with pytest.raises(ErrorResponseException):
            await send(adapter, reference(channel, "c-1", by_name), "")
        await send(adapter, reference(channel, "c-2", by_name), "")
    finally:
        await auth.close()
    assert channel.texts("c-2") == ["hi"]
    assert all(name.lower() != "cookie" for name, _ in channel.received[-1].headers)


async def test_without_an_app_id_no_token_is_sent(channel: StandInChannel) -> None:
    class NoAuth:
        APP_ID = ""
        APP_PASSWORD = ""

    auth = PooledBotFrameworkAuthentication(NoAuth(), signing_keys=unused_keys())
    try:
        await send(CloudAdapter(auth), reference(channel, "emulator"), "")
    finally:
        await auth.close()
    assert channel.texts() == ["hi"]
    assert channel.authorizations == [""]


async def test_an_unsigned_request_is_refused_when_an_app_id_is_set(
    tmp_path: Path, channel: StandInChannel, openid: StandInOpenId
) -> None:
    openid.add_key("key-1")
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-real-password"}
    async with running_app(tmp_path, env=env, openid_metadata=urls(openid)) as app:
        status = await app.post_activity(activity(channel, "message", "c1", text="hi"))
    assert status == 401
    assert channel.posted == [], "the bot answered nothing"
