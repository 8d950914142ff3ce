"""Fetching shop pages as a well-behaved crawler does.

A User-Agent that names the bot and where to read about it; robots.txt obeyed (Protego,
Scrapy's parser), read once a day per host; one request in flight per host and a
minimum gap between two (or the host's Crawl-delay, if longer); conditional requests
(ETag, Last-Modified: 304 means unchanged); a 429 or 503 pauses the host for its
Retry-After; gzip and br; a body cap; at most 5 redirects, each target checked again;
timeouts. Every address is checked at connect time (`GuardedConnector`): a name that
resolves to a loopback, private, link-local, multicast or metadata address is refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Final
from urllib.parse import urljoin

import aiohttp
import aiohttp.abc
from aiohttp.abc import ResolveResult
from protego import Protego

from shops.addresses import Refused, ShopUrl, check_url, refusal_for_address

logger = logging.getLogger(__name__)

ROBOTS_AGENT: Final = "PriceWatchBot"
"""The token robots.txt rules name to speak to this bot."""
MAX_REDIRECTS: Final = 5
DEFAULT_MAX_BYTES: Final = 3 * 1024 * 1024
ROBOTS_MAX_BYTES: Final = 512 * 1024
ROBOTS_TTL_SECONDS: Final = 24 * 3600
ROBOTS_RETRY_SECONDS: Final = 600
"""A robots.txt the host could not serve (5xx, no answer) is asked again after this;
meanwhile the host counts as disallowing everything (RFC 9309, 2.3.1.4)."""
MAX_CRAWL_DELAY_SECONDS: Final = 600.0
MAX_RETRY_AFTER_SECONDS: Final = 6 * 3600.0
READ_CHUNK: Final = 64 * 1024
CHALLENGE_MARKS: Final = (
    b"g-recaptcha",
    b"h-captcha",
    b"cf-challenge",
    b"challenge-platform",
    b"captcha-delivery",
    b"px-captcha",
    b"verify you are a human",
    b"are you a robot",
)
"""What bot walls put in the page they answer with, sometimes with a 200."""


class Failure(str, Enum):
    """Why a fetch gave no page: what comes next depends on it."""

    REFUSED = "refused"
    """We will not fetch it (address, scheme, port, robots.txt): never tried again as is."""
    BLOCKED = "blocked"
    """The shop turned the bot away (403, 429, a captcha): tried later, never out of stock."""
    GONE = "gone"
    """404 or 410."""
    FAILED = "failed"
    """5xx, a timeout, a broken connection, too big, too many redirects: tried later."""


class FetchError(Exception):
    def __init__(
        self,
        failure: Failure,
        reason: str,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.retry_after = retry_after
        """Seconds the host asked us to wait (Retry-After), when it did."""
        self.status = status


@dataclass(frozen=True)
class Validators:
    """What a page answered with, to ask next time whether it changed."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str
    """Where the page was in the end (after redirects)."""
    body: bytes | None
    """None: 304, the page has not changed since `validators` were given."""
    validators: Validators

    @property
    def unchanged(self) -> bool:
        return self.body is None


@dataclass(frozen=True)
class FetchTerms:
    user_agent: str
    min_interval_seconds: float = 10.0
    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_seconds: float = 20.0
    connect_timeout_seconds: float = 5.0


class GuardedConnector(aiohttp.TCPConnector):
    """Connects only to public addresses: every address a name resolves to (and an
    address written in the URL) is checked here, when the connection is made, so a name
    that resolves elsewhere later (DNS rebinding) and every redirect are covered."""

    def __init__(self, allowed_hosts: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._allowed_hosts = allowed_hosts

    async def _resolve_host(self, host: str, port: int, traces: Any = None) -> list[ResolveResult]:
        results = await super()._resolve_host(host, port, traces)
        for result in results:
            reason = refusal_for_address(
                ipaddress.ip_address(result["host"]), host, self._allowed_hosts
            )
            if reason:
                raise Refused(reason)
        return results


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Pages of a host fetched at once read its robots.txt once."""
    next_at: float = 0.0
    """When (monotonic) the next request to this host may start."""
    robots: Protego | None = None
    robots_until: float = 0.0
    robots_failed: bool = False


class PoliteFetcher:
    """One per process; its session and connector are its own."""

    def __init__(
        self,
        terms: FetchTerms,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
        resolver: aiohttp.abc.AbstractResolver | None = None,
    ) -> None:
        """`resolver`: how names become addresses (tests map their stand-in shops' names
        to loopback); the addresses are checked whatever resolves them."""
        self.terms = terms
        self._resolver = resolver
        self._monotonic = monotonic
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}
        self._session: aiohttp.ClientSession | None = None
        self.in_flight: dict[str, int] = {}
        """Requests now running per host (the tests and the benchmark watch it)."""

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=GuardedConnector(
                    self.terms.allowed_hosts, limit_per_host=1, resolver=self._resolver
                ),
                timeout=aiohttp.ClientTimeout(
                    total=self.terms.timeout_seconds,
                    connect=self.terms.connect_timeout_seconds,
                ),
                headers={
                    "User-Agent": self.terms.user_agent,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                    "Accept-Encoding": "gzip, deflate, br",
                },
                auto_decompress=True,
                trust_env=False,
            )
        return self._session

    def pause_host(self, origin: str, seconds: float) -> None:
        """Ask this host nothing for a while (its Retry-After)."""
        host = self._host(origin)
        host.next_at = max(host.next_at, self._monotonic() + seconds)

    async def fetch(self, url: str, validators: Validators = Validators()) -> Fetched:
        """The page, or FetchError saying why not."""
        target = _checked(url, self.terms.allowed_hosts)
        for _ in range(MAX_REDIRECTS + 1):
            await self._robots_allow(target)
            async with self._turn(target.origin):
                headers = {}
                if validators.etag:
                    headers["If-None-Match"] = validators.etag
                if validators.last_modified:
                    headers["If-Modified-Since"] = validators.last_modified
                result = await self._get(target, headers, self.terms.max_bytes)
            if isinstance(result, Fetched):
                return result
            target = _checked(result, self.terms.allowed_hosts)
            validators = Validators()  # they were the first URL's
        raise FetchError(Failure.FAILED, f"the shop redirected more than {MAX_REDIRECTS} times")

    async def _get(self, target: ShopUrl, headers: dict[str, str], cap: int) -> Fetched | str:
        """The answer, or the URL a redirect points to."""
        try:
            async with self._client().get(
                target.url, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(
                            Failure.FAILED, f"the shop answered {status} without a Location"
                        )
                    return urljoin(target.url, location)
                validators = Validators(
                    response.headers.get("ETag"), response.headers.get("Last-Modified")
                )
                if status == 304:
                    return Fetched(target.url, None, validators)
                if status in (429, 503):
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    if wait is not None:
                        self.pause_host(target.origin, min(wait, MAX_RETRY_AFTER_SECONDS))
                    failure = Failure.BLOCKED if status == 429 else Failure.FAILED
                    raise FetchError(failure, f"the shop answered {status}", wait, status)
                if status in (401, 403):
                    raise FetchError(
                        Failure.BLOCKED, f"the shop turned the bot away ({status})", None, status
                    )
                if status in (404, 410):
                    raise FetchError(Failure.GONE, f"the page is gone ({status})", None, status)
                if status != 200:
                    raise FetchError(Failure.FAILED, f"the shop answered {status}", None, status)
                body = await _read_capped(response, cap)
        except Refused as refused:
            raise FetchError(Failure.REFUSED, str(refused)) from None
        except TimeoutError:
            raise FetchError(Failure.FAILED, "the shop did not answer in time") from None
        except aiohttp.TooManyRedirects:
            raise FetchError(Failure.FAILED, "too many redirects") from None
        except aiohttp.ClientError as error:
            raise FetchError(
                Failure.FAILED, f"the shop could not be reached ({type(error).__name__})"
            ) from None
        return Fetched(target.url, body, validators)

    async def _robots_allow(self, target: ShopUrl) -> None:
        host = self._host(target.origin)
        async with host.robots_lock:
            if host.robots is None or self._monotonic() >= host.robots_until:
                await self._read_robots(target, host)
        if host.robots_failed:
            raise FetchError(Failure.FAILED, "the shop's robots.txt could not be read")
        assert host.robots is not None
        if not host.robots.can_fetch(target.url, ROBOTS_AGENT):
            raise FetchError(
                Failure.REFUSED, "the shop's robots.txt asks bots not to read that page"
            )

    async def _read_robots(self, target: ShopUrl, host: _Host) -> None:
        robots_url = check_url(target.origin + "/robots.txt", self.terms.allowed_hosts)
        text = ""
        failed = False
        async with self._turn(target.origin):
            try:
                result = await self._get(robots_url, {}, ROBOTS_MAX_BYTES)
                if isinstance(result, Fetched) and result.body is not None:
                    text = result.body.decode("utf-8", errors="replace")
                # A redirect elsewhere for robots.txt: read as none (RFC 9309 allows
                # following five; few shops do it, and none to another host's rules).
            except FetchError as error:
                # 4xx: no rules (everything allowed); 5xx, no answer: disallow for now.
                if error.failure is Failure.REFUSED:
                    raise
                failed = error.failure is Failure.FAILED or error.status == 429
        host.robots = Protego.parse(text)
        host.robots_failed = failed
        host.robots_until = self._monotonic() + (
            ROBOTS_RETRY_SECONDS if failed else ROBOTS_TTL_SECONDS
        )

    @asynccontextmanager
    async def _turn(self, origin: str) -> AsyncIterator[None]:
        """One request at a time per host, at least the gap apart."""
        host = self._host(origin)
        async with host.lock:
            wait = host.next_at - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            self.in_flight[origin] = self.in_flight.get(origin, 0) + 1
            try:
                yield
            finally:
                self.in_flight[origin] -= 1
                host.next_at = max(host.next_at, self._monotonic() + self._gap(host))

    def _gap(self, host: _Host) -> float:
        gap = self.terms.min_interval_seconds
        if host.robots is not None:
            delay = host.robots.crawl_delay(ROBOTS_AGENT)
            if delay:
                gap = max(gap, min(float(delay), MAX_CRAWL_DELAY_SECONDS))
        return gap

    def _host(self, origin: str) -> _Host:
        host = self._hosts.get(origin)
        if host is None:
            host = self._hosts[origin] = _Host()
        return host


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _checked(url: str, allowed_hosts: frozenset[str]) -> ShopUrl:
    try:
        return check_url(url, allowed_hosts)
    except Refused as refused:
        raise FetchError(Failure.REFUSED, str(refused)) from None


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """The body as decoded (gzip, br), read a chunk at a time and dropped past the cap:
    a page that says it is bigger is not read at all."""
    too_big = FetchError(Failure.FAILED, f"the page is over {cap // 1024:,} KB")
    if response.content_length is not None and "Content-Encoding" not in response.headers:
        if response.content_length > cap:
            raise too_big
    body = bytearray()
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        body += chunk
        if len(body) > cap:
            raise too_big
    return bytes(body)


def looks_like_a_wall(body: bytes) -> bool:
    """A bot check answered with 200 (asked only of a page with no price: a real one may
    carry a captcha in its newsletter form)."""
    if len(body) > 200_000:
        return False
    lowered = body.lower()
    return any(mark in lowered for mark in CHALLENGE_MARKS)
