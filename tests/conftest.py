"""Shared fixtures: a database of its own per test, on SQLite and on PostgreSQL.

PostgreSQL comes from RESOLUTE_TEST_PG_URL (default: the local server, database ``test``); each
test gets a database of its own. Under CI=true an unreachable server fails the PostgreSQL tests;
elsewhere they are skipped with the reason.

Migrating costs about half a second per database, more than most tests themselves: the schema
is built once per session (per xdist worker) by the migrations, as ``resolute`` builds it, into a
template, and ``db_url`` hands every test a copy (a file copy on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL). Tests of the migrations themselves take ``empty_db_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings

from storage.db import database
from storage.private_file import MODE

PG_URL = os.environ.get("RESOLUTE_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() == "true"
_pg_state: dict[str, str | None] = {}

# Hypothesis: no per-example deadline (a loaded 2-core machine makes timings flaky, and the
# properties are about results, not speed); under CI the examples are derived from the test
# itself, so a red CI run is reproducible and a green one is not luck. Example counts stay as
# each test sets them (100 by default).
hypothesis_settings.register_profile("resolute", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if CI else "resolute"))


def _pg_unavailable_reason() -> str | None:
    if "reason" not in _pg_state:

        async def probe() -> None:
            conn = await asyncpg.connect(PG_URL, timeout=5)
            try:
                version = await conn.fetchval("SHOW server_version_num")
            finally:
                await conn.close()
            # From PostgreSQL 15, a small template is copied file by file four times faster
            # than through the WAL (the default strategy).
            _pg_state["copy"] = " STRATEGY FILE_COPY" if int(version) >= 150000 else ""

        try:
            asyncio.run(probe())
            _pg_state["reason"] = None
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} is unreachable: {exc}"
    return _pg_state["reason"]


def _require_pg() -> None:
    """Skip (or, under CI=true, fail) the test when the server is not there."""
    reason = _pg_unavailable_reason()
    if reason is not None:
        if CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)


def _admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _pg_database_url(name: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


def _migrated(db_url: str) -> None:
    async def run() -> None:
        async with database(db_url):
            pass

    asyncio.run(run())


@contextlib.contextmanager
def _pg_database(template: str | None = None) -> Iterator[str]:
    """A database of its own on the server (a copy of ``template`` if given), dropped after."""
    name = f"resolute_t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"{_pg_state.get("copy") or ""}' if template else ""
    _admin(f'CREATE DATABASE "{name}"{copy}')
    # A commit need not wait for the disk: a crash of the test server loses nothing of value.
    _admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield _pg_database_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, built once per session (per worker)."""
    path = tmp_path_factory.mktemp("template") / "resolute.sqlite3"
    _migrated(f"sqlite://{path}")
    return path


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str | None]:
    """A PostgreSQL database with every migration applied, once per session (per worker);
    None when the server is unreachable (the tests that need it skip or fail themselves)."""
    if _pg_unavailable_reason() is not None:
        yield None
        return
    with _pg_database() as url:
        _migrated(url)
        yield url.rpartition("/")[2]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    _require_pg()
    with _pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no schema), on SQLite and on PostgreSQL: for tests of migrations."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'resolute.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL: a database of its own whose schema
    is at the latest migration, as ``resolute`` would leave it (copied from the template)."""
    if request.param == "sqlite":
        path = tmp_path / "resolute.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        path.chmod(MODE)  # as storage/private_file.py creates it
        yield f"sqlite://{path}"
        return
    _require_pg()
    template: str | None = request.getfixturevalue("_pg_template")
    with _pg_database(template) as url:
        yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[str]:
    """The database open (schema migrated) for the test's duration."""
    async with database(db_url):
        yield db_url
