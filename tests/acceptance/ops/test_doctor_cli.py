"""``resolute doctor`` as a command: exit 0 when every check passes, 1 when one fails."""

from __future__ import annotations

from pathlib import Path

from tests.cli import resolute
from tests.helpers import write_workflow


def test_doctor_exit_codes(tmp_path: Path) -> None:
    folder = write_workflow(tmp_path / "wf")
    env = {"PATH": "/usr/bin:/bin", "RESOLUTE_DB_URL": f"sqlite://{tmp_path / 'r.sqlite3'}"}
    missing = resolute(env, "doctor", str(folder), expect=1)
    assert "✗ База данных" in missing.stdout
    assert "resolute apply workflows" in missing.stdout
    resolute(env, "apply", str(folder), "--now", "2023-10-06T10:00+03:00")
    fine = resolute(env, "doctor", str(folder))
    assert "Все проверки пройдены (9)." in fine.stdout  # Telegram, MAX, SMTP, IMAP among them
    bad = resolute(
        {**env, "RESOLUTE_SMTP_HOST": "mail.example.org"}, "doctor", str(folder), expect=1
    )
    assert "✗ Настройки: RESOLUTE_SMTP_FROM обязателен" in bad.stdout
