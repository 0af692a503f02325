"""``resolute backup`` of a live SQLite database: taken while a tick writes, then restored."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from engine.ops.backup import backup_sqlite
from tests.cli import resolute

OWNERS = 600
NOW = "2023-10-13T09:00+03:00"  # the -7d reminder of the clause below is due
LEASE_GONE = "2023-10-13T09:10+03:00"  # the copy's claimed rows are free again (5 min lease)


def _workflow(folder: Path, owners: int = OWNERS) -> Path:
    folder.mkdir()
    people = "\n".join(f"  - {{id: p{i}, name: Участник {i}}}" for i in range(owners))
    members = ", ".join(f"p{i}" for i in range(owners))
    (folder / "roster.yaml").write_text(
        f"people:\n  - {{id: boss, name: Контролёр К.К.}}\n{people}\n"
        f"groups:\n  - id: all\n    members: [{members}]\n",
        encoding="utf-8",
    )
    (folder / "r.yaml").write_text(
        "resolution: {id: r-1, title: Т, number: '1', adopted: 2023-10-05,"
        " timezone: Europe/Moscow, controller: boss}\n"
        "clauses:\n  - {id: A.1, text: Сделать, owners: [all], deadline: 2023-10-20}\n",
        encoding="utf-8",
    )
    return folder


def _counts(path: Path) -> tuple[int, dict[str, int]]:
    conn = sqlite3.connect(path)
    try:
        tasks = conn.execute("SELECT count(*) FROM task").fetchone()[0]
        by_status = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
        return tasks, by_status
    finally:
        conn.close()


def test_a_backup_taken_while_a_tick_writes_restores_every_task_and_message(
    tmp_path: Path,
) -> None:
    db = tmp_path / "live.sqlite3"
    env = {"PATH": "/usr/bin:/bin", "RESOLUTE_DB_URL": f"sqlite://{db}"}
    resolute(env, "apply", str(_workflow(tmp_path / "wf")), "--now", NOW)

    tick = subprocess.Popen(  # the writer: enqueues every reminder, then records each one
        [str(Path(sys.executable).with_name("resolute")), "tick", "--now", NOW],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 50
        while _counts(db)[1].get("pending", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.005)  # until the tick has queued its messages and is recording them
        copy = tmp_path / "copy.sqlite3"
        made = backup_sqlite(env["RESOLUTE_DB_URL"], copy)  # what `resolute backup` runs
        during = tick.poll() is None
    finally:
        _, errors = tick.communicate(timeout=60)
    assert tick.returncode == 0, errors
    assert made.rows["task"] == OWNERS

    tasks, copied = _counts(copy)
    assert tasks == OWNERS  # every task
    assert sum(copied.values()) == OWNERS  # every message the tick had queued, none torn
    # taken after the tick queued its messages and before it exited (typically mid-recording:
    # some rows still pending or claimed in the copy)
    assert during, "the backup must be taken while the tick runs"

    # Restore: the copy becomes the database; the next tick finishes what was in flight,
    # and no message gets a second row.
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(copy, restored)
    env_restored = {**env, "RESOLUTE_DB_URL": f"sqlite://{restored}"}
    resolute(env_restored, "tick", "--now", LEASE_GONE)
    assert _counts(restored) == _counts(db) == (OWNERS, {"undeliverable": OWNERS})


def test_backup_refuses_to_overwrite_and_names_pg_dump_for_postgres(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite3"
    env = {"PATH": "/usr/bin:/bin", "RESOLUTE_DB_URL": f"sqlite://{db}"}
    resolute(env, "apply", str(_workflow(tmp_path / "wf", owners=2)), "--now", NOW)
    existing = tmp_path / "there.sqlite3"
    existing.write_bytes(b"keep me")
    made = resolute(env, "backup", str(tmp_path / "copy.sqlite3"))
    assert "Копия записана" in made.stdout
    assert "задач 2" in made.stdout
    assert "целостность проверена" in made.stdout
    refused = resolute(env, "backup", str(existing), expect=1)
    assert "уже существует" in refused.stderr
    assert existing.read_bytes() == b"keep me"
    assert not list(tmp_path.glob(".*.partial"))

    pg = {**env, "RESOLUTE_DB_URL": "postgres://u:hunter2@127.0.0.1:1/db"}
    refused = resolute(pg, "backup", str(tmp_path / "x"), expect=2)
    assert "pg_dump" in refused.stderr
    assert "hunter2" not in refused.stderr
