"""What a failed send means: the table the delivery retries and parking follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from aiohttp import ClientConnectorError
from botbuilder import schema
from botbuilder.schema import ErrorResponseException
from msrest import Deserializer
from msrest.universal_http import ClientRequest
from multidict import CIMultiDict

from connector.aiohttp_transport import BufferedResponse
from connector.send_failures import (
    DEFAULT_RETRY_AFTER_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    classify,
    retry_after_seconds,
)
from domain.alerts import FailureKind

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


class ChannelRefused(Exception):
    """Shaped like msrest's HttpOperationError: the HTTP answer is on `.response`."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"status {status}")
        self.response = Answer(status, headers or {})


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, FailureKind.RATE_LIMITED),
        (401, FailureKind.UNREACHABLE),
        (403, FailureKind.UNREACHABLE),
        (404, FailureKind.UNREACHABLE),
        (408, FailureKind.TRANSIENT),
        (412, FailureKind.TRANSIENT),
        (500, FailureKind.TRANSIENT),
        (502, FailureKind.TRANSIENT),
        (503, FailureKind.TRANSIENT),
        (504, FailureKind.TRANSIENT),
        (400, FailureKind.PERMANENT),
        (413, FailureKind.PERMANENT),
        (501, FailureKind.PERMANENT),
    ],
)
def test_each_status_has_a_meaning(status: int, kind: FailureKind) -> None:
    failure = classify(ChannelRefused(status), NOW)
    assert failure.kind is kind
    assert failure.status == status
    assert str(status) in failure.description


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError(),
        ConnectionRefusedError(),
        ClientConnectorError.__new__(ClientConnectorError),
        RuntimeError("the socket went away"),
    ],
    ids=["timeout", "refused", "aiohttp-connect", "anything-else"],
)
def test_no_http_answer_at_all_is_worth_another_try(error: BaseException) -> None:
    failure = classify(error, NOW)
    assert failure.kind is FailureKind.TRANSIENT
    assert failure.status is None
    assert type(error).__name__ in failure.description


def test_a_429_carries_its_retry_after() -> None:
    failure = classify(ChannelRefused(429, {"Retry-After": "7"}), NOW)
    assert failure.retry_after_seconds == 7


def test_a_429_without_retry_after_waits_the_default() -> None:
    failure = classify(ChannelRefused(429), NOW)
    assert failure.retry_after_seconds == DEFAULT_RETRY_AFTER_SECONDS


def http_date(seconds_from_now: float) -> str:
    return format_datetime(NOW + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("0", 0),
        ("1.5", 1.5),
        ("-5", 0),
        (http_date(30), 30),
        (http_date(-30), 0),
        (http_date(10 * 86400), MAX_RETRY_AFTER_SECONDS),
        ("Wed, 25 Nov 2026 12:00:45 -0000", 45),
        ("99999", MAX_RETRY_AFTER_SECONDS),
        ("1e400", MAX_RETRY_AFTER_SECONDS),
        ("inf", MAX_RETRY_AFTER_SECONDS),
        ("nan", DEFAULT_RETRY_AFTER_SECONDS),
        ("soon", DEFAULT_RETRY_AFTER_SECONDS),
        ("Wed, 99 Foo 2026", DEFAULT_RETRY_AFTER_SECONDS),
        ("", DEFAULT_RETRY_AFTER_SECONDS),
        (None, DEFAULT_RETRY_AFTER_SECONDS),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date_and_bounded(
    value: str | None, seconds: float
) -> None:
    assert retry_after_seconds(value, NOW) == pytest.approx(seconds)


def test_the_retry_after_header_name_is_case_insensitive_where_the_transport_is() -> None:
    error = ChannelRefused(429)
    error.response.headers = CIMultiDict({"retry-after": "12"})  # type: ignore[assignment]
    assert classify(error, NOW).retry_after_seconds == 12


def sdk_error(status: int, headers: dict[str, str], body: bytes) -> ErrorResponseException:
    """The exception the SDK's connector raises for a refused send, over our aiohttp transport."""
    request = ClientRequest("POST", "http://channel.test/v3/conversations/c/activities")
    answer = BufferedResponse(request, status, headers, "Refused", body)
    models = {name: model for name, model in vars(schema).items() if isinstance(model, type)}
    return ErrorResponseException(Deserializer(models), answer)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, FailureKind.RATE_LIMITED), (403, FailureKind.UNREACHABLE), (503, FailureKind.TRANSIENT)],
)
@pytest.mark.parametrize(
    "body",
    [b'{"error": {"code": "Refused", "message": "no"}}', b"", b"<html>gateway</html>"],
    ids=["error-json", "empty", "html"],
)
def test_the_sdks_own_error_is_read_with_its_status_and_retry_after(
    status: int, kind: FailureKind, body: bytes
) -> None:
    failure = classify(sdk_error(status, {"Retry-After": "7"}, body), NOW)
    assert failure.kind is kind and failure.status == status
    if kind is FailureKind.RATE_LIMITED:
        assert failure.retry_after_seconds == 7


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (403, "BotNotInConversationRoster", FailureKind.GONE),
        (403, "ConversationBlockedByUser", FailureKind.UNREACHABLE),
        (404, "BotNotInConversationRoster", FailureKind.UNREACHABLE),
    ],
)
def test_a_403_saying_the_bot_is_not_in_the_roster_is_final(
    status: int, code: str, kind: FailureKind
) -> None:
    body = b'{"error": {"code": "%s", "message": "no"}}' % code.encode()
    failure = classify(sdk_error(status, {}, body), NOW)
    assert failure.kind is kind
    if kind is FailureKind.GONE:
        assert (
            failure.description == "HTTP 403 (ErrorResponseException): BotNotInConversationRoster"
        )
