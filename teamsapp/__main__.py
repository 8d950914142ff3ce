"""`make teams-package`: the Teams app package, checked by Microsoft's validator.

python -m teamsapp [PATH]     PATH defaults to artifacts/teams/pricewatch.zip

It reads the bot's settings from the environment, as `make run` does. A setting it cannot
use is one line on stderr and exit status 2; a manifest the validator refuses, or a
validator that cannot run, exit status 1. Only a package the validator accepted is left
at PATH.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Final, Mapping, Sequence, TextIO

from settings import Settings, SettingsError
from teamsapp.manifest import PLACEHOLDER_APP_ID, TeamsPackageError
from teamsapp.package import (
    ManifestInvalid,
    ValidatorUnavailable,
    build_package,
    validate_package,
)

ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_PATH: Final = ROOT / "artifacts" / "teams" / "pricewatch.zip"


def main(argv: Sequence[str], environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    if len(argv) > 1:
        print("usage: python -m teamsapp [PATH]", file=stderr)
        return 2
    path = Path(argv[0]) if argv else DEFAULT_PATH
    try:
        settings = Settings.from_env(environ)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=stderr)
        return 2
    unchecked = path.with_name(f".{path.name}.unchecked")
    try:
        content = build_package(settings, unchecked)
        verdict = validate_package(unchecked)
        unchecked.replace(path)
    except TeamsPackageError as error:
        print(f"Configuration error: {error}", file=stderr)
        return 2
    except ManifestInvalid as error:
        print(f"The manifest validator refused the manifest:\n{error}", file=stderr)
        return 1
    except ValidatorUnavailable as error:
        print(f"Could not check the manifest: {error}", file=stderr)
        return 1
    finally:
        unchecked.unlink(missing_ok=True)
    _report(path, content, verdict, stdout)
    return 0


def _report(path: Path, content: dict[str, Any], verdict: str, out: TextIO) -> None:
    bot_id = content["bots"][0]["botId"]
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"Teams app package: {shown}", file=out)
    print(f"  manifest {verdict}", file=out)
    if bot_id == PLACEHOLDER_APP_ID:
        print(
            f"  bot id: {bot_id}, a placeholder (MicrosoftAppId is empty): register the bot"
            ' and build again (README, "Run it in Microsoft Teams")',
            file=out,
        )
    else:
        print(f"  bot id: {bot_id} (MicrosoftAppId)", file=out)
    domains = ", ".join(content["validDomains"]) or "none (PUBLIC_URL is empty)"
    print(f"  validDomains: {domains}", file=out)
    print("  Upload it in Teams: Apps > Manage your apps > Upload an app.", file=out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ, sys.stdout, sys.stderr))
