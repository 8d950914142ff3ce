"""Typed, frozen configuration built once from the environment.

Every value is checked here, once: a bad one is a SettingsError whose one-line message
names the variable and what it may be. Secrets (passwords, tokens, URLs that may carry
credentials) are never part of a message or a repr.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
ADMIN_TOKEN_FILE = "admin-token"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
SQLITE_PREFIX = "sqlite:///"
MIN_ADMIN_TOKEN_CHARS = 32
DEFAULT_FEED_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_DELIVERY_CONCURRENCY = 64
"""Proactive turns in flight at once. A fan-out's turns mostly wait for the channel's
answer; with twice 32 in flight their answers come back together, so the event loop and
the store handle them in groups (a "sent" write for ten alerts instead of one or two):
12 to 15% less CPU an alert and a fifth less time to the last alert, in fan-outs to 1000
conversations run in turns with 32 (2026-12-07); 96 and 128 did no better. It is also
how many sends can go twice when an instance dies mid-send."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_HOST_NAME = re.compile(
    r"(?=.{1,253}\.?\Z)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?",
    re.I,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SettingsError(ValueError):
    """A configuration value from the environment is unusable."""


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1 (also as ::ffff:127.x.x.x): only this machine."""
    bare = host.strip("[]").lower().rstrip(".")
    if bare == "localhost":
        return True
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def url_host(host: str) -> str:
    """A host as a URL writes it: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True, order=True)
class Origin:
    """Scheme, host and port of an http(s) URL, the port explicit: what
    ALLOWED_SERVICE_URLS lists and how an activity's serviceUrl is matched."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> "Origin":
        """The origin of an http(s) URL; ValueError if it is not one, or has no host."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("not an http(s) URL with a host")
        host = parts.hostname.rstrip(".")
        try:
            host = ipaddress.ip_address(host).compressed
        except ValueError:
            pass
        return cls(scheme, host, parts.port or _DEFAULT_PORTS[scheme])

    @property
    def is_loopback(self) -> bool:
        return is_loopback(self.host)

    def __str__(self) -> str:
        return f"{self.scheme}://{url_host(self.host)}:{self.port}"


def _int(
    environ: Mapping[str, str],
    name: str,
    default: int,
    minimum: int,
    maximum: int | None = None,
) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    allowed = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number {allowed}, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise SettingsError(f"{name} must be a whole number {allowed}, got {raw!r}")
    return value


def _percent(environ: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(1) <= value <= Decimal(95):
        raise SettingsError(f"{name} must be a number from 1 to 95, got {raw!r}")
    return value


def _number(
    environ: Mapping[str, str], name: str, default: float, minimum: float, what: str
) -> float:
    """A finite number of at least `minimum`; `what` says what it must be when it is not."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not minimum <= value < float("inf"):
        raise SettingsError(f"{name} must be {what}, got {raw!r}")
    return value


def _rate(environ: Mapping[str, str], name: str) -> float | None:
    """A rate the operator chose, or None (unset): each channel's own default."""
    if not environ.get(name, "").strip():
        return None
    return _number(environ, name, 0, 0, "a number, 0 (no limit) or more")


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices`, matched without regard to case."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    allowed = ", ".join(choices[:-1]) + f" or {choices[-1]}"
    raise SettingsError(f"{name} must be {allowed}, got {raw!r}")


def _host(environ: Mapping[str, str]) -> str:
    raw = environ.get("HOST", "").strip()
    if not raw:
        return "127.0.0.1"
    bare = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    try:
        return ipaddress.ip_address(bare).compressed
    except ValueError:
        pass
    if _HOST_NAME.fullmatch(bare):
        return bare.lower()
    raise SettingsError(
        f"HOST must be an IP address (127.0.0.1, ::1, 0.0.0.0, ::) or a host name, got {raw!r}"
    )


def _app_id(environ: Mapping[str, str]) -> str:
    raw = environ.get("MicrosoftAppId", "").strip()
    if raw and not _GUID.fullmatch(raw):
        raise SettingsError(
            "MicrosoftAppId must be empty (no authentication) or an app id, a GUID such as"
            f" 00000000-0000-0000-0000-000000000000, got {raw!r}"
        )
    return raw


def _tenant_id(environ: Mapping[str, str]) -> str:
    raw = environ.get("MicrosoftAppTenantId", "").strip()
    if raw and not (_GUID.fullmatch(raw) or ("." in raw and _HOST_NAME.fullmatch(raw))):
        raise SettingsError(
            "MicrosoftAppTenantId must be a tenant id (a GUID) or a tenant domain such as"
            f" contoso.onmicrosoft.com, got {raw!r}"
        )
    return raw


def _check_credentials(app_id: str, password: str, app_type: str, tenant_id: str) -> None:
    """The combinations the SDK can work with; it would fail later, or silently run open."""
    if not app_id:
        if password:
            raise SettingsError(
                "MicrosoftAppPassword is set but MicrosoftAppId is empty: set both"
                " (Bot Framework authentication) or neither (no authentication)"
            )
        if app_type != "MultiTenant":
            raise SettingsError(f"MicrosoftAppType={app_type} needs a MicrosoftAppId")
        return
    if app_type != "UserAssignedMSI" and not password:
        raise SettingsError(
            f"MicrosoftAppPassword must be set when MicrosoftAppId is (MicrosoftAppType={app_type})"
        )
    if app_type != "MultiTenant" and not tenant_id:
        raise SettingsError(f"MicrosoftAppTenantId must be set when MicrosoftAppType={app_type}")


def _admin_token(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The token and whether it was generated. A chosen one is never shown, not even in part."""
    chosen = environ.get("ADMIN_TOKEN", "").strip()
    if not chosen:
        return secrets.token_urlsafe(32), True
    if len(chosen) < MIN_ADMIN_TOKEN_CHARS or not all("!" <= c <= "~" for c in chosen):
        raise SettingsError(
            f"ADMIN_TOKEN must be {MIN_ADMIN_TOKEN_CHARS} or more printable ASCII characters"
            f" without spaces (it has {len(chosen)}); leave it empty to have one generated"
        )
    return chosen, False


def _feed_url(environ: Mapping[str, str]) -> str:
    raw = environ.get("PRICE_FEED_URL", "").strip().rstrip("/")
    if raw:
        # The value may carry credentials: the message does not repeat it.
        try:
            Origin.of(raw)
        except ValueError:
            raise SettingsError(
                "PRICE_FEED_URL must be empty (the app's own mock feed) or an http:// or"
                " https:// URL with a host, such as https://feed.example.com/v1"
            ) from None
    return raw


def _public_url(environ: Mapping[str, str]) -> str:
    raw = environ.get("PUBLIC_URL", "").strip().rstrip("/")
    if raw:
        parts = urlsplit(raw)
        try:
            Origin.of(raw)
            plain = not (parts.query or parts.fragment or "@" in parts.netloc)
        except ValueError:
            plain = False
        if not plain:
            # The value may carry credentials: the message does not repeat it.
            raise SettingsError(
                "PUBLIC_URL must be empty (http://localhost:PORT) or the http:// or https://"
                " address the bot is reached at, without user, query or fragment, such as"
                " https://bot.example.com"
            )
    return raw


def _database_url(environ: Mapping[str, str]) -> str:
    raw = environ.get("DATABASE_URL", "").strip()
    if not raw:
        return f"{SQLITE_PREFIX}{DEFAULT_DATA_DIR / 'pricewatch.sqlite3'}"
    sqlite_file = raw.startswith(SQLITE_PREFIX) and len(raw) > len(SQLITE_PREFIX)
    postgres = raw.startswith(POSTGRES_PREFIXES) and len(raw.partition("://")[2]) > 0
    if not (sqlite_file or postgres):
        # The value may carry a password: the message does not repeat it.
        raise SettingsError(
            "DATABASE_URL must be sqlite:///path/to/file.sqlite3"
            " or postgresql://user@host:port/database"
        )
    return raw


def _service_urls(environ: Mapping[str, str]) -> frozenset[Origin]:
    origins: set[Origin] = set()
    for item in environ.get("ALLOWED_SERVICE_URLS", "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            origin: Origin | None = Origin.of(item)
            parts = urlsplit(item)
            plain = parts.path in {"", "/"} and not (parts.query or parts.fragment)
        except ValueError:
            origin, plain = None, False
        if origin is None or not plain or "@" in item:
            shown = "an entry with a user name" if "@" in item else repr(item)  # a password?
            raise SettingsError(
                "ALLOWED_SERVICE_URLS must be comma-separated origins, scheme://host[:port]"
                f" without a path, such as https://webchat.example.com,http://10.0.0.5:3000;"
                f" got {shown}"
            )
        origins.add(origin)
    return frozenset(origins)


def _shop_hosts(environ: Mapping[str, str]) -> frozenset[str]:
    hosts: set[str] = set()
    for item in environ.get("ALLOWED_SHOP_HOSTS", "").split(","):
        item = item.strip().strip("[]").rstrip(".").lower()
        if not item:
            continue
        try:
            item = ipaddress.ip_address(item).compressed
        except ValueError:
            if not _HOST_NAME.fullmatch(item):
                raise SettingsError(
                    "ALLOWED_SHOP_HOSTS must be comma-separated host names or IP addresses,"
                    f" such as shop.internal,10.0.0.5; got {item!r}"
                ) from None
        hosts.add(item)
    return frozenset(hosts)


def _user_agent(environ: Mapping[str, str]) -> str:
    raw = environ.get("PRICEWATCH_USER_AGENT", "").strip()
    if raw and (len(raw) > 300 or not all(" " <= c <= "~" for c in raw)):
        raise SettingsError(
            "PRICEWATCH_USER_AGENT must be up to 300 printable ASCII characters naming the bot"
            " and where to read about it, such as 'PriceWatchBot/1.0 (+https://example.com/bot)'"
        )
    return raw


def _seconds(environ: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    return _number(environ, name, default, minimum, f"a number of seconds, {minimum:g} or more")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    allow_unauthenticated: bool = False
    """Run without Bot Framework authentication on a HOST that is not loopback."""
    allowed_service_urls: frozenset[Origin] = frozenset()
    """Without authentication, the origins besides loopback a serviceUrl may name."""
    price_feed_url: str = field(default="", repr=False)  # may carry credentials
    """Empty means the app's own mock feed at http://HOST:PORT/feed."""
    feed_max_bytes: int = DEFAULT_FEED_MAX_BYTES
    poll_interval_seconds: int = 30
    drop_threshold_percent: Decimal = Decimal(20)
    database_url: str = field(default="", repr=False)  # may carry a password
    admin_token: str = field(default="", repr=False)
    admin_token_generated: bool = False
    alert_hold_seconds: int = 300
    max_watches_per_user: int = 50
    mock_feed_drift: bool = True
    delivery_concurrency: int = DEFAULT_DELIVERY_CONCURRENCY
    conversation_max_per_second: float | None = None
    """Alert messages a second to one conversation, on every channel; 0 means no limit;
    None: each channel's default (Teams' own limits on Teams, 1 elsewhere)."""
    delivery_max_per_second: float | None = None
    """Per channel and tenant, on every channel; 0 means no limit; None: each channel's
    default (about 50 on Teams, 30 elsewhere)."""
    alert_retention_days: int = 30
    """Sent and given-up alerts, with their attempts, are kept this long."""
    price_history_days: int = 365
    """Price history points are kept this long (each product's last one older than that too)."""
    public_url: str = ""
    """Where users' clients reach the bot (chart images); empty means http://localhost:PORT."""
    log_level: str = "INFO"
    shop_user_agent: str = ""
    """Empty means `PriceWatchBot/1.0 (+PUBLIC_URL/bot)`: `user_agent()`."""
    shop_min_interval_seconds: float = 10.0
    """The least time between two requests to one shop host."""
    shop_poll_interval_seconds: int = 3600
    allowed_shop_hosts: frozenset[str] = frozenset()
    """Hosts the bot may fetch on any port and at any address (a shop on the private
    network; the tests' stand-in shops)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        """Raises SettingsError, naming the variable and what it may be, for a bad value."""
        host = _host(environ)
        app_id = _app_id(environ)
        app_password = environ.get("MicrosoftAppPassword", "").strip()
        app_type = _choice(environ, "MicrosoftAppType", APP_TYPES, "MultiTenant")
        app_tenant_id = _tenant_id(environ)
        _check_credentials(app_id, app_password, app_type, app_tenant_id)
        allow_unauthenticated = _flag(environ, "ALLOW_UNAUTHENTICATED", False)
        if not app_id and not is_loopback(host) and not allow_unauthenticated:
            raise SettingsError(
                f"MicrosoftAppId is empty and HOST={host} is not loopback, so anyone who reaches"
                " the port could post as any conversation: set MicrosoftAppId and"
                " MicrosoftAppPassword, or HOST=127.0.0.1, or ALLOW_UNAUTHENTICATED=true"
            )
        admin_token, admin_token_generated = _admin_token(environ)
        return cls(
            host=host,
            port=_int(environ, "PORT", 3978, minimum=1, maximum=65535),
            app_id=app_id,
            app_password=app_password,
            app_type=app_type,
            app_tenant_id=app_tenant_id,
            allow_unauthenticated=allow_unauthenticated,
            allowed_service_urls=_service_urls(environ),
            price_feed_url=_feed_url(environ),
            feed_max_bytes=_int(environ, "FEED_MAX_BYTES", DEFAULT_FEED_MAX_BYTES, minimum=1024),
            poll_interval_seconds=_int(environ, "POLL_INTERVAL_SECONDS", 30, minimum=1),
            drop_threshold_percent=_percent(environ, "DROP_THRESHOLD_PERCENT", Decimal(20)),
            database_url=_database_url(environ),
            admin_token=admin_token,
            admin_token_generated=admin_token_generated,
            alert_hold_seconds=_int(environ, "ALERT_HOLD_SECONDS", 300, minimum=0),
            max_watches_per_user=_int(environ, "MAX_WATCHES_PER_USER", 50, minimum=1),
            mock_feed_drift=_flag(environ, "MOCK_FEED_DRIFT", True),
            delivery_concurrency=_int(
                environ, "DELIVERY_CONCURRENCY", DEFAULT_DELIVERY_CONCURRENCY, minimum=1
            ),
            conversation_max_per_second=_rate(environ, "CONVERSATION_MAX_PER_SECOND"),
            delivery_max_per_second=_rate(environ, "DELIVERY_MAX_PER_SECOND"),
            alert_retention_days=_int(environ, "ALERT_RETENTION_DAYS", 30, minimum=1),
            price_history_days=_int(environ, "PRICE_HISTORY_DAYS", 365, minimum=1),
            public_url=_public_url(environ),
            log_level=_choice(environ, "LOG_LEVEL", LOG_LEVELS, "INFO"),
            shop_user_agent=_user_agent(environ),
            shop_min_interval_seconds=_seconds(environ, "SHOP_MIN_INTERVAL_SECONDS", 10.0, 1.0),
            shop_poll_interval_seconds=_int(environ, "SHOP_POLL_INTERVAL_SECONDS", 3600, 60),
            allowed_shop_hosts=_shop_hosts(environ),
        )

    @property
    def authenticated(self) -> bool:
        """Bot Framework authentication is on: the SDK checks every inbound token."""
        return bool(self.app_id)

    def feed_url(self) -> str:
        """The feed to poll: PRICE_FEED_URL, or this app's own mock feed, reached over
        loopback when HOST is a wildcard (0.0.0.0, ::)."""
        if self.price_feed_url:
            return self.price_feed_url
        own = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://{url_host(own)}:{self.port}/feed"

    def base_url(self) -> str:
        """PUBLIC_URL, or http://localhost:PORT: the start of the chart links users get."""
        return self.public_url or f"http://localhost:{self.port}"

    def user_agent(self) -> str:
        """What the bot calls itself to shops: PRICEWATCH_USER_AGENT, or its name and the
        page that tells a shop's owner what it is (`/bot`)."""
        return self.shop_user_agent or f"PriceWatchBot/1.0 (+{self.base_url()}/bot)"

    def shown_feed_url(self) -> str:
        """The feed URL without what may be a secret in it (user, password, query)."""
        parts = urlsplit(self.feed_url())
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{url_host(parts.hostname or '')}{port}{parts.path}"

    @property
    def uses_postgres(self) -> bool:
        """DATABASE_URL names a PostgreSQL database (the store a fleet shares)."""
        return self.database_url.startswith(POSTGRES_PREFIXES)

    def database_path(self) -> Path:
        """The SQLite file DATABASE_URL names; raises for any other kind of URL."""
        if not self.database_url.startswith(SQLITE_PREFIX) or self.uses_postgres:
            raise SettingsError(
                "DATABASE_URL must be sqlite:///path/to/file.sqlite3"
                " or postgresql://user@host:port/database"
            )
        return Path(self.database_url[len(SQLITE_PREFIX) :])

    def admin_token_path(self) -> Path:
        """Where a generated admin token is written: beside the SQLite database, or in
        data/ when the store is PostgreSQL."""
        folder = DEFAULT_DATA_DIR if self.uses_postgres else self.database_path().parent
        return folder / ADMIN_TOKEN_FILE
