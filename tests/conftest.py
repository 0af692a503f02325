"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL comes from RESOLUTE_TEST_PG_URL (default: the local server, database ``test``); each
test gets a database of its own. Under CI=true an unreachable server fails the PostgreSQL tests;
elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from storage.db import database

PG_URL = os.environ.get("RESOLUTE_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent
_pg_state: dict[str, str | None] = {}


def _pg_unavailable_reason() -> str | None:
    if "reason" not in _pg_state:

        async def probe() -> None:
            conn = await asyncpg.connect(PG_URL, timeout=5)
            await conn.close()

        try:
            asyncio.run(probe())
            _pg_state["reason"] = None
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} is unreachable: {exc}"
    return _pg_state["reason"]


def _admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    reason = _pg_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    name = f"resolute_t_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'resolute.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[str]:
    """The database open (schema migrated) for the test's duration."""
    async with database(db_url):
        yield db_url
