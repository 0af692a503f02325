"""``run`` and ``tick`` as real processes, at INFO and at DEBUG, with a Telegram token, SMTP and
IMAP passwords and RESOLUTE_SECRET all known to the test: none of them appears anywhere in what
the processes print (stdout, stderr, every log line), while they do send through every channel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeIMAP, FakeSMTP

RESOLUTE = str(Path(sys.executable).with_name("resolute"))
TOKEN = "987654321:AAH-known-token-Zq8xW3vT0pLmN5sK2jR7"
SMTP_PASSWORD = "smtp-pass-Qw3rty!9"
IMAP_PASSWORD = "imap-pass-Zx8cvB#2"
SECRET = "resolute-secret-Kj4hG7fD1sA0"
SECRETS = (TOKEN, TOKEN.split(":", 1)[1], SMTP_PASSWORD, IMAP_PASSWORD, SECRET)


def workflow(folder: Path) -> Path:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).date()
    (folder / "w.yaml").write_text(
        "people:\n"
        "  - {id: ivanov, name: Иванов И.И., telegram: 111}\n"
        "  - {id: sidorov, name: Сидоров С.С., email: sidorov@example.org}\n"
        "  - {id: boss, name: Контролёр, telegram: 999}\n"
        f"resolution: {{id: r, title: Т, number: '1', adopted: {today - timedelta(days=30)},"
        " controller: boss}\n"
        "policy: {remind: [-7d], remind_at: '00:00', quiet_hours: none}\n"
        "clauses:\n"
        f"  - {{id: '1', text: Сделать, owners: [ivanov, sidorov], "
        f"deadline: {today + timedelta(days=7)}}}\n",
        encoding="utf-8",
    )
    return folder


def assert_no_secret(*outputs: str) -> None:
    text = "\n".join(outputs)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} printed"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
@pytest.mark.parametrize("command", ["tick", "run"])
def test_no_secret_in_any_output(tmp_path: Path, level: str, command: str) -> None:
    with (
        FakeBotAPI(token=TOKEN).serving_in_thread() as api,
        FakeSMTP(auth=("robot", SMTP_PASSWORD)) as smtp,
        FakeIMAP(password=IMAP_PASSWORD) as imap,
    ):
        api.add_chat(111)
        api.add_chat(999)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESOLUTE_")} | {
            "RESOLUTE_DB_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
            "RESOLUTE_LOG_LEVEL": level,
            "RESOLUTE_TELEGRAM_TOKEN": TOKEN,
            "RESOLUTE_TELEGRAM_API_URL": api.url,
            "RESOLUTE_SECRET": SECRET,
            "RESOLUTE_SMTP_HOST": smtp.host,
            "RESOLUTE_SMTP_PORT": str(smtp.port),
            "RESOLUTE_SMTP_SECURITY": "none",
            "RESOLUTE_SMTP_USERNAME": "robot",
            "RESOLUTE_SMTP_PASSWORD": SMTP_PASSWORD,
            "RESOLUTE_SMTP_FROM": "Контроль <robot@example.org>",
            "RESOLUTE_IMAP_HOST": imap.host,
            "RESOLUTE_IMAP_PORT": str(imap.port),
            "RESOLUTE_IMAP_SECURITY": "none",
            "RESOLUTE_IMAP_USERNAME": imap.user,
            "RESOLUTE_IMAP_PASSWORD": IMAP_PASSWORD,
            "RESOLUTE_RUN_INTERVAL_S": "0.5",
            "NO_COLOR": "1",
        }
        applied = subprocess.run(
            [RESOLUTE, "apply", str(workflow(tmp_path))],
            env=env,
            capture_output=True,
            text=True,
            timeout=50,
            check=False,
        )
        assert applied.returncode == 0, applied.stderr
        if command == "tick":
            done = subprocess.run(
                [RESOLUTE, "tick"], env=env, capture_output=True, text=True, timeout=50, check=False
            )
            out, err, code = done.stdout, done.stderr, done.returncode
        else:
            service = subprocess.Popen(
                [RESOLUTE, "run"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                api.wait_for(lambda: len(api.messages_to(111)) == 1, timeout_s=40)
                smtp.wait_for_messages(1, timeout=40)
            finally:
                service.send_signal(signal.SIGTERM)
                out, err = service.communicate(timeout=30)
            code = service.returncode
        assert code == 0, err
        assert len(api.messages_to(111)) == 1  # every channel was used: there was a token to leak
        assert len(smtp.received) == 1
        assert imap.port  # and the inbox was read with its password
    assert_no_secret(applied.stdout, applied.stderr, out, err)
    if level == "DEBUG":
        assert "DEBUG" in err  # the test looked at a verbose output, not an empty one
