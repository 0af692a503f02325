"""``RESOLUTE_LOG_FORMAT=json`` end to end: every stderr line of a tick is one JSON object."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import resolute
from tests.helpers import write_workflow


def test_a_tick_logs_one_json_object_per_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "RESOLUTE_DB_URL": f"sqlite://{tmp_path / 'r.sqlite3'}",
        "RESOLUTE_LOG_FORMAT": "json",
        "RESOLUTE_LOG_LEVEL": "INFO",
    }
    resolute(env, "apply", str(write_workflow(tmp_path / "wf")), "--now", "2023-10-06T10:00+03:00")
    result = resolute(env, "tick", "--now", "2023-10-13T09:00+03:00")
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert entries, "INFO must log the undeliverable reminders"
    undeliverable = [e for e in entries if e["event"] == "message.undeliverable"]
    assert {e["fields"]["to"] for e in undeliverable} == {"ivanov", "petrova", "sidorov"}
    assert all(e["level"] == "INFO" and e["logger"] == "resolute.dispatch" for e in undeliverable)

    refused = resolute({**env, "RESOLUTE_LOG_FORMAT": "xml"}, "tick", expect=2)
    assert "RESOLUTE_LOG_FORMAT" in refused.stderr
