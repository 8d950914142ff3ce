"""Every Python file README.md or a docstring or comment names in backticks exists.

A pointer names a path from the repository's root, a `*` standing for any folder
(`state/*/watches.py`); a bare file name is one beside the file that names it. When a
file moves, this fails until every pointer to it says where it went.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POINTER = re.compile(r"`([\w*./-]+\.py)`")


def own_python_files() -> list[Path]:
    """The repository's own Python files: not the virtualenv, caches or node packages."""
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not any(
            part.startswith(".") or part == "node_modules" for part in path.relative_to(ROOT).parts
        )
    )


def prose(source: str) -> list[tuple[int, str]]:
    """The comments and docstrings of a module (a string standing alone as a statement,
    as attribute docstrings do too), each with its line."""
    comments = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    docstrings = [
        (node.lineno, node.value.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    return sorted(comments + docstrings)


def points_at_a_file(pointer: str, beside: Path) -> bool:
    if "/" not in pointer:
        return (beside / pointer).is_file()
    return any(path.is_file() for path in ROOT.glob(pointer))


def stale_pointers(path: Path, texts: list[tuple[int, str]]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: `{pointer}`"
        for line, text in texts
        for pointer in POINTER.findall(text)
        if not points_at_a_file(pointer, path.parent)
    ]


def test_readme_names_only_files_that_exist() -> None:
    readme = ROOT / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines()
    assert stale_pointers(readme, list(enumerate(lines, start=1))) == []


def test_docstrings_and_comments_name_only_files_that_exist() -> None:
    files = own_python_files()
    assert len(files) > 100, "the repository's own files were not found"
    stale = [
        pointer
        for path in files
        for pointer in stale_pointers(path, prose(path.read_text(encoding="utf-8")))
    ]
    assert stale == []


def test_a_pointer_to_a_file_that_moved_is_caught() -> None:
    module = ROOT / "dialogs" / "commands" / "table.py"
    texts = prose('"""See `dialogs/commands.py` and `table.py`."""\n# and `bots/nowhere.py`\n')
    assert stale_pointers(module, texts) == [
        "dialogs/commands/table.py:1: `dialogs/commands.py`",
        "dialogs/commands/table.py:2: `bots/nowhere.py`",
    ]
