"""Log lines: Russian words for a person, JSON for a program (engine/logs.py)."""

from __future__ import annotations

import json
import logging
import re

from engine.logs import EVENTS, JsonFormatter, RussianFormatter, configure, split_event
from tests.conftest import REPO


def record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("resolute.events", level, __file__, 1, message, None, None)


def test_a_refusal_reads_in_russian_and_keeps_its_name() -> None:
    line = RussianFormatter().format(record("callback.foreign user=9999 task=12 owner=ivanov"))
    assert line.endswith(
        "внимание: Отказ: кнопку чужого пункта нажал не исполнитель "
        "(пользователь=9999, задача=12, исполнитель=ivanov) [callback.foreign]"
    )
    assert "user=" not in line


def test_quoted_values_and_plain_words() -> None:
    event, fields, words = split_event("run.telegram_leader lost reason='lock connection broken'")
    assert (event, fields, words) == (
        "run.telegram_leader",
        [("reason", "'lock connection broken'")],
        "lost",
    )
    assert split_event("Что-то по-русски") == (None, [], "Что-то по-русски")


def test_json_is_one_object_with_the_event_and_its_fields() -> None:
    data = json.loads(JsonFormatter().format(record("message.sent key=r:1 channel=telegram")))
    assert data["event"] == "message.sent"
    assert data["fields"] == {"key": "r:1", "channel": "telegram"}
    assert data["level"] == "WARNING"


def test_every_event_the_code_logs_has_russian_words() -> None:
    """A new event name without a description would show as «Событие» at the terminal."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "engine").rglob("*.py"))
    names = set(
        re.findall(r'(?:event_line|refusal|record|log\.[a-z]+)\(\s*"([a-z_]+\.[a-z_]+)', source)
    )
    names |= {f"task.{state}" for state in ("reported", "done")}  # f"task.{state.value}"
    assert len(names) > 40
    assert sorted(names - EVENTS.keys()) == []


def test_russian_at_a_terminal_event_lines_elsewhere_json_on_request() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        for log_format, terminal, kind in [
            ("text", True, RussianFormatter),
            ("text", False, logging.Formatter),
            ("json", True, JsonFormatter),
        ]:
            configure("INFO", log_format, terminal=terminal)
            [handler] = root.handlers
            assert type(handler.formatter) is kind
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
