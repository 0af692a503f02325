"""Connection lifecycle and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import ConfigurationError, DBConnectionError, OperationalError
from tortoise.migrations.api import migrate

from engine.errors import ConfigError, StorageError
from storage.migration_lock import DRIVER_ERRORS, migration_lock
from storage.private_file import create_private, sqlite_path

APP = "resolute"
OPEN_TIMEOUT_S = 30
# Every way the database can be unreachable or refuse us: exit 3, never an internal error.
_UNREACHABLE: tuple[type[Exception], ...] = (
    OSError,
    DBConnectionError,
    OperationalError,
    *DRIVER_ERRORS,
)


def tortoise_config(db_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": db_url},
        "apps": {
            APP: {
                "models": ["storage.models"],
                "migrations": "storage.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


@contextlib.asynccontextmanager
async def database(db_url: str, *, migrate_schema: bool = True) -> AsyncIterator[None]:
    """Open the database (bringing its schema up to date) for the duration of the block."""
    _check_sqlite_path(db_url)
    config = tortoise_config(db_url)
    # Tortoise caches INSERT statements per connection name, across inits: a process that
    # opens SQLite and then PostgreSQL (the test suite does) would reuse the wrong dialect.
    EXECUTOR_CACHE.clear()
    try:
        in_memory = db_url.startswith("sqlite://:memory:")
        async with asyncio.timeout(OPEN_TIMEOUT_S):  # a dead connection must not hang the CLI
            if migrate_schema and not in_memory:
                async with migration_lock(db_url):
                    await migrate(config=config)
            await Tortoise.init(config=config)
        if in_memory:
            # A throw-away database (``simulate``): each connection to :memory: is a new empty
            # database, so the schema is created on this one directly, from the models.
            await Tortoise.generate_schemas()
    except TimeoutError:
        await connections.close_all(discard=True)
        raise StorageError(
            f"База данных {_redacted(db_url)} не ответила за {OPEN_TIMEOUT_S} с."
        ) from None
    except ConfigurationError as exc:
        raise ConfigError(f"RESOLUTE_DB_URL: {exc}") from None
    except _UNREACHABLE as exc:
        with contextlib.suppress(RuntimeError):  # refused before tortoise was initialised
            await connections.close_all(discard=True)
        raise StorageError(f"База данных {_redacted(db_url)} недоступна: {exc}") from None
    try:
        yield
    finally:
        await connections.close_all(discard=True)


def _check_sqlite_path(db_url: str) -> None:
    path = sqlite_path(db_url)
    if path is None:
        return
    if not path.parent.is_dir():
        raise StorageError(f"Папка для базы данных {path.parent} не существует.")
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(f"Нет прав на запись в файл базы данных {path}.")
    try:
        create_private(path)
    except OSError as exc:
        raise StorageError(f"Не удалось создать файл базы данных {path}: {exc}") from None


def _redacted(db_url: str) -> str:
    scheme, sep, rest = db_url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


# For tortoise's own CLI, to write a new migration after a model change:
#   tortoise -c storage.db.TORTOISE_ORM makemigrations
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
