"""The app package Teams uploads: a zip of manifest.json and the two icons at its root,
and its check by Microsoft's manifest validator (validator/, Node.js)."""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final

from settings import Settings
from teamsapp.icons import color_icon, outline_icon
from teamsapp.manifest import COLOR_ICON, OUTLINE_ICON, manifest

MANIFEST: Final = "manifest.json"
VALIDATOR: Final = Path(__file__).resolve().parent / "validator" / "validate.sh"
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
"""Every entry's time: the same settings give the same bytes."""


class ManifestInvalid(Exception):
    """The validator refused the manifest; the message holds its complaints, one a line."""


class ValidatorUnavailable(Exception):
    """The validator could not run (no Node.js, no npm registry, ...); the message says why."""


def build_package(settings: Settings, path: Path) -> dict[str, Any]:
    """Writes the package to `path` (its folder made when missing); returns the manifest.
    TeamsPackageError for a setting it cannot be built from."""
    content = manifest(settings)
    files = {
        MANIFEST: (json.dumps(content, indent=2, ensure_ascii=False) + "\n").encode(),
        COLOR_ICON: color_icon(),
        OUTLINE_ICON: outline_icon(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as package:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            package.writestr(entry, data)
    return content


def validate_package(path: Path) -> str:
    """Checks the package's manifest.json against the schema its `$schema` names, offline,
    with @microsoft/app-manifest (installed on first use); returns the validator's line
    saying so. ManifestInvalid when it refuses it, ValidatorUnavailable when it cannot run."""
    with zipfile.ZipFile(path) as package:
        data = package.read(MANIFEST)
    with tempfile.TemporaryDirectory() as folder:
        manifest_file = Path(folder) / MANIFEST
        manifest_file.write_bytes(data)
        try:
            result = subprocess.run(
                ["bash", str(VALIDATOR), str(manifest_file)],
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ValidatorUnavailable(f"the manifest validator did not run: {error}") from None
    if result.returncode == 1:
        raise ManifestInvalid(result.stdout.strip())
    if result.returncode != 0:
        raise ValidatorUnavailable(result.stderr.strip() or f"exit status {result.returncode}")
    return result.stdout.strip()
