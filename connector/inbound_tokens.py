"""Checking the bearer token of an incoming activity, as the SDK does, with keys in memory.

The SDK's checks, in its order (JwtTokenValidation.validate_auth_header): a skill's token
(refused here: this bot is no skill, and the SDK refuses skill claims without a claims
validator anyway), else an Emulator token (EmulatorValidation), else a channel's token
(ChannelValidation). Each is the SDK's JwtTokenExtractor check (an allowed issuer, a key
that endorses the channel, RS256, the signature, expiry with five minutes' leeway) and
then its own claims, written again here with the SDK's constants because the SDK's code
cannot be handed keys: it fetches its own. Only where the key comes from differs
(connector/signing_keys.py). tests/api/test_http_statuses.py and
tests/connector/test_inbound_tokens.py hold each check.

Every refusal is a PermissionError whose message a caller may read.
"""

from __future__ import annotations

from typing import Any, Final

import jwt
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    ClaimsIdentity,
    EmulatorValidation,
    EndorsementsValidator,
    ServiceClientCredentialsFactory,
    SkillValidation,
    VerifyOptions,
)

from connector.signing_keys import BotFrameworkKeys, SigningKey, SigningKeys

SIGNING_ALGORITHM: Final = "RS256"
"""The SDK allows RS256, RS384 and RS512 in the header, then verifies with RS256 only."""
CHANNEL: Final[VerifyOptions] = ChannelValidation.TO_BOT_FROM_CHANNEL_TOKEN_VALIDATION_PARAMETERS
EMULATOR: Final[VerifyOptions] = EmulatorValidation.TO_BOT_FROM_EMULATOR_TOKEN_VALIDATION_PARAMETERS


class SigningKeysUnavailable(ConnectionError):
    """No signing keys have been fetched yet, so no token can be checked."""


class InboundTokens:
    def __init__(self, keys: BotFrameworkKeys, app_ids: ServiceClientCredentialsFactory) -> None:
        self._keys = keys
        self._app_ids = app_ids

    async def identify(
        self, auth_header: str, channel_id: str, service_url: str | None
    ) -> ClaimsIdentity:
        """The verified identity behind the header, or PermissionError saying why not."""
        token, key_id, claims = _unverified(auth_header)
        if SkillValidation.is_skill_claim(claims):
            raise PermissionError("this bot is not a skill: it accepts no skill tokens")
        if claims.get(AuthenticationConstants.ISSUER_CLAIM) in EMULATOR.issuer:
            verified = _verified(token, _key(self._keys.emulator, key_id), EMULATOR, channel_id)
            app_id = _emulator_app_id(verified)
        elif claims.get(AuthenticationConstants.ISSUER_CLAIM) in CHANNEL.issuer:
            verified = _verified(token, _key(self._keys.channel, key_id), CHANNEL, channel_id)
            app_id = verified.get(AuthenticationConstants.AUDIENCE_CLAIM) or ""
            if service_url and verified.get(AuthenticationConstants.SERVICE_URL_CLAIM) != (
                service_url
            ):
                raise PermissionError("the token was issued for another serviceUrl")
        else:
            raise PermissionError("the token is not issued by the Bot Framework")
        if not await self._app_ids.is_valid_app_id(app_id):
            raise PermissionError("the token is issued for another bot")
        return ClaimsIdentity(verified, True)


def _unverified(auth_header: str) -> tuple[str, str, dict[str, Any]]:
    """The token, its key id and its claims, if the header can carry a Bot Framework
    token at all (the SDK wants "Bearer <token>" exactly)."""
    scheme, _, token = auth_header.partition(" ")
    if scheme != "Bearer" or not token or " " in token:
        raise PermissionError("the Authorization header must be a Bearer token")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise PermissionError("the bearer token is not a JWT") from None
    if header.get("alg") != SIGNING_ALGORITHM:
        raise PermissionError("the bearer token is not signed with an algorithm Bot Framework uses")
    key_id = header.get("kid")
    if not isinstance(key_id, str):
        raise PermissionError("the bearer token names no signing key")
    return token, key_id, claims


def _key(keys: SigningKeys, key_id: str) -> SigningKey:
    key = keys.find(key_id)
    if key is not None:
        return key
    if not keys.loaded:
        raise SigningKeysUnavailable(f"no signing keys from {keys.metadata_url} yet")
    raise PermissionError("the token's signing key is not one the Bot Framework publishes")


def _verified(
    token: str, key: SigningKey, options: VerifyOptions, channel_id: str
) -> dict[str, Any]:
    """The token's claims once the key's endorsements, the signature and expiry check out."""
    if key.endorsements and not EndorsementsValidator.validate(channel_id, list(key.endorsements)):
        raise PermissionError(f"the token's signing key does not endorse channel {channel_id!r}")
    try:
        return jwt.decode(
            token,
            key.public_key,
            algorithms=[SIGNING_ALGORITHM],
            leeway=options.clock_tolerance,
            options={"verify_aud": False, "verify_exp": not options.ignore_expiration},
        )
    except jwt.ExpiredSignatureError:
        raise PermissionError("the token has expired") from None
    except jwt.InvalidSignatureError:
        raise PermissionError("the token's signature does not match its key") from None
    except jwt.PyJWTError as error:
        raise PermissionError(f"the token is not valid: {type(error).__name__}") from None


def _emulator_app_id(claims: dict[str, Any]) -> str:
    """The app id an Emulator token speaks for (EmulatorValidation's rules)."""
    version = claims.get(AuthenticationConstants.VERSION_CLAIM)
    if version is None:
        raise PermissionError('an Emulator token needs a "ver" claim')
    if not version or version == "1.0":
        app_id = claims.get(AuthenticationConstants.APP_ID_CLAIM)
    elif version == "2.0":
        app_id = claims.get(AuthenticationConstants.AUTHORIZED_PARTY)
    else:
        raise PermissionError("the Emulator token's version is not 1.0 or 2.0")
    if not isinstance(app_id, str) or not app_id:
        raise PermissionError("the Emulator token names no app id")
    return app_id
