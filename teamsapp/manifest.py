"""The Teams app manifest, from the settings the bot runs with and help's command menu.

The bot's id is MicrosoftAppId, validDomains is PUBLIC_URL's host, and the command menu
is `dialogs.texts.command_menu`, the lines of `help` marked for it. With neither setting
(a fresh machine) the manifest still validates: its ids are PLACEHOLDER_APP_ID and its
links PLACEHOLDER_WEBSITE, which a real registration and PUBLIC_URL replace.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from dialogs.texts import command_menu
from settings import Settings
from teamsapp.icons import ACCENT_COLOR

SCHEMA_VERSION: Final = "1.30"
"""The newest app manifest schema @microsoft/app-manifest 1.1.2 ships (validator/)."""
SCHEMA_URL: Final = (
    "https://developer.microsoft.com/json-schemas/teams"
    f"/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
)
APP_VERSION: Final = "1.0.0"
PLACEHOLDER_APP_ID: Final = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_WEBSITE: Final = "https://example.com/"
SCOPES: Final = ("personal", "groupChat", "team")
COLOR_ICON: Final = "color.png"
OUTLINE_ICON: Final = "outline.png"

# The command menu's bounds: the schemas up to v1.20 (10 commands, 32-character titles,
# 128-character descriptions). v1.21 allows 128 and 4000, v1.24 on 12 commands; the menu
# keeps within the old bounds (Teams' page on command menus still says up to 10 commands).
MAX_COMMANDS: Final = 10
MAX_TITLE_CHARS: Final = 32
MAX_DESCRIPTION_CHARS: Final = 128

SHORT_DESCRIPTION: Final = "Tells you when a product's price drops to the price you chose."
FULL_DESCRIPTION: Final = (
    "PriceWatch watches product prices for you. Tell it what to watch by chatting"
    ' ("watch headphones 20%", "watch espresso machine below 300", or a shop page\'s'
    " link); it checks the prices on a schedule and messages you first when one drops to"
    " your trigger, once per drop, with a card to stop, snooze or lower the target. In a"
    " group chat or a channel each member's watches are their own. Say help for"
    " everything it understands."
)


class TeamsPackageError(Exception):
    """A setting the package cannot be built from; the message names it and says why."""


def manifest(settings: Settings) -> dict[str, Any]:
    """The manifest.json of the package, for these settings."""
    app_id = settings.app_id or PLACEHOLDER_APP_ID
    host = _public_host(settings.public_url)
    website = f"{settings.public_url}/bot" if host else PLACEHOLDER_WEBSITE
    commands = _commands(settings)
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": SCHEMA_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "PriceWatch",
            "websiteUrl": website,
            "privacyUrl": website,
            "termsOfUseUrl": website,
        },
        "name": {"short": "PriceWatch", "full": "PriceWatch: price-drop alerts"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [{"scopes": [scope], "commands": commands} for scope in SCOPES],
            }
        ],
        "validDomains": [host] if host else [],
    }


def _public_host(public_url: str) -> str | None:
    """PUBLIC_URL's host, or None when it is empty. Teams reaches the bot and loads its
    chart images over HTTPS only, so an http:// address is refused, naming the setting."""
    if not public_url:
        return None
    parts = urlsplit(public_url)
    if parts.scheme != "https":
        raise TeamsPackageError(
            "PUBLIC_URL must be an https:// address for Teams (Teams reaches the bot and"
            f" loads its chart images over HTTPS only), got an {parts.scheme}:// one: set it"
            " to your tunnel's or host's https address, such as https://bot.example.com"
        )
    return parts.hostname


def _commands(settings: Settings) -> list[dict[str, str]]:
    menu = command_menu(settings.drop_threshold_percent)
    if len(menu) > MAX_COMMANDS or any(
        len(title) > MAX_TITLE_CHARS or len(does) > MAX_DESCRIPTION_CHARS for title, does in menu
    ):
        raise ValueError(
            f"help's command menu must be at most {MAX_COMMANDS} lines, titles of at most"
            f" {MAX_TITLE_CHARS} characters and descriptions of at most {MAX_DESCRIPTION_CHARS}"
        )
    return [{"title": title, "description": does} for title, does in menu]
