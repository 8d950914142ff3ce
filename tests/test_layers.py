"""Imports point down, never up (README, "How it works").

The packages are held by the contracts in .importlinter, which lint-imports checks.
grimp, which builds import-linter's graph, takes packages only, so the three top-level
modules are checked here, against a table of what each may import of ours and of the SDK.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

_config = configparser.ConfigParser()
_config.read(CONFIG)
ROOT_PACKAGES = set(_config["importlinter"]["root_packages"].split())
OUTSIDE_THE_APP = {"bench", "tests"}
# Root packages that build something from the app's parts (the Teams package): not imported
# by any package (.importlinter) nor by app.py.
BUILDERS = {"teamsapp"}
SDK = {"botbuilder", "botframework", "msrest"}
TOP_LEVEL_MODULES = {
    "app": (ROOT_PACKAGES - BUILDERS) | {"settings", "metrics"} | SDK,  # the composition root
    "settings": set(),  # leaves that anyone may import
    "metrics": set(),
}
OURS = ROOT_PACKAGES | OUTSIDE_THE_APP | TOP_LEVEL_MODULES.keys()


def test_the_contracts_are_kept():
    result = subprocess.run(
        [LINT_IMPORTS, CONFIG, "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(result.stdout + result.stderr, pytrace=False)


def test_the_top_level_modules_import_only_what_they_may():
    violations = []
    for module, allowed in TOP_LEVEL_MODULES.items():
        path = ROOT / f"{module}.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in OURS | SDK and top not in allowed and top != module:
                    violations.append(f"{path.name}:{node.lineno} imports {name}")
    assert not violations, "\n".join(violations)


def test_every_package_and_module_is_under_contract():
    packages = {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith((".", "_")) and any(path.glob("*.py"))
    }
    assert packages == ROOT_PACKAGES | OUTSIDE_THE_APP
    assert {path.stem for path in ROOT.glob("*.py")} == TOP_LEVEL_MODULES.keys()
    for contract, source in [("domain-pure", "domain"), ("mockfeed-independent", "mockfeed")]:
        forbidden = _config[f"importlinter:contract:{contract}"]["forbidden_modules"].split()
        assert set(forbidden) == OURS - {source}, contract
