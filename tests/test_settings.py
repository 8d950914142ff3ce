"""Every setting: its default, a good value, bad values. A bad value is a SettingsError
whose one-line message names the variable and what it may be, never a secret; app.py
turns it into that line on stderr and exit status 2 (tests/test_start_up.py)."""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Mapping

import pytest

from app import start_up
from settings import DEFAULT_DATA_DIR, Origin, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "00000000-0000-4000-8000-000000000003"
PASSWORD = "app-password-in-a-settings-test"
TENANT = "11111111-2222-4333-8444-555555555555"
AUTH = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": PASSWORD}
GOOD_TOKEN = "an-admin-token-of-thirty-two-chars"
SECRETS = (PASSWORD, "db-password", "feed-key", "short-token", "ünicode")


@dataclass(frozen=True)
class Row:
    variable: str
    attribute: str
    default: object
    good: Mapping[str, str]
    expected: object
    bad: tuple[Mapping[str, str], ...]
    allowed: str
    """Words every bad value's message holds: what the variable may be."""


ROWS = [
    Row("PORT", "port", 3978, {"PORT": "8080"}, 8080,
        ({"PORT": "x"}, {"PORT": "0"}, {"PORT": "65536"}, {"PORT": "-1"}), "from 1 to 65535"),
    Row("HOST", "host", "127.0.0.1", {"HOST": "[::1]"}, "::1",
        ({"HOST": "not a host!"}, {"HOST": "http://127.0.0.1"}, {"HOST": "-bad-.example"}),
        "IP address (127.0.0.1, ::1, 0.0.0.0, ::) or a host name"),
    Row("MicrosoftAppId", "app_id", "", AUTH, APP_ID,
        ({**AUTH, "MicrosoftAppId": "my-bot"}, {"MicrosoftAppType": "SingleTenant"}),
        "MicrosoftAppId"),
    Row("MicrosoftAppPassword", "app_password", "", AUTH, PASSWORD,
        ({"MicrosoftAppPassword": PASSWORD}, {"MicrosoftAppId": APP_ID}),
        "MicrosoftAppPassword"),
    Row("MicrosoftAppType", "app_type", "MultiTenant",
        {**AUTH, "MicrosoftAppType": "singletenant", "MicrosoftAppTenantId": TENANT},
        "SingleTenant",
        ({**AUTH, "MicrosoftAppType": "DualTenant"},),
        "MultiTenant, SingleTenant or UserAssignedMSI"),
    Row("MicrosoftAppTenantId", "app_tenant_id", "",
        {**AUTH, "MicrosoftAppType": "SingleTenant",
         "MicrosoftAppTenantId": "contoso.onmicrosoft.com"},
        "contoso.onmicrosoft.com",
        ({**AUTH, "MicrosoftAppTenantId": "not a tenant"},
         {**AUTH, "MicrosoftAppType": "SingleTenant"},
         {"MicrosoftAppId": APP_ID, "MicrosoftAppType": "UserAssignedMSI"}),
        "MicrosoftAppTenantId"),
    Row("ALLOW_UNAUTHENTICATED", "allow_unauthenticated", False,
        {"HOST": "0.0.0.0", "ALLOW_UNAUTHENTICATED": "true"}, True,
        ({"ALLOW_UNAUTHENTICATED": "maybe"},), "true or false"),
    Row("ALLOWED_SERVICE_URLS", "allowed_service_urls", frozenset(),
        {"ALLOWED_SERVICE_URLS": " https://WebChat.example.com/, http://10.0.0.5:3000,,"},
        frozenset({Origin("https", "webchat.example.com", 443), Origin("http", "10.0.0.5", 3000)}),
        ({"ALLOWED_SERVICE_URLS": "webchat.example.com"},
         {"ALLOWED_SERVICE_URLS": "https://smba.example.com/amer/"},
         {"ALLOWED_SERVICE_URLS": "ftp://files.example.com"},
         {"ALLOWED_SERVICE_URLS": "https://x.example?a=1"},
         {"ALLOWED_SERVICE_URLS": "http://x.example:99999"},
         {"ALLOWED_SERVICE_URLS": f"https://bot:{PASSWORD}@x.example"}),
        "comma-separated origins, scheme://host[:port] without a path"),
    Row("PRICE_FEED_URL", "price_feed_url", "",
        {"PRICE_FEED_URL": "https://feed.example.com/v1/"}, "https://feed.example.com/v1",
        ({"PRICE_FEED_URL": "feed.example.com"},
         {"PRICE_FEED_URL": "ftp://u:feed-key@feed.example.com"}),
        "http:// or https:// URL"),
    Row("FEED_MAX_BYTES", "feed_max_bytes", 4 * 1024 * 1024, {"FEED_MAX_BYTES": "1048576"},
        1048576, ({"FEED_MAX_BYTES": "4MB"}, {"FEED_MAX_BYTES": "1023"}), "at least 1024"),
    Row("POLL_INTERVAL_SECONDS", "poll_interval_seconds", 30, {"POLL_INTERVAL_SECONDS": "1"}, 1,
        ({"POLL_INTERVAL_SECONDS": "0"}, {"POLL_INTERVAL_SECONDS": "soon"}), "at least 1"),
    Row("DROP_THRESHOLD_PERCENT", "drop_threshold_percent", Decimal(20),
        {"DROP_THRESHOLD_PERCENT": "12.5"}, Decimal("12.5"),
        ({"DROP_THRESHOLD_PERCENT": "0"}, {"DROP_THRESHOLD_PERCENT": "96"},
         {"DROP_THRESHOLD_PERCENT": "NaN"}, {"DROP_THRESHOLD_PERCENT": "20%"}),
        "from 1 to 95"),
    Row("DATABASE_URL", "database_url", f"sqlite:///{DEFAULT_DATA_DIR / 'pricewatch.sqlite3'}",
        {"DATABASE_URL": "postgresql://pricewatch@db.example:5432/pricewatch"},
        "postgresql://pricewatch@db.example:5432/pricewatch",
        ({"DATABASE_URL": "mysql://u:db-password@db.example/pricewatch"},
         {"DATABASE_URL": "sqlite:///"}, {"DATABASE_URL": "pricewatch.sqlite3"}),
        "sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database"),
    Row("ADMIN_TOKEN", "admin_token", None, {"ADMIN_TOKEN": GOOD_TOKEN}, GOOD_TOKEN,
        ({"ADMIN_TOKEN": "short-token"}, {"ADMIN_TOKEN": "x" * 31},
         {"ADMIN_TOKEN": "a token with spaces that is long enough"},
         {"ADMIN_TOKEN": "ünicode" * 6}),
        "32 or more printable ASCII characters without spaces"),
    Row("ALERT_HOLD_SECONDS", "alert_hold_seconds", 300, {"ALERT_HOLD_SECONDS": "0"}, 0,
        ({"ALERT_HOLD_SECONDS": "-1"}, {"ALERT_HOLD_SECONDS": "5m"}), "at least 0"),
    Row("MOCK_FEED_DRIFT", "mock_feed_drift", True, {"MOCK_FEED_DRIFT": "false"}, False,
        ({"MOCK_FEED_DRIFT": "sometimes"},), "true or false"),
    Row("MAX_WATCHES_PER_USER", "max_watches_per_user", 50, {"MAX_WATCHES_PER_USER": " 7 "}, 7,
        ({"MAX_WATCHES_PER_USER": "0"}, {"MAX_WATCHES_PER_USER": "-1"},
         {"MAX_WATCHES_PER_USER": "many"}, {"MAX_WATCHES_PER_USER": "1e3"}), "at least 1"),
    Row("DELIVERY_CONCURRENCY", "delivery_concurrency", 64, {"DELIVERY_CONCURRENCY": "8"}, 8,
        ({"DELIVERY_CONCURRENCY": "0"},), "at least 1"),
    Row("CONVERSATION_MAX_PER_SECOND", "conversation_max_per_second", None,
        {"CONVERSATION_MAX_PER_SECOND": "0"}, 0.0,
        ({"CONVERSATION_MAX_PER_SECOND": "-1"}, {"CONVERSATION_MAX_PER_SECOND": "inf"},
         {"CONVERSATION_MAX_PER_SECOND": "nan"}, {"CONVERSATION_MAX_PER_SECOND": "fast"}),
        "0 (no limit) or more"),
    Row("DELIVERY_MAX_PER_SECOND", "delivery_max_per_second", None,
        {"DELIVERY_MAX_PER_SECOND": "2.5"}, 2.5,
        ({"DELIVERY_MAX_PER_SECOND": "-0.5"}, {"DELIVERY_MAX_PER_SECOND": "lots"}),
        "0 (no limit) or more"),
    Row("ALERT_RETENTION_DAYS", "alert_retention_days", 30, {"ALERT_RETENTION_DAYS": "7"}, 7,
        ({"ALERT_RETENTION_DAYS": "0"},), "at least 1"),
    Row("PRICE_HISTORY_DAYS", "price_history_days", 365, {"PRICE_HISTORY_DAYS": "90"}, 90,
        ({"PRICE_HISTORY_DAYS": "0"}, {"PRICE_HISTORY_DAYS": "a year"}), "at least 1"),
    Row("PUBLIC_URL", "public_url", "", {"PUBLIC_URL": "https://bot.example.com/"},
        "https://bot.example.com",
        ({"PUBLIC_URL": "bot.example.com"}, {"PUBLIC_URL": "https://u:db-password@bot.example"}),
        "http:// or https://"),
    Row("LOG_LEVEL", "log_level", "INFO", {"LOG_LEVEL": "debug"}, "DEBUG",
        ({"LOG_LEVEL": "LOUD"}, {"LOG_LEVEL": "verbose"}),
        "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    Row("PRICEWATCH_USER_AGENT", "shop_user_agent", "",
        {"PRICEWATCH_USER_AGENT": "PriceWatchBot/1.0 (+https://bot.example.com/bot)"},
        "PriceWatchBot/1.0 (+https://bot.example.com/bot)",
        ({"PRICEWATCH_USER_AGENT": "Bot\u00e9"}, {"PRICEWATCH_USER_AGENT": "x" * 301}),
        "printable ASCII"),
    Row("SHOP_MIN_INTERVAL_SECONDS", "shop_min_interval_seconds", 10.0,
        {"SHOP_MIN_INTERVAL_SECONDS": "30"}, 30.0,
        ({"SHOP_MIN_INTERVAL_SECONDS": "0.5"}, {"SHOP_MIN_INTERVAL_SECONDS": "soon"}),
        "1 or more"),
    Row("SHOP_POLL_INTERVAL_SECONDS", "shop_poll_interval_seconds", 3600,
        {"SHOP_POLL_INTERVAL_SECONDS": "7200"}, 7200,
        ({"SHOP_POLL_INTERVAL_SECONDS": "59"}, {"SHOP_POLL_INTERVAL_SECONDS": "hourly"}),
        "at least 60"),
    Row("ALLOWED_SHOP_HOSTS", "allowed_shop_hosts", frozenset(),
        {"ALLOWED_SHOP_HOSTS": "Shop.Internal, 10.0.0.5,[::1]"},
        frozenset({"shop.internal", "10.0.0.5", "::1"}),
        ({"ALLOWED_SHOP_HOSTS": "http://shop.internal"}, {"ALLOWED_SHOP_HOSTS": "a b"}),
        "host names or IP addresses"),
]  # fmt: skip
BY_VARIABLE = {row.variable: row for row in ROWS}
BAD = [
    pytest.param(row, env, id=f"{row.variable}={next(iter(env.values()))[:24]!r}")
    for row in ROWS
    for env in row.bad
]


def readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Za-z_]+)` \|", table, flags=re.MULTILINE))


def test_every_setting_in_readme_has_a_row_here_and_every_row_is_in_readme() -> None:
    assert readme_variables() == set(BY_VARIABLE)


def test_every_field_of_settings_is_a_row_here() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)} - {"admin_token_generated"}
    assert fields == {row.attribute for row in ROWS}


@pytest.mark.parametrize(
    "row", [row for row in ROWS if row.default is not None], ids=lambda row: row.variable
)
def test_the_default(row: Row) -> None:
    assert getattr(Settings.from_env({}), row.attribute) == row.default


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.variable)
def test_a_good_value(row: Row) -> None:
    assert getattr(Settings.from_env(row.good), row.attribute) == row.expected


@pytest.mark.parametrize(("row", "env"), BAD)
def test_a_bad_value_is_one_line_naming_the_variable_and_what_it_may_be(
    row: Row, env: Mapping[str, str]
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    assert row.variable in message and row.allowed in message, message
    assert "\n" not in message and "\r" not in message
    for secret in SECRETS:
        assert secret not in message


@pytest.mark.parametrize(("row", "env"), BAD)
def test_a_bad_value_stops_the_start_with_one_line_and_exit_status_2(
    row: Row, env: Mapping[str, str], tmp_path: Path
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        start_up({"DATABASE_URL": f"sqlite:///{tmp_path / 'db'}", **env}, stdout, stderr)
    assert stopped.value.code == 2
    (line,) = stderr.getvalue().splitlines()
    assert line.startswith("Configuration error: ") and row.variable in line
    assert stdout.getvalue() == ""
    assert list(tmp_path.iterdir()) == [], "nothing written before the settings are good"


# What the rows cannot show on their own


def test_a_generated_admin_token_is_long_and_new_each_time() -> None:
    first, second = Settings.from_env({}), Settings.from_env({})
    assert first.admin_token_generated and len(first.admin_token) >= 32
    assert first.admin_token != second.admin_token
    assert not Settings.from_env({"ADMIN_TOKEN": GOOD_TOKEN}).admin_token_generated


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "bot.example.com"])
def test_no_authentication_on_a_host_others_reach_needs_allow_unauthenticated(host: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"HOST": host})
    message = str(refused.value)
    for variable in ("MicrosoftAppId", "HOST", "ALLOW_UNAUTHENTICATED=true"):
        assert variable in message
    assert Settings.from_env({"HOST": host, "ALLOW_UNAUTHENTICATED": "yes"}).host == host
    assert Settings.from_env({"HOST": host, **AUTH}).authenticated


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_no_authentication_on_loopback_needs_nothing_more(host: str) -> None:
    assert not Settings.from_env({"HOST": host}).authenticated


@pytest.mark.parametrize(
    ("host", "feed"),
    [
        ("127.0.0.1", "http://127.0.0.1:3978/feed"),
        ("::1", "http://[::1]:3978/feed"),
        ("[::1]", "http://[::1]:3978/feed"),
        ("localhost", "http://localhost:3978/feed"),
        ("0.0.0.0", "http://127.0.0.1:3978/feed"),
        ("::", "http://[::1]:3978/feed"),
    ],
)
def test_the_own_feed_is_a_url_aiohttp_takes_for_every_host(host: str, feed: str) -> None:
    settings = Settings.from_env({"HOST": host, "ALLOW_UNAUTHENTICATED": "true"})
    assert settings.feed_url() == feed


def test_the_feed_url_shown_at_start_has_no_credentials() -> None:
    settings = Settings.from_env({"PRICE_FEED_URL": "https://u:feed-key@feed.example:8443/v1?k=x"})
    assert settings.shown_feed_url() == "https://feed.example:8443/v1"


def test_urls_that_may_carry_credentials_are_not_in_the_repr() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u:db-password@db.example/pricewatch",
            "PRICE_FEED_URL": "https://u:feed-key@feed.example/v1",
        }
    )
    assert "db-password" not in repr(settings) and "feed-key" not in repr(settings)


@pytest.mark.parametrize(
    ("database_url", "token_file"),
    [
        ("sqlite:////srv/pricewatch/db.sqlite3", Path("/srv/pricewatch/admin-token")),
        ("postgresql://u@db.example/pricewatch", DEFAULT_DATA_DIR / "admin-token"),
    ],
)
def test_a_generated_admin_token_goes_beside_the_database(
    database_url: str, token_file: Path
) -> None:
    assert Settings.from_env({"DATABASE_URL": database_url}).admin_token_path() == token_file
