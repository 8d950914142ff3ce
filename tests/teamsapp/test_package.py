"""`make teams-package`: a zip Teams uploads (manifest.json and the two icons at its root)
that Microsoft's manifest validator accepts, built from the bot's settings; a setting it
cannot use is one line on stderr and no package.

The validator needs Node.js with npm (it installs itself on first use): without them these
tests skip, saying so, unless CI=true, where that fails the run.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from settings import Settings
from teamsapp.__main__ import main
from teamsapp.manifest import PLACEHOLDER_APP_ID
from teamsapp.package import ManifestInvalid, build_package, validate_package

APP_ID = "5a7c3e10-4b2d-4f6e-9a81-0c2b3d4e5f60"
PASSWORD = "a-client-secret-in-a-package-test"
REGISTERED = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": PASSWORD,
    "PUBLIC_URL": "https://pricewatch.example.net",
}


@pytest.fixture(scope="module")
def node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} missing: the Teams manifest validator runs on Node.js"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


def run(environ: dict[str, str], path: Path) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main([str(path)], environ, stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.zip"
    content = build_package(Settings.from_env(REGISTERED), path)
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json")) == content
        assert content["icons"] == {"color": "color.png", "outline": "outline.png"}
        assert PASSWORD.encode() not in b"".join(package.read(n) for n in package.namelist())


def test_the_same_settings_give_the_same_package(tmp_path: Path) -> None:
    settings = Settings.from_env(REGISTERED)
    build_package(settings, tmp_path / "a.zip")
    build_package(settings, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@pytest.mark.usefixtures("node")
def test_make_teams_package_gives_a_package_the_validator_accepts(tmp_path: Path) -> None:
    path = tmp_path / "teams" / "pricewatch.zip"
    status, out, err = run(REGISTERED, path)
    assert (status, err) == (0, "")
    assert "valid: @microsoft/app-manifest 1.1.2, schema https://developer.microsoft.com/" in out
    assert f"bot id: {APP_ID} (MicrosoftAppId)" in out
    assert "validDomains: pricewatch.example.net" in out
    assert PASSWORD not in out
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID
    assert [p.name for p in path.parent.iterdir()] == ["pricewatch.zip"], "nothing left over"
    assert validate_package(path).startswith("valid: ")


@pytest.mark.usefixtures("node")
def test_a_fresh_machine_gets_a_valid_package_with_the_placeholder_id(tmp_path: Path) -> None:
    status, out, err = run({}, tmp_path / "pricewatch.zip")
    assert (status, err) == (0, "")
    assert f"bot id: {PLACEHOLDER_APP_ID}, a placeholder (MicrosoftAppId is empty)" in out
    assert "validDomains: none (PUBLIC_URL is empty)" in out


@pytest.mark.usefixtures("node")
def test_the_validator_refuses_a_manifest_the_schema_does_not_allow(tmp_path: Path) -> None:
    path = tmp_path / "pricewatch.zip"
    content = build_package(Settings.from_env({}), path)
    content["bots"][0]["botId"] = "pricewatch"
    del content["accentColor"]
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("manifest.json", json.dumps(content))
    with pytest.raises(ManifestInvalid) as refused:
        validate_package(path)
    complaints = str(refused.value).splitlines()
    assert any(line.startswith("/bots/0/botId must match pattern") for line in complaints)
    assert any("must have required property 'accentColor'" in line for line in complaints)


@pytest.mark.parametrize(
    ("public_url", "says"),
    [
        ("https://bot.example.com/?x=1", "Configuration error: PUBLIC_URL must be empty"),
        ("ftp://bot.example.com", "Configuration error: PUBLIC_URL must be empty"),
        ("http://bot.example.com", "Configuration error: PUBLIC_URL must be an https:// address"),
    ],
)
def test_a_public_url_teams_cannot_use_is_one_line_and_no_package(
    tmp_path: Path, public_url: str, says: str
) -> None:
    path = tmp_path / "pricewatch.zip"
    status, out, err = run({**REGISTERED, "PUBLIC_URL": public_url}, path)
    assert (status, out) == (2, "")
    assert err.startswith(says) and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
