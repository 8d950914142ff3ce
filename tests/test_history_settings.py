"""Where chart links point (PUBLIC_URL; its bad values are in tests/test_settings.py)."""

from __future__ import annotations

from settings import Settings


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
