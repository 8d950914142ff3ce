"""A turn's sends reach the channel byte for byte as the SDK's msrest pipeline sent them,
and come back (an id, or an error the outbox classifies) as the SDK gave them back."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Final

import aiohttp
import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Mention,
    ResourceResponse,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.aio.operations_async import ConversationsOperations
from botframework.connector.models import ErrorResponseException
from hypothesis import given
from hypothesis import strategies as st
from msrest import Configuration, Serializer, ServiceClient
from msrest.exceptions import DeserializationError, HttpOperationError

from connector.adapter import AcyclicCloudAdapter
from connector.aiohttp_transport import use_aiohttp
from connector.direct_sends import (
    ACTIVITIES,
    ONE_ACTIVITY,
    DirectConversations,
    conversations_prefix,
    path_segment,
    use_direct_sends,
)
from connector.direct_serializer import use_direct_serializer
from connector.pooled_auth import PooledBotFrameworkAuthentication
from connector.send_failures import classify
from connector.signing_keys import BotFrameworkKeys, OpenIdMetadataUrls
from domain.alerts import FailureKind, SendFailure
from domain.clock import utc_now
from tests.support.channel import BOT_NOT_IN_ROSTER, Fault, Gate, StandInChannel
from tests.support.credentials import APP_ID, TOKEN, StandInCredentials
from tests.support.running import free_port

NOW: Final = datetime(2026, 12, 6, 18, 0, tzinfo=timezone.utc)
TIMEOUT_SECONDS: Final = 0.5
MSREST: Final = Serializer()
IDS: Final = [
    "a:1B2c3D-_.~",
    "19:meeting_Zm9v@thread.v2;messageid=1765036800000",
    "a/b c",
    "ünïcödé 会話",
    "a%2Fb?x=1#y",
]
"""Conversation ids as Teams and Direct Line make them, and ones with every character
msrest quotes: `;`, `:`, `@`, `/`, spaces, `%`, `?`, `#` and non-ASCII."""


def alert() -> Activity:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"text": "Prix: 149,99 €"}]}
    return Activity(
        type=ActivityTypes.message,
        text="<at>Anaïs</at>: Noise-cancelling headphones dropped to $149.99",
        attachments=[
            Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
        ],
        entities=[
            Mention(mentioned=ChannelAccount(id="29:anais"), text="<at>Anaïs</at>", type="mention")
        ],
        conversation=ConversationAccount(id="ignored: the id in the URL is the one that counts"),
        timestamp=NOW,
    )


class Paths:
    """The same connector client twice: sending through the SDK's msrest pipeline (as it
    did before the direct path) and through the direct path."""

    def __init__(self, service_url: str, app_id: str, session: aiohttp.ClientSession) -> None:
        credentials = StandInCredentials(app_id, "not-a-real-password")
        self.sdk = self._client(service_url, credentials, session)
        self.direct = self._client(service_url, credentials, session)
        use_direct_sends(self.direct, lambda: session, TIMEOUT_SECONDS)

    @staticmethod
    def _client(
        service_url: str, credentials: StandInCredentials, session: aiohttp.ClientSession
    ) -> ConnectorClient:
        client = ConnectorClient(credentials, base_url=service_url)
        use_aiohttp(client, lambda: session, TIMEOUT_SECONDS)
        use_direct_serializer(client)
        return client

    @property
    def both(self) -> tuple[ConnectorClient, ConnectorClient]:
        return self.sdk, self.direct


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize("app_id", [APP_ID, ""], ids=["app-id", "no-app-id"])
@pytest.mark.parametrize("conversation_id", IDS)
async def test_a_send_reaches_the_channel_as_the_sdks_did(
    channel: StandInChannel, session: aiohttp.ClientSession, conversation_id: str, app_id: str
) -> None:
    paths = Paths(channel.url, app_id, session)
    answers = [
        await client.conversations.send_to_conversation(conversation_id, alert())
        for client in paths.both
    ]
    sdk, direct = channel.received
    assert direct == sdk
    authorization = [value for name, value in sdk.headers if name == "Authorization"]
    assert authorization == ([f"Bearer {TOKEN}"] if app_id else [])
    assert [post.conversation_id for post in channel.posted] == [conversation_id] * 2
    assert answers == [ResourceResponse(id=post.id) for post in channel.posted]


@pytest.mark.parametrize("conversation_id", IDS)
async def test_a_reply_reaches_the_channel_as_the_sdks_did(
    channel: StandInChannel, session: aiohttp.ClientSession, conversation_id: str
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    answers = [
        await client.conversations.reply_to_activity(conversation_id, "1:7;x/y", alert())
        for client in paths.both
    ]
    sdk, direct = channel.received
    assert direct == sdk
    assert "x-ms-conversation-id" in dict(sdk.headers)
    assert [post.reply_to for post in channel.posted] == ["1:7;x/y"] * 2
    assert answers == [ResourceResponse(id=post.id) for post in channel.posted]


@pytest.mark.parametrize("conversation_id", IDS)
async def test_an_update_reaches_the_channel_as_the_sdks_did(
    channel: StandInChannel, session: aiohttp.ClientSession, conversation_id: str
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    sent = await paths.sdk.conversations.send_to_conversation(conversation_id, alert())
    replacement = alert()
    replacement.id, replacement.text = sent.id, "Back in stock"
    answers = [
        await client.conversations.update_activity(conversation_id, sent.id, replacement)
        for client in paths.both
    ]
    _, sdk, direct = channel.received
    assert direct == sdk and sdk.method == "PUT"
    assert [update.text for update in channel.replaced(conversation_id)] == ["Back in stock"] * 2
    assert answers == [ResourceResponse(id=sent.id)] * 2


REFUSALS: Final = {
    "not-in-roster": BOT_NOT_IN_ROSTER,
    "429": Fault(429, {"Retry-After": "7"}, code="TooManyRequests"),
    "401": Fault(401, code="Unauthorized"),
    "404": Fault(404, code="ConversationNotFound"),
    "413": Fault(413, code="MessageSizeTooBig"),
    "500": Fault(500, code="InternalServerError"),
    "201-odd-answer": Fault(201, code="Created"),
    "203-not-an-answer": Fault(203, code="NonAuthoritative"),
}


@pytest.mark.parametrize("fault", REFUSALS.values(), ids=REFUSALS.keys())
async def test_an_answer_other_than_an_id_is_what_the_sdk_made_of_it(
    channel: StandInChannel, session: aiohttp.ClientSession, fault: Fault
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    sdk, direct = [await outcome(client, channel, fault) for client in paths.both]
    assert channel.received[0] == channel.received[1]
    assert type(direct) is type(sdk)
    assert str(direct) == str(sdk)
    if isinstance(sdk, HttpOperationError):
        assert isinstance(direct, HttpOperationError)
        assert direct.response.status_code == sdk.response.status_code == fault.status
        assert direct.response.body() == sdk.response.body()
        assert without_date(direct.response.headers) == without_date(sdk.response.headers)
        assert direct.error == sdk.error
    if isinstance(sdk, Exception):
        assert isinstance(direct, Exception)
        assert classify(direct, NOW) == classify(sdk, NOW)
    else:
        assert direct == sdk


MISREAD: Final = {
    "429-html": (Fault(429, {"Retry-After": "7"}, page="<html>slow down</html>"), 429),
    "502-html": (Fault(502, page="<html><body>Bad gateway</body></html>"), 502),
    "401-html": (Fault(401, page="<html>Sign in</html>"), 401),
}


@pytest.mark.parametrize(("fault", "status"), MISREAD.values(), ids=MISREAD.keys())
async def test_a_refusal_that_is_not_json_is_read_by_its_status(
    channel: StandInChannel, session: aiohttp.ClientSession, fault: Fault, status: int
) -> None:
    """msrest parsed the body before it looked at the status, so a gateway's page failed
    with no status at all (retried blind, a 429's wait lost); both paths now raise the
    SDK's own error with the status and the page."""
    paths = Paths(channel.url, APP_ID, session)
    for path in [await outcome(client, channel, fault) for client in paths.both]:
        assert isinstance(path, ErrorResponseException)
        assert path.response.status_code == status
        assert path.response.body() == (fault.page or "").encode()
        assert classify(path, NOW).status == status


async def test_a_message_taken_with_an_answer_that_is_not_json_is_not_sent_again(
    channel: StandInChannel, session: aiohttp.ClientSession
) -> None:
    """A 200 whose answer is a page: the channel has the message. The pipeline raised on
    it (so the outbox sent the alert again); the direct path returns no id."""
    paths = Paths(channel.url, APP_ID, session)
    sdk, direct = [
        await outcome(client, channel, Fault(200, page="<html>ok</html>")) for client in paths.both
    ]
    assert isinstance(sdk, DeserializationError)
    assert direct is None
    assert len(channel.delivered("c-1")) == 2, "both were taken"


async def outcome(client: ConnectorClient, channel: StandInChannel | None, fault: Fault) -> Any:
    """What the send returned, or what it raised."""
    if channel is not None:
        channel.script("c-1", fault)
    try:
        return await client.conversations.send_to_conversation("c-1", alert())
    except Exception as error:
        return error


def without_date(headers: Any) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name.lower() != "date"]


async def test_a_channel_too_slow_to_answer_times_out_as_it_did(
    channel: StandInChannel, session: aiohttp.ClientSession
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    sdk, direct = [await outcome(client, channel, Fault(gate=Gate())) for client in paths.both]
    assert type(direct) is type(sdk) is TimeoutError


async def test_a_refused_connection_fails_as_it_did(session: aiohttp.ClientSession) -> None:
    paths = Paths(f"http://127.0.0.1:{free_port()}", APP_ID, session)
    sdk, direct = [await outcome(client, None, Fault()) for client in paths.both]
    assert type(direct) is type(sdk) is aiohttp.ClientConnectorError
    assert str(direct) == str(sdk)


# What the outbox decides, through the real adapter and a proactive turn.

OUTCOMES: Final = [
    (BOT_NOT_IN_ROSTER, FailureKind.GONE, 403, None),
    (Fault(429, {"Retry-After": "7"}), FailureKind.RATE_LIMITED, 429, 7.0),
    (Fault(503), FailureKind.TRANSIENT, 503, None),
    (Fault(502, page="<html>Bad gateway</html>"), FailureKind.TRANSIENT, 502, None),
    (Fault(429, {"Retry-After": "7"}, page="slow down"), FailureKind.RATE_LIMITED, 429, 7.0),
    (Fault(401), FailureKind.UNREACHABLE, 401, None),
    (Fault(404), FailureKind.UNREACHABLE, 404, None),
    (Fault(400, code="BadArgument"), FailureKind.PERMANENT, 400, None),
    (Fault(gate=Gate()), FailureKind.TRANSIENT, None, None),
]


@pytest.mark.parametrize(
    ("fault", "kind", "status", "retry_after"),
    OUTCOMES,
    ids=["not-in-roster", "429", "503", "502-html", "429-text", "401", "404", "400", "timeout"],
)
async def test_a_refused_send_in_a_proactive_turn_is_classified(
    channel: StandInChannel,
    fault: Fault,
    kind: FailureKind,
    status: int | None,
    retry_after: float | None,
) -> None:
    channel.script("c-1", fault)
    failure = await proactive_send(channel.url, "c-1")
    assert isinstance(failure, SendFailure)
    assert (failure.kind, failure.status) == (kind, status)
    if retry_after is not None:
        assert failure.retry_after_seconds == retry_after


async def test_a_proactive_send_to_a_channel_that_is_not_there_is_worth_another_try() -> None:
    failure = await proactive_send(f"http://127.0.0.1:{free_port()}", "c-1")
    assert isinstance(failure, SendFailure) and failure.kind is FailureKind.TRANSIENT
    assert failure.description == "ClientConnectorError (no HTTP response)"


async def test_a_proactive_send_taken_with_an_unreadable_answer_is_sent_not_failed(
    channel: StandInChannel,
) -> None:
    channel.script("c-1", Fault(200, page="<html>ok</html>"))
    outcome = await proactive_send(channel.url, "c-1")
    assert not isinstance(outcome, SendFailure), "taken: not to be sent again"
    assert len(channel.delivered("c-1")) == 1


async def test_a_proactive_send_takes_the_direct_path_and_gets_the_channels_id(
    channel: StandInChannel,
) -> None:
    assert await proactive_send(channel.url, "c-1") == channel.delivered("c-1")[0].id


class _NoAuth:
    APP_ID = ""
    APP_PASSWORD = ""


async def proactive_send(service_url: str, conversation_id: str) -> SendFailure | str | None:
    """A proactive turn's send through the app's adapter, caught and classified as the
    bot's alert sender does: the channel's id for the message, or the failure."""
    auth = PooledBotFrameworkAuthentication(
        _NoAuth(),
        signing_keys=BotFrameworkKeys.fetched_from(OpenIdMetadataUrls(), utc_now),
        send_timeout_seconds=TIMEOUT_SECONDS,
    )
    reference = ConversationReference(
        channel_id="msteams",
        service_url=service_url,
        conversation=ConversationAccount(id=conversation_id),
        user=ChannelAccount(id="user"),
        bot=ChannelAccount(id="bot"),
    )
    outcomes: list[SendFailure | str | None] = []

    async def turn(context: TurnContext) -> None:
        connector = context.turn_state[context.adapter.BOT_CONNECTOR_CLIENT_KEY]
        assert isinstance(connector.conversations, DirectConversations)
        try:
            sent = await context.send_activity("Price drop")
        except Exception as error:
            outcomes.append(classify(error, NOW))
        else:
            outcomes.append(sent.id if sent is not None else None)

    try:
        await AcyclicCloudAdapter(auth).continue_conversation(reference, turn, "")
    finally:
        await auth.close()
    [outcome] = outcomes
    return outcome


# The URL, as msrest builds it.

SERVICE_URLS: Final = [
    "https://smba.trafficmanager.net/amer/",
    "https://smba.trafficmanager.net/emea",
    "https://directline.botframework.com/",
    "http://127.0.0.1:3978",
    "https://example.com/a/./b/../c//",
    "https://example.com/path?query=1",
    "https://user@example.com:8443/x;y/",
]
service_urls = st.sampled_from(SERVICE_URLS) | st.builds(
    "https://example.com/{}".format, st.text(alphabet="ab/.;:@%?# ü", max_size=12)
)
ids = st.sampled_from(IDS) | st.text(max_size=12) | st.text(alphabet="./%", max_size=3)


def msrest_url(service_url: str, template: str, **ids: str) -> str:
    """The URL the SDK's operation sends to: its `format_url`, then `_request`'s."""
    client = ServiceClient(None, Configuration(service_url))
    path = {name: MSREST.url(name, value, "str") for name, value in ids.items()}
    return str(client.post(client.format_url(template, **path)).url)


@given(service_urls, ids, ids)
def test_the_url_is_the_one_msrest_builds(
    service_url: str, conversation_id: str, activity_id: str
) -> None:
    prefix = conversations_prefix(ServiceClient(None, Configuration(service_url)).format_url)
    conversation, activity = path_segment(conversation_id), path_segment(activity_id)
    if prefix is None or conversation is None or activity is None:
        return  # the SDK's own path (tested below)
    assert f"{prefix}{conversation}/activities" == msrest_url(
        service_url, ACTIVITIES, conversationId=conversation_id
    )
    assert f"{prefix}{conversation}/activities/{activity}" == msrest_url(
        service_url, ONE_ACTIVITY, conversationId=conversation_id, activityId=activity_id
    )


@pytest.mark.parametrize("service_url", SERVICE_URLS)
def test_every_real_service_url_takes_the_direct_path(service_url: str) -> None:
    assert conversations_prefix(ServiceClient(None, Configuration(service_url)).format_url)


@pytest.mark.parametrize("conversation_id", ["", ".", ".."])
def test_an_id_msrests_url_join_rewrites_is_left_to_msrest(conversation_id: str) -> None:
    service_url = SERVICE_URLS[0]
    prefix = conversations_prefix(ServiceClient(None, Configuration(service_url)).format_url)
    rewritten = msrest_url(service_url, ACTIVITIES, conversationId=conversation_id)
    assert rewritten != f"{prefix}{conversation_id}/activities"
    assert path_segment(conversation_id) is None


@pytest.mark.parametrize("service_url", ["https://example.com/{tenant}", "https://x/{}/"])
def test_a_service_url_msrests_formatting_refuses_is_left_to_msrest(service_url: str) -> None:
    with pytest.raises((KeyError, IndexError)):
        msrest_url(service_url, ACTIVITIES, conversationId="c-1")
    assert conversations_prefix(ServiceClient(None, Configuration(service_url)).format_url) is None


async def test_what_the_direct_path_does_not_take_goes_through_the_sdk(
    channel: StandInChannel, session: aiohttp.ClientSession
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    conversations = paths.direct.conversations
    answer = await conversations.send_to_conversation(
        "c-1", alert(), custom_headers={"x-ms-tenant": "t-1"}, raw=True
    )
    assert answer.output == ResourceResponse(id=channel.posted[0].id)
    assert ("x-ms-tenant", "t-1") in channel.received[0].headers
    assert isinstance(conversations.get_conversation_members.__self__, ConversationsOperations)


async def test_with_http_logging_on_a_send_is_logged_as_the_sdk_logs_it(
    channel: StandInChannel, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    paths = Paths(channel.url, APP_ID, session)
    paths.direct.config.enable_http_logger = True
    with caplog.at_level(logging.DEBUG, logger="msrest.http_logger"):
        await paths.direct.conversations.send_to_conversation("c-1", alert())
    assert f"Request URL: '{channel.url}/v3/conversations/c-1/activities'" in caplog.messages
    assert channel.texts("c-1") == [alert().text]
