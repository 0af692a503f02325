"""The JSON log formatter: event lines split into name and fields, one object per line."""

from __future__ import annotations

import json
import logging
import re
import string

from hypothesis import given
from hypothesis import strategies as st

from engine.audit import event_line
from engine.ops.logjson import JsonFormatter, parse_event

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
EVENTS = st.from_regex(r"[a-z][a-z_]{0,8}\.[a-z_]{1,12}", fullmatch=True)
BARE = st.text(alphabet=string.ascii_letters + string.digits + ":-_@/", min_size=1, max_size=20)


def _record(message: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("resolute.dispatch", level, __file__, 1, message, args, None)


def test_an_event_line_becomes_its_name_and_fields() -> None:
    line = event_line("message.failed", key="reminder:7:2023-10-20:-7d", reason=repr("403: нет"))
    assert parse_event(line) == (
        "message.failed",
        {"key": "reminder:7:2023-10-20:-7d", "reason": "403: нет"},
    )


def test_numbers_become_numbers_and_bare_words_are_kept() -> None:
    assert parse_event("run.pass enqueued=3 sent=2 after_s=1.5") == (
        "run.pass",
        {"enqueued": 3, "sent": 2, "after_s": 1.5},
    )
    assert parse_event("run.telegram_leader acquired backend_pid=42") == (
        "run.telegram_leader",
        {"backend_pid": 42, "detail": "acquired"},
    )


def test_text_that_is_not_an_event_is_left_alone() -> None:
    assert parse_event("Scheduler started") == (None, {})


def test_the_formatter_writes_one_object_with_level_time_and_logger() -> None:
    out = JsonFormatter().format(_record("message.sent key=%s to=%s", "r:1", "ivanov"))
    entry = json.loads(out)
    assert entry["event"] == "message.sent"
    assert entry["fields"] == {"key": "r:1", "to": "ivanov"}
    assert entry["level"] == "INFO"
    assert entry["logger"] == "resolute.dispatch"
    assert entry["time"].endswith("+00:00")


@given(EVENTS, st.dictionaries(KEYS, st.one_of(BARE, st.text(max_size=30)), max_size=6))
def test_event_lines_round_trip(event: str, fields: dict[str, str]) -> None:
    """What event_line writes (text with spaces or quotes as repr), parse_event reads back."""
    written = {k: v if v and set(v) <= BARE_CHARS else repr(v) for k, v in fields.items()}
    name, parsed = parse_event(event_line(event, **written))
    assert name == event
    expected = {k: int(v) if re.fullmatch(r"-?[0-9]{1,18}", v) else v for k, v in fields.items()}
    assert parsed == expected


BARE_CHARS = set(string.ascii_letters + string.digits + ":-_@/")


@given(st.text(max_size=200))
def test_any_message_gives_exactly_one_line_of_json(message: str) -> None:
    out = JsonFormatter().format(_record(message))
    assert "\n" not in out
    assert json.loads(out)["message"] == message
