"""``RESOLUTE_LOG_FORMAT=json``: one JSON object per log line, for journald, Loki and friends.

resolute's log lines are ``event key=value …`` (``engine.audit.event_line``): the formatter
splits them into the event name and its fields, so ``jq 'select(.event == "message.failed")'``
works without regular expressions. A line that is not an event keeps its text as ``message``.
This module only formats: filters added to the handlers (e.g. secret masking) run before it.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

_EVENT = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)=")
_INT = re.compile(r"-?\d{1,18}")
_FLOAT = re.compile(r"-?\d+\.\d+")


def parse_event(message: str) -> tuple[str | None, dict[str, Any]]:
    """``"message.sent key=r:1 to=ivanov"`` → ``("message.sent", {"key": "r:1", "to": "ivanov"})``.

    Values quoted the way ``repr`` quotes a string are unquoted; whole numbers become ints.
    Text that is not ``event key=value …`` gives ``(None, {})``: nothing is guessed.
    """
    head, _, rest = message.partition(" ")
    if not _EVENT.fullmatch(head):
        return None, {}
    fields: dict[str, Any] = {}
    pos, extra = 0, []
    while pos < len(rest):
        if rest[pos] == " ":
            pos += 1
            continue
        key = _KEY.match(rest, pos)
        if key is None:  # a bare word ("run.telegram_leader acquired …"): keep it as text
            end = _word_end(rest, pos)
            extra.append(rest[pos:end])
            pos = end
            continue
        value, pos = _value(rest, key.end())
        fields[key.group(1)] = value
    if extra:
        fields.setdefault("detail", " ".join(extra))
    return head, fields


def _word_end(text: str, pos: int) -> int:
    end = text.find(" ", pos)
    return len(text) if end < 0 else end


def _value(text: str, pos: int) -> tuple[Any, int]:
    if pos < len(text) and text[pos] in "'\"":
        literal = _quoted_end(text, pos)
        if literal is not None:
            try:
                return ast.literal_eval(text[pos:literal]), literal
            except (ValueError, SyntaxError):
                pass
    end = _word_end(text, pos)
    raw = text[pos:end]
    if _INT.fullmatch(raw):
        return int(raw), end
    if _FLOAT.fullmatch(raw):
        return float(raw), end
    return raw, end


def _quoted_end(text: str, pos: int) -> int | None:
    """The index after the closing quote of a ``repr``-quoted string starting at ``pos``."""
    quote, i = text[pos], pos + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return None


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "event", "fields", "message"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event, fields = parse_event(message)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": event,
            "fields": fields,
            "message": message,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_json(root: logging.Logger | None = None) -> None:
    """Give every handler of the root logger the JSON formatter (filters stay as they are)."""
    for handler in (root or logging.getLogger()).handlers:
        handler.setFormatter(JsonFormatter())
