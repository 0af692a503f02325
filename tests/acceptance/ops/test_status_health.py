"""``resolute status --health [--json]``: exit 0 while the service keeps up, 1 otherwise."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import timedelta
from pathlib import Path

from engine.ops.heartbeat import Beat, record_beat
from storage.db import database
from tests.cli import resolute
from tests.helpers import SECRET, at, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(env: dict[str, str], when: str, expect: int) -> dict[str, object]:
    result = resolute(env, "status", "--health", "--json", "--now", when, expect=expect)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_health_follows_the_heartbeat_and_the_backlog(db_url: str, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "RESOLUTE_DB_URL": db_url,
        # Telegram is configured but down: the tick queues the reminders, none goes out
        "RESOLUTE_TELEGRAM_TOKEN": "123456:SECRET-TOKEN-VALUE",
        "RESOLUTE_TELEGRAM_API_URL": f"http://127.0.0.1:{_closed_port()}",
        "RESOLUTE_TELEGRAM_TIMEOUT_S": "1",
        "RESOLUTE_SECRET": SECRET,
    }
    resolute(env, "apply", str(write_workflow(tmp_path / "wf")), "--now", "2023-10-06T10:00+03:00")
    resolute(env, "tick", "--now", MINUS_7.isoformat())

    async def beat() -> None:
        async with database(db_url):
            await record_beat(
                Beat("host-a:41", MINUS_7 - timedelta(hours=1), MINUS_7, 0.25, True, True)
            )

    asyncio.run(beat())
    fine = _health(env, (MINUS_7 + timedelta(minutes=1)).isoformat(), expect=0)
    assert fine["healthy"] is True
    assert fine["telegram_poller"] == "host-a:41"
    assert fine["mail_reader"] == "host-a:41"
    assert fine["backlog"] == {
        "due": 2,  # ivanov and petrova; sidorov's went nowhere (no e-mail configured)
        "oldest_due_at": MINUS_7.isoformat(),
        "oldest_age_s": 60.0,
    }

    late = _health(env, (MINUS_7 + timedelta(minutes=20)).isoformat(), expect=1)
    problems = " ".join(map(str, late["problems"]))  # type: ignore[call-overload]
    assert "Последний проход был 20 мин назад" in problems
    assert "старейшее ждёт 20 мин" in problems
    assert late["telegram_poller"] is None  # the poller's heartbeat is stale

    text = resolute(env, "status", "--health", "--now", MINUS_7.isoformat(), expect=0).stdout
    assert "✓ Служба работает." in text
    assert "SECRET-TOKEN-VALUE" not in text
