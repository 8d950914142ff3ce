"""Which shop addresses the bot may fetch: pure checks of a URL and of an IP address.

The fetcher asks `refusal_for_address` at connect time for every address a name
resolves to (shops/fetcher.py, `GuardedConnector`), and `check_url` for the link a user
pastes and every redirect's target. A refusal is a sentence a person can read.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
MAX_URL_CHARS: Final = 2000
METADATA: Final = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack instance metadata
        "169.254.170.2",  # AWS ECS task metadata
        "168.63.129.16",  # Azure's wire server (a public address)
        "100.100.100.200",  # Alibaba Cloud metadata
        "fd00:ec2::254",  # AWS metadata over IPv6
    )
)
_SHARED: Final = ipaddress.ip_network("100.64.0.0/10")
"""Carrier-grade NAT space: not public, yet not `is_private` in Python's table."""
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
TRACKING: Final = frozenset({"fbclid", "gclid", "msclkid", "mc_eid", "_ga"})
"""Query parameters that say where a click came from, not which page: dropped (with every
`utm_...`), so one page pasted from two newsletters is one product."""


class Refused(Exception):
    """The bot will not fetch this; the message says why in plain words."""


@dataclass(frozen=True)
class ShopUrl:
    """A link the bot may fetch: http(s), a host, a port it may use."""

    url: str
    """Normalised: scheme and host in lower case, no fragment, no default port."""
    scheme: str
    host: str
    port: int

    @property
    def origin(self) -> str:
        """scheme://host[:port], the key robots.txt and the host's pacing go by."""
        default = DEFAULT_PORTS[self.scheme] == self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if default else f":{self.port}")


def check_url(raw: str, allowed_hosts: frozenset[str] = frozenset()) -> ShopUrl:
    """The link as the bot would fetch it, or `Refused` saying why not."""
    text = raw.strip()
    if len(text) > MAX_URL_CHARS:
        raise Refused(f"That link is too long (over {MAX_URL_CHARS:,} characters).")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise Refused("That is not a link I can read.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused("I only read web pages: the link must start with https:// or http://.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise Refused("That link has no host name.")
    if parts.username is not None or parts.password is not None:
        raise Refused("I don't open links with a user name or password in them.")
    allowed = host in allowed_hosts
    port = port or DEFAULT_PORTS[scheme]
    if port not in (80, 443) and not allowed:
        raise Refused(f"I only fetch shop pages on the usual web ports (80 and 443), not {port}.")
    literal = _ip(host)
    if literal is not None:
        host = literal.compressed
        reason = refusal_for_address(literal, host, allowed_hosts)
        if reason:
            raise Refused(reason)
    netloc = (f"[{host}]" if ":" in host else host) + (
        "" if port == DEFAULT_PORTS[scheme] else f":{port}"
    )
    url = urlunsplit((scheme, netloc, parts.path or "/", _without_tracking(parts.query), ""))
    return ShopUrl(url, scheme, host, port)


def refusal_for_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    host: str,
    allowed_hosts: frozenset[str] = frozenset(),
) -> str | None:
    """Why the bot will not connect to this address for `host`; None when it may."""
    if host.rstrip(".").lower() in allowed_hosts:
        return None
    inner = _embedded_v4(address)
    if inner is not None:
        address = inner
    what = _kind(address)
    if what is None:
        return None
    where = str(address) if host == str(address) else f"{host} is {address}"
    return f"That link leads to {what} ({where}), which I never fetch from."


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if address in METADATA:
        return "a cloud metadata service"
    if address.is_loopback:
        return "this machine itself"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or (address.version == 4 and address in _SHARED):
        return "a private network address"
    if address.is_reserved or not address.is_global:
        return "an address that is not on the public internet"
    return None


def _embedded_v4(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (::ffff:10.0.0.1, 64:ff9b::10.0.0.1)."""
    if address.version != 6:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _without_tracking(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not (k.lower().startswith("utm_") or k in TRACKING)]
    return query if len(kept) == len(pairs) else urlencode(kept)
