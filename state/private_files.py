"""Owner-only folders and files for what the app keeps on disk: the SQLite database (and
SQLite's -wal and -shm files, which take the database file's mode) and a generated
admin token. Modes are set explicitly, whatever the umask; folders and files that
already exist keep theirs: they may be shared on purpose (/tmp, /var/lib).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def make_private_folders(folder: Path) -> None:
    """Create `folder` and any missing parents, each one owner-only."""
    missing: list[Path] = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            candidate.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # made by someone else meanwhile: theirs to set
        candidate.chmod(FOLDER_MODE)


def create_private_file(path: Path) -> None:
    """Create an empty owner-only file at `path`, unless a file is there already."""
    make_private_folders(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` with an owner-only file holding `text`. Written beside it and
    renamed into place, so the text is never readable by others, not even briefly."""
    make_private_folders(path.parent)
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(draft, path)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise
