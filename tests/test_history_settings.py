"""PRICE_HISTORY_DAYS and PUBLIC_URL, read once and checked."""

from __future__ import annotations

import pytest

from settings import Settings, SettingsError


def test_the_defaults_keep_a_year_and_link_charts_to_localhost() -> None:
    settings = Settings.from_env({"PORT": "4000"})
    assert settings.price_history_days == 365
    assert settings.base_url() == "http://localhost:4000"


def test_a_public_url_is_used_without_its_trailing_slash() -> None:
    settings = Settings.from_env(
        {"PUBLIC_URL": "https://bot.example.com/pw/", "PRICE_HISTORY_DAYS": "30"}
    )
    assert settings.base_url() == "https://bot.example.com/pw"
    assert settings.price_history_days == 30


@pytest.mark.parametrize(
    "env, named",
    [
        ({"PUBLIC_URL": "ftp://bot.example.com"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://bot.example.com/?x=1"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://user:secret@bot.example.com"}, "PUBLIC_URL"),
        ({"PRICE_HISTORY_DAYS": "0"}, "PRICE_HISTORY_DAYS"),
        ({"PRICE_HISTORY_DAYS": "a year"}, "PRICE_HISTORY_DAYS"),
    ],
)
def test_an_unusable_value_is_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named) as error:
        Settings.from_env(env)
    assert "secret" not in str(error.value)
