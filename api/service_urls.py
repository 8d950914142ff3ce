"""Which serviceUrl an unsigned activity may name.

Without Bot Framework authentication (an empty MicrosoftAppId) nothing vouches for an
activity's serviceUrl, yet the bot posts its replies there and keeps it for alerts.
So it must be this machine (loopback: the Emulator, a local Direct Line) or an origin
the operator listed in ALLOWED_SERVICE_URLS. With authentication the SDK checks the
serviceUrl against the channel's signed token instead, and this rule does not apply.
"""

from __future__ import annotations

from typing import AbstractSet

from settings import Origin


def service_url_problem(service_url: object, allowed: AbstractSet[Origin]) -> str | None:
    """Why an unsigned activity may not name this serviceUrl, or None."""
    if service_url is None:
        return None  # nothing to post to: activity_problem decides whether that is fine
    try:
        origin = Origin.of(str(service_url))
    except ValueError:
        return "the activity's serviceUrl must be an http(s) URL"
    if origin.is_loopback or origin in allowed:
        return None
    return (
        "without Bot Framework authentication the serviceUrl must be on this machine"
        " (loopback) or an origin listed in ALLOWED_SERVICE_URLS"
    )
