"""Migrations one instance at a time, and every way a database can refuse us as one error class.

Several ``resolute run`` instances started together on an empty PostgreSQL database each ran
the migrations: the second's ``CREATE TABLE`` met the first's table and it exited. A
session-level advisory lock, on a connection of its own, makes the others wait until the first
has finished; then they find nothing left to migrate. SQLite is one instance by design: no lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # installed with tortoise's PostgreSQL backend
from tortoise.backends.base.config_generator import expand_db_url

MIGRATIONS_KEY = 0x7265736F6C757465 + 16  # beside the leader locks (engine/service/leader.py)
CONNECT_TIMEOUT_S = 10.0
POSTGRES_ENGINES = ("tortoise.backends.asyncpg", "tortoise.backends.psycopg")

# What the drivers raise when the server refuses us (a wrong user or password, no such
# database, no privilege, a broken file) rather than a bug of ours: "database unreachable".
DRIVER_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
)


def connect_kwargs(db_url: str) -> dict[str, Any] | None:
    """asyncpg.connect() arguments for a PostgreSQL ``db_url``; None for any other database."""
    config = expand_db_url(db_url)
    if config["engine"] not in POSTGRES_ENGINES:
        return None
    creds = config["credentials"]
    kwargs: dict[str, Any] = {
        name: creds[name]
        for name in ("host", "port", "user", "password", "database", "ssl")
        if creds.get(name) is not None
    }
    kwargs["server_settings"] = {"application_name": "resolute migrations"}
    return kwargs


@contextlib.asynccontextmanager
async def migration_lock(db_url: str) -> AsyncIterator[None]:
    """Hold the migrations lock (PostgreSQL) for the block; waits while another instance does.
    The caller bounds the wait (storage/db.py opens the database under a timeout)."""
    kwargs = connect_kwargs(db_url)
    if kwargs is None:
        yield
        return
    conn = await asyncpg.connect(timeout=CONNECT_TIMEOUT_S, **kwargs)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATIONS_KEY)
        yield
    finally:
        # Closing the session releases the lock: no unlock needed, even after an error.
        await conn.close(timeout=CONNECT_TIMEOUT_S)
