"""The SQLite database holds personal data and evidence: only its owner may read it.

SQLite creates its ``-wal`` and ``-shm`` files with the permissions of the database file, so
creating the database file 0600 (whatever the umask) before SQLite opens it is enough.
"""

from __future__ import annotations

import os
from pathlib import Path

MODE = 0o600


def sqlite_path(db_url: str) -> Path | None:
    """The file of a SQLite ``db_url``; None for in-memory and other databases."""
    if not db_url.startswith("sqlite://") or db_url.startswith("sqlite://:memory:"):
        return None
    return Path(db_url.removeprefix("sqlite://").split("?", 1)[0])


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (an empty file is an empty
    SQLite database); an existing file is left as its owner set it."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, MODE)  # the umask may have removed bits, never added: this is exact
    finally:
        os.close(fd)
