"""Typed, frozen configuration built once from the environment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


class SettingsError(ValueError):
    """A configuration value from the environment is unusable."""


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _percent(environ: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite() or not Decimal(1) <= value <= Decimal(95):
        raise SettingsError(f"{name} must be between 1 and 95, got {raw!r}")
    return value


def _rate(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not 0 <= value < float("inf"):
        raise SettingsError(f"{name} must be 0 (no limit) or more, got {raw!r}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    price_feed_url: str = ""
    """Empty means the app's own mock feed at http://HOST:PORT/feed."""
    poll_interval_seconds: int = 30
    drop_threshold_percent: Decimal = Decimal(20)
    database_url: str = ""
    admin_token: str = field(default="", repr=False)
    admin_token_generated: bool = False
    alert_hold_seconds: int = 300
    max_watches_per_user: int = 50
    mock_feed_drift: bool = True
    delivery_concurrency: int = 32
    conversation_max_per_second: float = 1.0
    delivery_max_per_second: float = 30.0
    """Per channel and tenant; 0 means no limit."""
    alert_retention_days: int = 30
    """Sent and given-up alerts, with their attempts, are kept this long."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        admin_token = environ.get("ADMIN_TOKEN", "").strip()
        database_url = environ.get("DATABASE_URL", "").strip() or (
            f"sqlite:///{DEFAULT_DATA_DIR / 'pricewatch.sqlite3'}"
        )
        return cls(
            host=environ.get("HOST", "").strip() or "127.0.0.1",
            port=_int(environ, "PORT", 3978, minimum=0),
            app_id=environ.get("MicrosoftAppId", "").strip(),
            app_password=environ.get("MicrosoftAppPassword", "").strip(),
            app_type=environ.get("MicrosoftAppType", "").strip() or "MultiTenant",
            app_tenant_id=environ.get("MicrosoftAppTenantId", "").strip(),
            price_feed_url=environ.get("PRICE_FEED_URL", "").strip().rstrip("/"),
            poll_interval_seconds=_int(environ, "POLL_INTERVAL_SECONDS", 30, minimum=1),
            drop_threshold_percent=_percent(environ, "DROP_THRESHOLD_PERCENT", Decimal(20)),
            database_url=database_url,
            admin_token=admin_token or secrets.token_urlsafe(24),
            admin_token_generated=not admin_token,
            alert_hold_seconds=_int(environ, "ALERT_HOLD_SECONDS", 300, minimum=0),
            max_watches_per_user=_int(environ, "MAX_WATCHES_PER_USER", 50, minimum=1),
            mock_feed_drift=_flag(environ, "MOCK_FEED_DRIFT", True),
            delivery_concurrency=_int(environ, "DELIVERY_CONCURRENCY", 32, minimum=1),
            conversation_max_per_second=_rate(environ, "CONVERSATION_MAX_PER_SECOND", 1.0),
            delivery_max_per_second=_rate(environ, "DELIVERY_MAX_PER_SECOND", 30.0),
            alert_retention_days=_int(environ, "ALERT_RETENTION_DAYS", 30, minimum=1),
        )

    def feed_url(self, bound_port: int | None = None) -> str:
        """The feed to poll: PRICE_FEED_URL, or this app's own mock feed."""
        if self.price_feed_url:
            return self.price_feed_url
        return f"http://{self.host}:{bound_port or self.port}/feed"

    @property
    def uses_postgres(self) -> bool:
        """DATABASE_URL names a PostgreSQL database (the store a fleet shares)."""
        return self.database_url.startswith(POSTGRES_PREFIXES)

    def database_path(self) -> Path:
        """The SQLite file DATABASE_URL names; raises for any other kind of URL."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix) or self.uses_postgres:
            raise SettingsError(
                "DATABASE_URL must look like sqlite:///path/to/file.sqlite3 "
                "or postgresql://user@host:port/database"
            )
        return Path(self.database_url[len(prefix) :])
