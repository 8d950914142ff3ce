"""The manifest says what the bot runs with: its app id, its public host, the scopes it
answers in, and the command menu `help` holds (so the two cannot drift apart)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from dialogs import texts
from dialogs.commands.table import parse_command
from dialogs.commands.unknown import Unknown
from settings import Settings
from teamsapp.manifest import (
    MAX_COMMANDS,
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    PLACEHOLDER_APP_ID,
    PLACEHOLDER_WEBSITE,
    SCHEMA_VERSION,
    TeamsPackageError,
    manifest,
)

APP_ID = "5a7c3e10-4b2d-4f6e-9a81-0c2b3d4e5f60"
REGISTERED = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": "a-client-secret-in-a-manifest-test",
    "PUBLIC_URL": "https://PriceWatch.example.net",
}
D20 = Decimal(20)
MENU = texts.command_menu(D20)
HELP_LINES = texts.help_text(D20).splitlines()


def built(environ: dict[str, str]) -> dict:
    return manifest(Settings.from_env(environ))


def test_the_bot_is_the_registered_app_and_answers_at_the_public_host() -> None:
    content = built(REGISTERED)
    assert content["id"] == APP_ID
    assert content["bots"][0]["botId"] == APP_ID
    assert content["validDomains"] == ["pricewatch.example.net"]
    developer = content["developer"]
    assert developer["websiteUrl"] == "https://PriceWatch.example.net/bot"
    assert developer["privacyUrl"] == developer["termsOfUseUrl"] == developer["websiteUrl"]
    assert "a-client-secret" not in repr(content), "the password never goes in the package"


def test_a_public_url_with_a_port_and_a_path_gives_its_host_alone() -> None:
    content = built({**REGISTERED, "PUBLIC_URL": "https://bots.example.org:8443/pricewatch/"})
    assert content["validDomains"] == ["bots.example.org"]
    assert content["developer"]["websiteUrl"] == "https://bots.example.org:8443/pricewatch/bot"


def test_a_fresh_machine_gets_the_placeholder_id_and_no_domain() -> None:
    content = built({})
    assert content["id"] == content["bots"][0]["botId"] == PLACEHOLDER_APP_ID
    assert content["validDomains"] == []
    assert content["developer"]["websiteUrl"] == PLACEHOLDER_WEBSITE


def test_an_http_public_url_is_refused_saying_teams_needs_https() -> None:
    with pytest.raises(TeamsPackageError) as refused:
        built({**REGISTERED, "PUBLIC_URL": "http://localhost:3978"})
    assert str(refused.value).startswith("PUBLIC_URL must be an https:// address for Teams")


def test_the_schema_is_named_by_version_and_url() -> None:
    content = built({})
    assert content["manifestVersion"] == SCHEMA_VERSION == "1.30"
    assert content["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
    )


def test_the_bot_answers_in_personal_group_chat_and_team_with_a_menu_in_each() -> None:
    bot = built({})["bots"][0]
    assert bot["scopes"] == ["personal", "groupChat", "team"]
    assert [command_list["scopes"] for command_list in bot["commandLists"]] == [
        ["personal"],
        ["groupChat"],
        ["team"],
    ]
    menu = [{"title": title, "description": does} for title, does in texts.command_menu(D20)]
    assert all(command_list["commands"] == menu for command_list in bot["commandLists"])


def test_the_menu_is_help_s_lines_and_fits_teams_bounds() -> None:
    assert 1 <= len(MENU) <= MAX_COMMANDS
    for title, does in MENU:
        assert len(title) <= MAX_TITLE_CHARS and len(does) <= MAX_DESCRIPTION_CHARS
        [line] = [line for line in HELP_LINES if line.startswith(f"- **{title}**")]
        assert line.endswith(f" – {does}"), "the menu describes a command as help does"
    assert [title for title, _ in MENU] == [
        "watch",
        "watch headphones 20%",
        "list",
        "remove 2",
        "history headphones",
        "why headphones",
        "pause headphones",
        "snooze headphones 2h",
        "quiet 22:00-07:00",
        "cancel",
    ]


@pytest.mark.parametrize(("title", "does"), MENU)
def test_what_the_menu_puts_in_the_message_box_is_a_command(title: str, does: str) -> None:
    assert not isinstance(parse_command(title), Unknown)
    assert re.fullmatch(r"[a-z]+( \S+)*", title), "sent as it is, no Markdown"
