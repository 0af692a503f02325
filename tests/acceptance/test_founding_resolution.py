"""Clause II.4 of the founding resolution through the command line, as an operator runs it.

The CLI runs as a separate process for every step (as cron or a shell would run it) against a
real database and the loopback Bot API; time is given with ``--now``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.workflow.catalog import load_catalog
from tests.conftest import REPO
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import SECRET, button_data, words

RESOLUTE = str(Path(sys.executable).with_name("resolute"))
WORKFLOWS = REPO / "workflows"
CATALOG = load_catalog([WORKFLOWS])
CHATS = {p.id: p.telegram for p in CATALOG.people.values() if p.telegram is not None}
II_4 = next(c for c in CATALOG.resolutions[0].clauses if c.id == "II.4")


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI().serving_in_thread() as fake:
        for chat in CHATS.values():
            fake.add_chat(chat)
        yield fake


def resolute(env: dict[str, str], *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [RESOLUTE, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == expect, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def ii_4_messages(api: FakeBotAPI, owner: str) -> list[str]:
    return [m.plain_text for m in api.messages_to(CHATS[owner]) if "пункте II.4" in m.plain_text]


def statuses(env: dict[str, str], now: str) -> dict[str, dict[str, object]]:
    rows = json.loads(resolute(env, "status", "--json", "--now", now).stdout)
    return {str(r["owner"]): r for r in rows if r["clause"] == "II.4"}


@pytest.mark.timeout(240)  # about 20 CLI processes, each starting Python afresh
def test_clause_ii_4_reminded_confirmed_never_duplicated_forgery_refused(
    api: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "RESOLUTE_DB_URL": db_url,
        "RESOLUTE_TELEGRAM_TOKEN": api.token,
        "RESOLUTE_TELEGRAM_API_URL": api.url,
        "RESOLUTE_SECRET": SECRET,
    }
    owners = list(II_4.owners)
    assert owners, "II.4 is addressed to the Committee"
    assert all(o in CHATS for o in owners), "every committee member has Telegram in the roster"

    resolute(env, "validate", str(WORKFLOWS))
    applied = resolute(env, "apply", str(WORKFLOWS), "--now", "2023-10-05T18:00+03:00")
    assert f"II.4 × {len(owners)}" in applied.stdout
    assert (
        "Изменений нет"
        in resolute(env, "apply", str(WORKFLOWS), "--now", "2023-10-05T18:00+03:00").stdout
    )

    # 12 October: nothing is due yet. 13 October 09:00 Moscow: the -7d reminder.
    resolute(env, "tick", "--now", "2023-10-12T09:00+03:00")
    assert all(ii_4_messages(api, o) == [] for o in owners)
    resolute(env, "tick", "--now", "2023-10-13T09:00+03:00")
    for _ in range(2):  # repeated ticks at the same moment send nothing more
        resolute(env, "tick", "--now", "2023-10-13T09:00+03:00")
    for owner in owners:
        [text] = ii_4_messages(api, owner)
        assert "до срока 7 дней" in text
        assert "20 октября 2023 г." in text
        assert "ВКонтакте" in text

    # 17 October: the clause's own -3d reminder.
    resolute(env, "tick", "--now", "2023-10-17T09:00+03:00")
    assert all(len(ii_4_messages(api, o)) == 2 for o in owners)

    # The first owner confirms with the button; a forged press on another's task is refused.
    confirmer, other = owners[0], owners[1]
    reminder = next(
        m for m in reversed(api.messages_to(CHATS[confirmer])) if "пункте II.4" in m.plain_text
    )
    genuine = button_data(reminder)
    other_reminder = next(
        m for m in reversed(api.messages_to(CHATS[other])) if "пункте II.4" in m.plain_text
    )
    action, _, mac = genuine.split(":")
    other_task = button_data(other_reminder).split(":")[1]
    api.press_button(CHATS[confirmer], reminder.message_id, f"{action}:{other_task}:{mac}")
    api.press_button(
        CHATS[other],
        other_reminder.message_id,
        button_data(other_reminder),
        from_user_id=CHATS[confirmer],
    )
    api.press_button(CHATS[confirmer], reminder.message_id, genuine)
    resolute(env, "tick", "--now", "2023-10-17T10:00+03:00")
    answers = [a.text for a in api.callback_answers]
    assert answers == [words("presses.forged"), words("presses.foreign"), words("confirm.reported")]

    state = statuses(env, "2023-10-17T10:00+03:00")
    assert state[confirmer]["state"] == "reported"
    assert {state[o]["state"] for o in owners[1:]} == {"open"}

    # -1d and 0d reach only those who have not confirmed.
    resolute(env, "tick", "--now", "2023-10-19T09:00+03:00")
    resolute(env, "tick", "--now", "2023-10-20T09:00+03:00")
    resolute(env, "tick", "--now", "2023-10-20T09:00+03:00")
    assert len(ii_4_messages(api, confirmer)) == 2
    for owner in owners[1:]:
        texts = ii_4_messages(api, owner)
        assert len(texts) == 4
        assert "срок завтра" in texts[2]
        assert "Сегодня последний день срока" in texts[3]

    # 21 October: overdue for the rest (escalation is the controller digest's job), no reminder.
    resolute(env, "tick", "--now", "2023-10-21T09:00+03:00")
    assert all(len(ii_4_messages(api, o)) == 4 for o in owners[1:])
    state = statuses(env, "2023-10-21T09:00+03:00")
    assert state[confirmer]["overdue"] is False
    assert all(state[o]["overdue"] is True for o in owners[1:])
    assert all(state[o]["deadline"] == "2023-10-20" for o in owners)

    # No chat ever received the same text twice.
    texts = [(m.chat_id, m.text) for m in api.sent]
    assert len(texts) == len(set(texts))


def test_bad_input_gets_a_message_and_an_exit_code_not_a_traceback(
    db_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "RESOLUTE_DB_URL": db_url}
    broken = tmp_path / "broken.yaml"
    broken.write_text("resolution:\n  id: x\n  title: [unclosed\n", encoding="utf-8")
    result = resolute(env, "validate", str(broken), expect=1)
    assert f"{broken}:3:10: некорректный YAML" in result.stderr  # where the bracket opens
    result = resolute(env, "apply", str(broken), expect=1)
    assert "Найдено ошибок: 1" in result.stderr
    result = resolute(env, "tick", "--now", "yesterday", expect=2)
    assert "ISO 8601" in result.stderr
    result = resolute(env, "validate", str(tmp_path / "missing.yaml"), expect=1)
    assert "не найдены" in result.stderr


def test_missing_secret_and_unreachable_database_are_explained(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RESOLUTE_")}
    no_secret = {
        **base,
        "RESOLUTE_DB_URL": f"sqlite://{tmp_path / 'x.sqlite3'}",
        "RESOLUTE_TELEGRAM_TOKEN": "123456:TEST",
    }
    result = resolute(no_secret, "tick", "--now", "2023-10-13T09:00+03:00", expect=2)
    assert "RESOLUTE_SECRET" in result.stderr
    down = {**base, "RESOLUTE_DB_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = resolute(down, "status", expect=3)
    assert "недоступна" in result.stderr
    assert "nobody" not in result.stderr  # credentials are not echoed


def test_a_dry_run_on_a_new_database_creates_no_file(tmp_path: Path) -> None:
    database = tmp_path / "new.sqlite3"
    env = {**os.environ, "RESOLUTE_DB_URL": f"sqlite://{database}"}
    result = resolute(env, "apply", str(WORKFLOWS), "--dry-run")
    assert "Будет изменено (ничего не записано):" in result.stdout
    assert f"II.4 × {len(II_4.owners)}" in result.stdout
    assert not database.exists()
