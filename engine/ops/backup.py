"""``resolute backup FILE``: a consistent copy of a live SQLite database.

SQLite's online backup API copies the database page by page under a read transaction, so the
copy is one committed state even while ``run`` keeps writing (in WAL mode a reader does not
block the writer, nor the writer the reader). The copy is written beside the target under a
temporary name, checked with ``PRAGMA integrity_check`` and only then renamed into place: a
backup that fails half-way never leaves a half-written FILE. PostgreSQL has ``pg_dump``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ConfigError, ResoluteError, StorageError

BUSY_TIMEOUT_S = 30.0  # a writer holding the lock this long is not a "live" database any more
COUNTED = (("task", "задач"), ("outbox", "сообщений"), ("audit_event", "событий"))


class BackupError(ResoluteError):
    """The copy could not be made; nothing was written at the target."""


@dataclass(frozen=True)
class BackupReport:
    target: Path
    size_bytes: int
    rows: dict[str, int]  # table → rows in the copy

    def summary(self) -> str:
        counts = ", ".join(f"{label} {self.rows.get(t, 0)}" for t, label in COUNTED)
        size_mb = self.size_bytes / 1_048_576
        return f"Копия записана: {self.target} ({size_mb:.1f} МБ; {counts}); целостность проверена."


def sqlite_path(db_url: str) -> Path:
    """The database file behind ``sqlite://PATH``; ConfigError for anything else."""
    if not db_url.startswith("sqlite://"):
        raise ConfigError(
            "resolute backup копирует только базу SQLite. Для PostgreSQL: "
            'pg_dump --format=custom --file=resolute.dump "$RESOLUTE_DB_URL" '
            "(восстановление: pg_restore --clean --dbname=…)."
        )
    path = db_url.removeprefix("sqlite://").split("?", 1)[0]
    if not path or path.startswith(":memory:"):
        raise ConfigError("База в памяти (sqlite://:memory:) не хранится: копировать нечего.")
    return Path(path)


def backup_sqlite(db_url: str, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the live database at ``db_url`` to ``target``."""
    source = sqlite_path(db_url)
    if not source.is_file():
        raise StorageError(f"Файла базы данных {source} нет: сначала resolute apply.")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} уже существует; другое имя или --force, чтобы заменить.")
    if not target.parent.is_dir():
        raise BackupError(f"Папки {target.parent} нет.")
    if target.resolve() == source.resolve():
        raise BackupError("Копия не может быть записана поверх самой базы.")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        rows = _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"Копия не сделана: {exc}. {target} не изменён.") from None
    except OSError as exc:
        raise BackupError(f"Копия не записана: {exc.strerror} ({exc.filename}).") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupReport(target, target.stat().st_size, rows)


def _copy(source: Path, partial: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)  # reads only
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # every page in one step: one read transaction, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())


def _check(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"integrity_check: {verdict}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
            for table, _ in COUNTED
            if table in tables
        }
    finally:
        conn.close()
