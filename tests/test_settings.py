import pytest

from settings import Settings, SettingsError


def test_max_watches_per_user_defaults_to_50() -> None:
    assert Settings.from_env({}).max_watches_per_user == 50


def test_max_watches_per_user_from_the_environment() -> None:
    assert Settings.from_env({"MAX_WATCHES_PER_USER": " 7 "}).max_watches_per_user == 7


@pytest.mark.parametrize("raw", ["0", "-1", "many", "1e3"])
def test_max_watches_per_user_must_be_a_whole_number_of_at_least_1(raw: str) -> None:
    with pytest.raises(SettingsError, match="MAX_WATCHES_PER_USER"):
        Settings.from_env({"MAX_WATCHES_PER_USER": raw})
