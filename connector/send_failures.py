"""What a channel's error means for the outbox: wait and retry, back off, give up, or stop
sending there (`domain.alerts.SendFailure`)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Final, Mapping

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError

from domain.alerts import FailureKind, SendFailure

SEND_ERRORS: Final = (
    asyncio.TimeoutError,
    aiohttp.ClientError,
    ConnectionError,
    ClientRequestError,
    HttpOperationError,
)
MAX_RETRY_AFTER_SECONDS: Final = 3600.0
DEFAULT_RETRY_AFTER_SECONDS: Final = 1.0
TRANSIENT_STATUSES: Final = frozenset({408, 412, 500, 502, 503, 504})
UNREACHABLE_STATUSES: Final = frozenset({401, 403, 404})
NOT_IN_ROSTER: Final = "BotNotInConversationRoster"
"""Teams' error code, with 403, for a send to a conversation the bot is no longer in
(uninstalled, removed from the team or chat): no retry can succeed."""


def classify(error: BaseException, now: datetime) -> SendFailure:
    status, headers = _status_and_headers(error)
    name = type(error).__name__
    if status is None:
        return SendFailure(FailureKind.TRANSIENT, f"{name} (no HTTP response)")
    description = f"HTTP {status} ({name})"
    if status == 403 and _error_code(error) == NOT_IN_ROSTER:
        return SendFailure(FailureKind.GONE, f"{description}: {NOT_IN_ROSTER}", status)
    if status == 429:
        wait = retry_after_seconds(headers.get("Retry-After"), now)
        return SendFailure(FailureKind.RATE_LIMITED, description, status, wait)
    if status in UNREACHABLE_STATUSES:
        return SendFailure(FailureKind.UNREACHABLE, description, status)
    if status in TRANSIENT_STATUSES:
        return SendFailure(FailureKind.TRANSIENT, description, status)
    return SendFailure(FailureKind.PERMANENT, description, status)


def is_send_failure(error: BaseException) -> bool:
    """Did this come from talking to the channel (an HTTP answer, a timeout, no connection)?"""
    status, _ = _status_and_headers(error)
    return status is not None or isinstance(error, SEND_ERRORS)


def retry_after_seconds(value: str | None, now: datetime) -> float:
    """Retry-After as seconds or an HTTP date; bounded, and 1 s when absent or unreadable."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return DEFAULT_RETRY_AFTER_SECONDS
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return DEFAULT_RETRY_AFTER_SECONDS
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _status_and_headers(error: BaseException) -> tuple[int | None, Mapping[str, str]]:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    return (status if isinstance(status, int) else None), headers


def _error_code(error: BaseException) -> str | None:
    """The channel's error code: from the SDK's deserialized `ErrorResponse`, or read from
    the answer's JSON body (`{"error": {"code": ...}}`) when it is another error."""
    model = getattr(getattr(error, "error", None), "error", None)
    code = getattr(model, "code", None)
    if isinstance(code, str):
        return code
    body = getattr(getattr(error, "response", None), "body", None)
    try:
        answer = json.loads(body()) if callable(body) else None
    except (TypeError, ValueError):
        return None
    found = answer.get("error") if isinstance(answer, dict) else None
    code = found.get("code") if isinstance(found, dict) else None
    return code if isinstance(code, str) else None
