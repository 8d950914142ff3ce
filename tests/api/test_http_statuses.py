"""Every status the app promises, against the real app on loopback with the real SDK adapter."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from aiohttp import ClientResponse
from botbuilder.schema import Activity
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.channel import StandInChannel
from tests.support.openid import (
    StandInOpenId,
    channel_claims,
    new_private_key,
    sign,
    urls,
)
from tests.support.running import ADMIN_TOKEN, RunningApp, activity, running_app

APP_ID = "00000000-0000-4000-8000-000000000001"
APP_PASSWORD = "fake-app-password-for-tests"
KEY_ID = "channel-key"
TEAMS_ONLY_KEY_ID = "teams-key"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path) as app:
        yield app


@pytest.fixture
def outside_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Host names anything in the process tried to resolve, other than loopback."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in {"127.0.0.1", "localhost", "::1"}:
            looked_up.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "tests reach no outside host")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return looked_up


@pytest.fixture
async def signed_app(tmp_path: Path, openid: StandInOpenId) -> AsyncIterator[RunningApp]:
    """The app with a Bot Framework app id and password, its signing keys fetched from
    the stand-in: every token is checked."""
    openid.add_key(KEY_ID, endorsements=["emulator", "msteams"])
    openid.add_key(TEAMS_ONLY_KEY_ID, endorsements=["msteams"])
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": APP_PASSWORD}
    async with running_app(tmp_path, env=env, openid_metadata=urls(openid)) as app:
        await app.engine.signing_keys.tick()  # the fetch it started with
        yield app


@pytest.fixture
async def secured(signed_app: RunningApp, outside_lookups: list[str]) -> AsyncIterator[RunningApp]:
    yield signed_app
    assert outside_lookups == [], "refusing a request needs no network"


def hello(channel: StandInChannel, conversation_id: str = "conv-http") -> dict[str, Any]:
    return activity(channel, "message", conversation_id, text="hello")


async def post(
    app: RunningApp, path: str = "/api/messages", *, method: str = "POST", **options: Any
) -> tuple[int, str, ClientResponse]:
    async with asyncio.timeout(10):  # a refusal never waits on anything
        async with app.http.request(method, f"{app.base}{path}", **options) as response:
            return response.status, await response.text(), response


def assert_json_error(status: int, body: str, expected: int, reason_part: str = "") -> None:
    assert status == expected, body
    assert "Traceback" not in body and 'File "' not in body
    document = json.loads(body)
    assert set(document) == {"error"} and document["error"]
    assert reason_part.lower() in document["error"].lower()


async def assert_still_answers(app: RunningApp, channel: StandInChannel) -> None:
    before = len(channel.texts("conv-after"))
    assert await app.say(channel, "conv-after", "help") == 201
    assert "Here's what I understand" in channel.texts("conv-after")[-1]
    assert len(channel.texts("conv-after")) > before


# /api/messages: Content-Type


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Content-Type": "application/jsonx"},
        {"Content-Type": ""},
    ],
    ids=["missing", "text", "form", "multipart", "jsonx", "empty"],
)
async def test_a_body_that_is_not_declared_json_is_415(
    running: RunningApp, channel: StandInChannel, headers: dict[str, str]
) -> None:
    status, body, _ = await post(
        running,
        data=json.dumps(hello(channel)).encode(),
        headers=headers,
        skip_auto_headers=["Content-Type"],
    )
    assert_json_error(status, body, 415, "application/json")
    assert channel.posted == []
    await assert_still_answers(running, channel)


async def test_json_with_a_charset_is_accepted(
    running: RunningApp, channel: StandInChannel
) -> None:
    status, _, _ = await post(
        running,
        data=json.dumps(hello(channel)).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert status == 201
    assert "I'm PriceWatch" in channel.texts("conv-http")[0]


# /api/messages: bodies that are not activities


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"type": "message",}', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"NaN-ish", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'[{"type": "message"}]', "JSON object"),
        (b'"message"', "JSON object"),
        (b"5", "JSON object"),
        (b"null", "JSON object"),
        (b"true", "JSON object"),
        (b"{}", "no type"),
        (b"[" * 5_000, "nests too deeply"),
        (b'{"type": "message", "value": ' + b"[" * 5_000, "nests too deeply"),
        (b"[" * 100_000, "more than 10000 JSON objects and arrays"),
        (b'{"type": "message", "value": ' + b"{" * 100_000, "more than 10000 JSON objects"),
    ],
    ids=lambda raw: repr(raw[:40]),
)
async def test_a_body_that_is_not_an_activity_is_400(
    running: RunningApp, channel: StandInChannel, raw: bytes, reason: str
) -> None:
    status, body, _ = await post(running, data=raw, headers=JSON)
    assert_json_error(status, body, 400, reason)
    assert channel.posted == []
    await assert_still_answers(running, channel)


def without(field: str):  # type: ignore[no-untyped-def]
    def change(act: dict[str, Any]) -> None:
        del act[field]

    return change


def setting(field: str, value: object):  # type: ignore[no-untyped-def]
    def change(act: dict[str, Any]) -> None:
        act[field] = value

    return change


BROKEN_ACTIVITIES = {
    "no type": (without("type"), "no type"),
    "an empty type": (setting("type", ""), "no type"),
    "a type that is a number": (setting("type", 5), "no type"),
    "no conversation": (without("conversation"), "no conversation id"),
    "a conversation list": (setting("conversation", []), "no conversation id"),
    "a conversation without id": (setting("conversation", {"name": "x"}), "no conversation id"),
    "an empty conversation id": (setting("conversation", {"id": ""}), "no conversation id"),
    "a conversation id number": (setting("conversation", {"id": 7}), "no conversation id"),
    "no channelId": (without("channelId"), "no channelId"),
    "a channelId number": (setting("channelId", 5), "no channelId"),
    "no serviceUrl": (without("serviceUrl"), "no serviceUrl"),
    "a serviceUrl number": (setting("serviceUrl", 5), "serviceUrl"),
    "a file serviceUrl": (setting("serviceUrl", "file:///etc/passwd"), "serviceUrl"),
    "a serviceUrl without host": (setting("serviceUrl", "http://"), "serviceUrl"),
    "a serviceUrl with spaces": (setting("serviceUrl", "not a url"), "serviceUrl"),
    "text that is a number": (setting("text", 5), "text"),
    "text that is a list": (setting("text", ["watch"]), "text"),
    "from that is a string": (setting("from", "x"), "from"),
    "recipient that is a list": (setting("recipient", []), "recipient"),
    "id that is an object": (setting("id", {}), "id"),
    "membersAdded that is a string": (setting("membersAdded", "x"), "membersAdded"),
    "membersAdded of numbers": (setting("membersAdded", [1]), "membersAdded"),
    "attachments that is a number": (setting("attachments", 5), "attachments"),
    "entities of numbers": (setting("entities", [1]), "entities"),
    "a timestamp that is not a date": (setting("timestamp", "not a date"), "timestamp"),
    "a localTimestamp that is not a date": (setting("localTimestamp", "soon"), "localTimestamp"),
    "a suggestedActions number": (setting("suggestedActions", 5), "suggestedActions"),
    "a relatesTo number": (setting("relatesTo", 5), "relatesTo"),
    "an isGroup that is not a boolean": (
        setting("conversation", {"id": "c", "isGroup": "yes"}),
        "conversation",
    ),
}


@pytest.mark.parametrize(
    ("change", "reason"), BROKEN_ACTIVITIES.values(), ids=BROKEN_ACTIVITIES.keys()
)
async def test_an_activity_with_a_missing_or_mistyped_field_is_400(
    running: RunningApp, channel: StandInChannel, change: Any, reason: str
) -> None:
    broken = hello(channel)
    change(broken)
    status, body, _ = await post(running, json=broken)
    assert_json_error(status, body, 400, reason)
    assert channel.posted == []
    await assert_still_answers(running, channel)


ODD_BUT_HARMLESS = {
    "channelData list": ("channelData", []),
    "channelData string": ("channelData", "x"),
    "value object": ("value", {"a": [1, {"b": None}]}),
    "value number": ("value", 5),
    "locale number": ("locale", 5),
    "name number": ("name", 5),
    "textFormat object": ("textFormat", {}),
    "attachment content type number": ("attachments", [{"contentType": 5}]),
    "member id number": ("membersAdded", [{"id": 5}]),
    "from id number": ("from", {"id": 5}),
    "summary list": ("summary", []),
}


@pytest.mark.parametrize(("field", "value"), ODD_BUT_HARMLESS.values(), ids=ODD_BUT_HARMLESS.keys())
@pytest.mark.parametrize("kind", ["message", "conversationUpdate"])
async def test_odd_values_the_sdk_tolerates_are_processed(
    running: RunningApp, channel: StandInChannel, kind: str, field: str, value: object
) -> None:
    odd = {**activity(channel, kind, "conv-odd", text="list"), field: value}
    status, body, _ = await post(running, json=odd)
    assert status == 201, body
    await assert_still_answers(running, channel)


# /api/messages: size


async def test_a_body_over_1_mb_is_413(running: RunningApp, channel: StandInChannel) -> None:
    big = {**hello(channel), "text": "x" * (1024 * 1024)}
    status, body, _ = await post(running, json=big)
    assert_json_error(status, body, 413, "at most 1048576 bytes")
    assert channel.posted == []
    await assert_still_answers(running, channel)


async def test_a_chunked_body_over_1_mb_is_413(
    running: RunningApp, channel: StandInChannel
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"type": "message", "text": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    status, body, _ = await post(running, data=chunks(), headers=JSON)
    assert_json_error(status, body, 413, "bytes")
    await assert_still_answers(running, channel)


async def test_a_body_just_under_1_mb_is_processed(
    running: RunningApp, channel: StandInChannel
) -> None:
    padded = {**hello(channel), "text": "help", "channelData": {"pad": "x" * 1_000_000}}
    status, _, _ = await post(running, json=padded)
    assert status == 201
    assert "Here's what I understand" in channel.texts("conv-http")[-1]


# /api/messages: anything else a caller sends


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
    )
    keys = st.sampled_from(["id", "name", "role", "type", "contentType", "content", "isGroup"])
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(keys | st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=6,
    )


ACTIVITY_FIELDS = sorted(spec["key"] for spec in Activity._attribute_map.values())
KINDS = ["message", "conversationUpdate", "event", "typing", "messageReaction", "unknownType"]


@settings(max_examples=150)
@given(
    kind=st.sampled_from(KINDS),
    fields=st.dictionaries(st.sampled_from(ACTIVITY_FIELDS), json_values(), max_size=3),
)
async def test_no_activity_gets_a_5xx_or_a_traceback(
    running: RunningApp, channel: StandInChannel, kind: str, fields: dict[str, Any]
) -> None:
    status, body, _ = await post(
        running, json={**hello(channel, "conv-fuzz"), "type": kind, **fields}
    )
    assert status in (200, 201, 400), body
    assert "Traceback" not in body
    if status == 400:
        assert_json_error(status, body, 400)
    await assert_still_answers(running, channel)


async def test_an_invoke_the_bot_does_not_implement_is_501(
    running: RunningApp, channel: StandInChannel
) -> None:
    """The Bot Framework protocol's answer (the SDK's): the bot handles no invoke activities."""
    status, _, _ = await post(running, json={**hello(channel), "type": "invoke", "name": "x"})
    assert status == 501
    await assert_still_answers(running, channel)


# Routes and methods


@pytest.mark.parametrize("path", ["/nope", "/api", "/api/messages/extra", "/feed/products/p-100/x"])
async def test_an_unknown_route_is_a_json_404(running: RunningApp, path: str) -> None:
    status, body, _ = await post(running, path, method="GET")
    assert_json_error(status, body, 404, "not found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/messages", "POST"),
        ("PUT", "/api/messages", "POST"),
        ("POST", "/healthz", "GET"),
        ("POST", "/metrics", "GET"),
        ("POST", "/api/notify", "GET"),
        ("DELETE", "/feed/products/p-100", "PUT"),
        ("POST", "/feed/prices", "GET"),
    ],
)
async def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(
    running: RunningApp, method: str, path: str, allowed: str
) -> None:
    status, body, response = await post(running, path, method=method)
    assert_json_error(status, body, 405, "not allowed")
    assert allowed in response.headers["Allow"]


# With a Bot Framework app id, only signed requests get in


def fake_jwt(header: dict[str, Any], claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


BOT_FRAMEWORK_CLAIMS = {"iss": "https://api.botframework.com", "aud": APP_ID}
UNSIGNED = {
    "no header": None,
    "an empty header": "",
    "a garbage bearer token": "Bearer garbage",
    "an empty bearer token": "Bearer ",
    "the wrong scheme": "Basic dXNlcjpwYXNz",
    "the admin token": f"Bearer {ADMIN_TOKEN}",
    "three dots": "Bearer ...",
    "an unsigned token": "Bearer " + fake_jwt({"alg": "none"}, BOT_FRAMEWORK_CLAIMS)[:-12],
    "an HMAC token": "Bearer " + fake_jwt({"alg": "HS256", "kid": "k"}, BOT_FRAMEWORK_CLAIMS),
    "a token without a key id": "Bearer " + fake_jwt({"alg": "RS256"}, BOT_FRAMEWORK_CLAIMS),
}


@pytest.mark.parametrize("authorization", UNSIGNED.values(), ids=UNSIGNED.keys())
async def test_with_an_app_id_a_request_without_a_valid_token_is_401(
    secured: RunningApp, channel: StandInChannel, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    status, body, response = await post(secured, json=hello(channel), headers=headers)
    assert_json_error(status, body, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert channel.posted == []
    assert await secured.engine.store.references.get("emulator/conv-http") is None


Forge = Callable[[StandInOpenId, str], str]
"""A token made with the stand-in's keys, for a serviceUrl."""


def signed(claims: dict[str, Any], key_id: str = KEY_ID, lifetime: float = 600) -> Forge:
    def forge(openid: StandInOpenId, service_url: str) -> str:
        return sign(
            {**channel_claims(APP_ID, service_url), **claims}, openid.keys[key_id], key_id, lifetime
        )

    return forge


def signed_elsewhere(key_id: str) -> Forge:
    def forge(openid: StandInOpenId, service_url: str) -> str:
        return sign(channel_claims(APP_ID, service_url), new_private_key(), key_id)

    return forge


SIGNED_BUT_REFUSED: dict[str, tuple[Forge, str]] = {
    "an unknown key id": (signed_elsewhere("forged-key"), "signing key"),
    "another key under a known id": (signed_elsewhere(KEY_ID), "signature"),
    "an expired token": (signed({}, lifetime=-600), "expired"),
    "another bot's token": (signed({"aud": "another-app"}), "another bot"),
    "another serviceUrl": (signed({"serviceurl": "https://elsewhere.example"}), "serviceUrl"),
    "another issuer": (signed({"iss": "https://issuer.example"}), "not issued by the Bot"),
    "a key that does not endorse the channel": (signed({}, TEAMS_ONLY_KEY_ID), "endorse"),
    "a skill's token": (signed({"ver": "2.0", "azp": "a-skill", "appid": "a-skill"}), "skill"),
}


@pytest.mark.parametrize(
    ("forge", "reason"), SIGNED_BUT_REFUSED.values(), ids=SIGNED_BUT_REFUSED.keys()
)
async def test_with_an_app_id_a_signed_token_that_fails_a_check_is_401(
    secured: RunningApp, channel: StandInChannel, openid: StandInOpenId, forge: Forge, reason: str
) -> None:
    headers = {"Authorization": f"Bearer {forge(openid, channel.url)}"}
    status, body, response = await post(secured, json=hello(channel), headers=headers)
    assert_json_error(status, body, 401, reason)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert channel.posted == []
    assert await secured.engine.store.references.get("emulator/conv-http") is None


async def test_with_an_app_id_a_token_the_channel_signed_gets_in(
    signed_app: RunningApp,
    channel: StandInChannel,
    openid: StandInOpenId,
    outside_lookups: list[str],
) -> None:
    token = signed({})(openid, channel.url)
    status, body, _ = await post(
        signed_app, json=hello(channel), headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 201, body
    assert await signed_app.engine.store.references.get("emulator/conv-http") is not None
    # The bot's reply asks Azure AD for its own token, which these tests cannot reach.
    assert set(outside_lookups) == {"login.microsoftonline.com"}


async def test_without_an_app_id_a_token_is_not_checked(
    running: RunningApp, channel: StandInChannel
) -> None:
    """It could prove nothing more: without an app id anyone may post."""
    headers = {"Authorization": "Bearer garbage"}
    status, body, _ = await post(running, json=hello(channel), headers=headers)
    assert status == 201, body
    assert "I'm PriceWatch" in channel.texts("conv-http")[0]


async def test_with_an_app_id_a_malformed_body_is_still_400(
    secured: RunningApp, channel: StandInChannel
) -> None:
    status, body, _ = await post(secured, data=b"{", headers=JSON)
    assert_json_error(status, body, 400)


# Admin endpoints


NOT_THE_ADMIN = {
    "no header": {},
    "an empty header": {"Authorization": ""},
    "the wrong scheme": {"Authorization": f"Basic {ADMIN_TOKEN}"},
    "no scheme": {"Authorization": ADMIN_TOKEN},
    "the wrong token": {"Authorization": "Bearer wrong"},
    "a prefix of the token": {"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"},
    "the token and more": {"Authorization": f"Bearer {ADMIN_TOKEN}x"},
    "the token and another word": {"Authorization": f"Bearer {ADMIN_TOKEN} {ADMIN_TOKEN}"},
    "a space inside the token": {"Authorization": f"Bearer {ADMIN_TOKEN[:4]} {ADMIN_TOKEN[4:]}"},
    "the token in upper case": {"Authorization": f"Bearer {ADMIN_TOKEN.upper()}"},
    "a tab for the space": {"Authorization": f"Bearer\t{ADMIN_TOKEN}"},
    "the token as a cookie": {"Cookie": f"token={ADMIN_TOKEN}"},
}


async def watching_headphones(app: RunningApp, channel: StandInChannel) -> None:
    assert await app.say(channel, "conv-victim", "watch headphones 20%") == 201
    assert "$159.99 or less" in channel.texts("conv-victim")[-1]


@pytest.mark.parametrize("headers", NOT_THE_ADMIN.values(), ids=NOT_THE_ADMIN.keys())
async def test_admin_endpoints_refuse_anyone_without_the_token(
    running: RunningApp, channel: StandInChannel, headers: dict[str, str]
) -> None:
    await watching_headphones(running, channel)
    posted_before = len(channel.posted)

    status, body, response = await post(
        running, "/feed/products/p-100", method="PUT", json={"price": 149.99}, headers=headers
    )
    assert_json_error(status, body, 401, "token")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    status, body, _ = await post(running, "/api/notify", method="GET", headers=headers)
    assert_json_error(status, body, 401, "token")
    status, body, _ = await post(
        running, f"/api/notify?token={ADMIN_TOKEN}", method="GET", headers=headers
    )
    assert_json_error(status, body, 401, "token")

    async with running.http.get(f"{running.base}/feed/prices?ids=p-100") as prices:
        assert (await prices.json())["prices"] == {"p-100": 199.99}
    await running.engine.poll_and_deliver()  # what the scheduler would do next
    assert len(channel.posted) == posted_before, "nobody was messaged"
    assert await running.engine.store.outbox.counts() == {
        "pending": 0,
        "held": 0,
        "sent": 0,
        "failed": 0,
    }


async def test_the_admin_token_does_what_the_refused_requests_could_not(
    running: RunningApp, channel: StandInChannel
) -> None:
    await watching_headphones(running, channel)
    await running.set_price("p-100", 149.99)
    assert (await running.notify())["poll"]["alerts"] == 1
    assert "Price drop" in channel.texts("conv-victim")[-1]
