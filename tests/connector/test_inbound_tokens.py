"""Token checks with keys in memory: the SDK's rules for channel and Emulator tokens."""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable

import jwt
import pytest
from botframework.connector.auth import PasswordServiceClientCredentialFactory

from connector.inbound_tokens import InboundTokens, SigningKeysUnavailable
from connector.signing_keys import BotFrameworkKeys, SigningKeys
from tests.support.clock import FakeClock
from tests.support.openid import StandInOpenId, channel_claims, new_private_key, sign

APP_ID = "00000000-0000-4000-8000-000000000004"
SERVICE_URL = "https://smba.trafficmanager.net/teams/"
KEY_ID = "teams-key"
EMULATOR_V1_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
EMULATOR_V2_ISSUER = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"


@pytest.fixture
async def keys(openid: StandInOpenId) -> AsyncIterator[BotFrameworkKeys]:
    openid.add_key(KEY_ID, endorsements=["msteams"])
    openid.add_key("emulator-key")
    clock = FakeClock()
    keys = BotFrameworkKeys(SigningKeys(openid.url, clock), SigningKeys(openid.url, clock))
    await keys.tick()
    yield keys
    await keys.close()


@pytest.fixture
def tokens(keys: BotFrameworkKeys) -> InboundTokens:
    return InboundTokens(keys, PasswordServiceClientCredentialFactory(APP_ID, "password"))


def teams_token(openid: StandInOpenId, lifetime: float = 600, **claims: Any) -> str:
    full = {**channel_claims(APP_ID, SERVICE_URL), **claims}
    return sign(full, openid.keys[KEY_ID], KEY_ID, lifetime)


def emulator_token(openid: StandInOpenId, **claims: Any) -> str:
    return sign(claims, openid.keys["emulator-key"], "emulator-key")


async def test_a_channel_token_names_the_bot_it_was_issued_for(
    tokens: InboundTokens, openid: StandInOpenId
) -> None:
    identity = await tokens.identify(f"Bearer {teams_token(openid)}", "msteams", SERVICE_URL)
    assert identity.is_authenticated
    assert identity.get_claim_value("aud") == APP_ID


async def test_expiry_has_the_sdks_five_minutes_of_leeway(
    tokens: InboundTokens, openid: StandInOpenId
) -> None:
    barely = teams_token(openid, lifetime=-240)
    assert (await tokens.identify(f"Bearer {barely}", "msteams", SERVICE_URL)).is_authenticated
    with pytest.raises(PermissionError, match="expired"):
        await tokens.identify(f"Bearer {teams_token(openid, lifetime=-360)}", "msteams", None)


async def test_without_a_service_url_the_claim_is_not_compared(
    tokens: InboundTokens, openid: StandInOpenId
) -> None:
    token = teams_token(openid, serviceurl="https://elsewhere.example")
    assert (await tokens.identify(f"Bearer {token}", "msteams", None)).is_authenticated


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": EMULATOR_V1_ISSUER, "ver": "1.0", "appid": APP_ID},
        {"iss": EMULATOR_V1_ISSUER, "ver": "", "appid": APP_ID},
        {"iss": EMULATOR_V2_ISSUER, "ver": "2.0", "azp": APP_ID},
    ],
    ids=["version 1.0", "an empty version", "version 2.0"],
)
async def test_an_emulator_token_for_the_bot_gets_in(
    tokens: InboundTokens, openid: StandInOpenId, claims: dict[str, Any]
) -> None:
    identity = await tokens.identify(f"Bearer {emulator_token(openid, **claims)}", "emulator", None)
    assert identity.is_authenticated


REFUSED_EMULATOR_TOKENS = {
    "no version": ({"iss": EMULATOR_V1_ISSUER, "appid": APP_ID}, '"ver" claim'),
    "an unknown version": (
        {"iss": EMULATOR_V1_ISSUER, "ver": "3.0", "appid": APP_ID},
        "1.0 or 2.0",
    ),
    "version 1.0 without appid": ({"iss": EMULATOR_V1_ISSUER, "ver": "1.0"}, "no app id"),
    "version 2.0 without azp": (
        {"iss": EMULATOR_V2_ISSUER, "ver": "2.0", "appid": APP_ID},
        "no app id",
    ),
    "another bot's": ({"iss": EMULATOR_V1_ISSUER, "ver": "1.0", "appid": "other"}, "another bot"),
}


@pytest.mark.parametrize(
    ("claims", "reason"), REFUSED_EMULATOR_TOKENS.values(), ids=REFUSED_EMULATOR_TOKENS.keys()
)
async def test_an_emulator_token_is_held_to_the_emulators_rules(
    tokens: InboundTokens, openid: StandInOpenId, claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(PermissionError, match=reason):
        await tokens.identify(f"Bearer {emulator_token(openid, **claims)}", "emulator", None)


def rs384_token(openid: StandInOpenId) -> str:
    claims = channel_claims(APP_ID, SERVICE_URL)
    return jwt.encode(claims, openid.keys[KEY_ID], algorithm="RS384", headers={"kid": KEY_ID})


def unknown_key_token(openid: StandInOpenId) -> str:
    return sign(channel_claims(APP_ID, SERVICE_URL), new_private_key(), "unknown-key")


REFUSED_HEADERS: dict[str, tuple[Callable[[StandInOpenId], str], str, str]] = {
    "a lower-case scheme": (lambda o: f"bearer {teams_token(o)}", "msteams", "Bearer token"),
    "two tokens": (lambda o: f"Bearer {teams_token(o)} {teams_token(o)}", "msteams", "Bearer"),
    "RS384, which the SDK verifies as RS256": (
        lambda o: f"Bearer {rs384_token(o)}",
        "msteams",
        "algorithm",
    ),
    "a token not valid yet": (
        lambda o: f"Bearer {teams_token(o, nbf=9_000_000_000)}",
        "msteams",
        "not valid",
    ),
    "an unknown key": (lambda o: f"Bearer {unknown_key_token(o)}", "msteams", "signing key"),
    "a channel the key does not endorse": (
        lambda o: f"Bearer {teams_token(o)}",
        "webchat",
        "endorse",
    ),
}


@pytest.mark.parametrize(
    ("header", "channel_id", "reason"), REFUSED_HEADERS.values(), ids=REFUSED_HEADERS.keys()
)
async def test_a_refusal_says_why(
    tokens: InboundTokens,
    openid: StandInOpenId,
    header: Callable[[StandInOpenId], str],
    channel_id: str,
    reason: str,
) -> None:
    with pytest.raises(PermissionError, match=reason):
        await tokens.identify(header(openid), channel_id, SERVICE_URL)


async def test_before_any_key_is_fetched_no_token_can_be_checked(openid: StandInOpenId) -> None:
    openid.add_key(KEY_ID)
    clock = FakeClock()
    unfetched = BotFrameworkKeys(SigningKeys(openid.url, clock), SigningKeys(openid.url, clock))
    tokens = InboundTokens(unfetched, PasswordServiceClientCredentialFactory(APP_ID, "password"))
    try:
        with pytest.raises(SigningKeysUnavailable) as raised:
            await tokens.identify(f"Bearer {teams_token(openid)}", "msteams", SERVICE_URL)
        assert isinstance(raised.value, ConnectionError)
        await unfetched.tick()  # the miss asked for the keys; now they are there
        assert await tokens.identify(f"Bearer {teams_token(openid)}", "msteams", SERVICE_URL)
    finally:
        await unfetched.close()
