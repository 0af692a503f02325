"""The database file is private, instances migrate one at a time, and every way the database can
refuse us is exit 3 ("database unreachable"), never 70."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import database
from storage.models import Person
from tests.conftest import REPO

CLI = [sys.executable, "-c", "from engine.cli import main; main()"]


def cli_env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOLUTE_")}
    return env | {"RESOLUTE_DB_URL": db_url, "NO_COLOR": "1", "COLUMNS": "100"}


def file_modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}


async def test_the_sqlite_database_and_its_wal_and_shm_are_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "resolute.sqlite3"
    old = os.umask(0o022)
    try:
        async with database(f"sqlite://{path}"):
            await Person.create(id="ivanov", name="Иванов И.И.")
            modes = file_modes(tmp_path)
            files = sorted(modes)
    finally:
        os.umask(old)
    assert files == ["resolute.sqlite3", "resolute.sqlite3-shm", "resolute.sqlite3-wal"]
    assert modes == dict.fromkeys(files, 0o600)


@pytest.mark.postgres
def test_three_instances_started_together_on_an_empty_database_all_migrate(pg_url: str) -> None:
    started = [
        subprocess.Popen(
            [*CLI, "status", "--json"],
            cwd=REPO,
            env=cli_env(pg_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=50), *p.communicate()) for p in started]
    assert [(code, out.strip()) for code, out, _ in results] == [(0, "[]")] * 3, results


@pytest.mark.postgres
def test_a_wrong_database_user_is_exit_3_with_a_message(pg_url: str) -> None:
    scheme, _, rest = pg_url.partition("://")
    wrong = f"{scheme}://no_such_user_x@{rest.split('@', 1)[1]}"
    done = subprocess.run(
        [*CLI, "status"],
        cwd=REPO,
        env=cli_env(wrong),
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert "недоступна" in done.stderr
    assert "no_such_user_x" in done.stderr  # the server's reason, with the URL's user hidden
    assert "Traceback" not in done.stderr
