"""``resolute run`` as a real process: it sends what is due, answers a button press while
running, and stops cleanly on SIGTERM. The clock here is the real one (a service has no --now),
so the workflow's deadline is set relative to today."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import SECRET, button_data

RESOLUTE = str(Path(sys.executable).with_name("resolute"))


def test_run_sends_answers_a_press_and_stops_on_sigterm(db_url: str, tmp_path: Path) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).date()
    deadline = today + timedelta(days=7)
    (tmp_path / "w.yaml").write_text(
        "people:\n"
        "  - {id: ivanov, name: Иванов И.И., telegram: 111}\n"
        "  - {id: boss, name: Контролёр, telegram: 999}\n"
        f"resolution: {{id: r, title: Т, number: '1', adopted: {today - timedelta(days=30)},"
        " controller: boss}\n"
        # remind_at 00:00 and no quiet hours: the -7d reminder is due as soon as the service starts
        "policy: {remind: [-7d], remind_at: '00:00', quiet_hours: none}\n"
        "clauses:\n"
        f"  - {{id: '1', text: Сделать, owners: [ivanov], deadline: {deadline}}}\n",
        encoding="utf-8",
    )
    with FakeBotAPI().serving_in_thread() as api:
        api.add_chat(111)
        api.add_chat(999)
        env = {
            **os.environ,
            "RESOLUTE_DB_URL": db_url,
            "RESOLUTE_TELEGRAM_TOKEN": api.token,
            "RESOLUTE_TELEGRAM_API_URL": api.url,
            "RESOLUTE_SECRET": SECRET,
            "RESOLUTE_RUN_INTERVAL_S": "0.5",
        }
        subprocess.run([RESOLUTE, "apply", str(tmp_path)], env=env, check=True, capture_output=True)
        service = subprocess.Popen(
            [RESOLUTE, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            api.wait_for(lambda: len(api.messages_to(111)) == 1, timeout_s=20)
            reminder = api.messages_to(111)[0]
            assert "до срока 7 дней" in reminder.plain_text
            api.press_button(111, reminder.message_id, button_data(reminder))
            api.wait_for(lambda: len(api.callback_answers) == 1, timeout_s=20)
            assert (
                api.callback_answers[0].text == "Спасибо! Отметка о выполнении передана контролёру."
            )
            # The report reaches the controller with the decision buttons, while running.
            api.wait_for(
                lambda: any("Отчёт об исполнении" in m.plain_text for m in api.messages_to(999)),
                timeout_s=20,
            )
        finally:
            service.send_signal(signal.SIGTERM)
            out, err = service.communicate(timeout=30)
        assert service.returncode == 0, err
        assert "Traceback" not in err
        assert "Служба остановлена." in out
        assert "run.started" in err
        assert len(api.messages_to(111)) == 1  # many passes, still one reminder
        assert [c["command"] for c in api.commands()] == ["tasks", "cancel", "help"]
        scope = {"type": "chat", "chat_id": 999}  # the controller's own menu
        assert [c["command"] for c in api.commands(scope)] == [
            "tasks",
            "status",
            "report",
            "cancel",
            "help",
        ]
