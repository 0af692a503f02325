"""Ranges and character rules for workflow fields: what the engine's arithmetic, the database and
the mail headers can take.

A field that passes ``validate`` must never crash ``apply`` or ``tick`` later: a date near
9999-12-31 plus a reminder offset overflows ``date``, a chat id of 2^63 overflows the BIGINT
column, a bare-integer escalation of three million days overflows ``timedelta`` arithmetic. And
a newline in a name ends a mail header early (``Word:`` after it becomes a header of its own).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

DAYS_MAX = 3660  # ten years and a little: the furthest a reminder, escalation or deadline may be
DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2100, 12, 31)  # plus DAYS_MAX stays far inside ``date`` and ``--now`` (<= 2200)
CHAT_ID_MAX = 2**53  # Telegram: "at most 52 significant bits"; supergroups are -100…(13 digits)
RULE_MAX_CHARS = 200
RULE_NUMBER_MAX = 10_000  # INTERVAL and COUNT of an RRULE

_NAMES = {"\n": "перевод строки", "\r": "возврат каретки", "\t": "табуляция", "\x00": "NUL"}
_BREAKS = ("Zl", "Zp")  # U+2028, U+2029 end a line for str.splitlines and for mail readers


def check_days(days: int) -> int:
    if not -DAYS_MAX <= days <= DAYS_MAX:
        raise ValueError(f"срок {days} дн. вне допустимого: от -{DAYS_MAX} до {DAYS_MAX} дней")
    return days


def check_date(value: date) -> date:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(
            f"дата {value.isoformat()} вне допустимого: "
            f"от {DATE_MIN.isoformat()} до {DATE_MAX.isoformat()}"
        )
    return value


def check_chat_id(value: int | None) -> int | None:
    if value is not None and not (-CHAT_ID_MAX <= value <= CHAT_ID_MAX and value != 0):
        raise ValueError(
            "номер чата Telegram вне допустимого: ненулевое целое, по модулю не больше 2^53"
        )
    return value


def single_line(value: str) -> str:
    """Refuse any control character (C0, DEL, C1) and line or paragraph separators."""
    _refuse_controls(value, allowed="")
    return value


def multi_line(value: str) -> str:
    """Like :func:`single_line`, but newlines are kept: a clause text has paragraphs."""
    _refuse_controls(value, allowed="\n")
    return value


def _refuse_controls(value: str, allowed: str) -> None:
    for index, char in enumerate(value):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if category == "Cc" or category in _BREAKS:
            name = _NAMES.get(char) or unicodedata.name(char, "управляющий символ")
            where = "здесь допустим только перевод строки" if allowed else "нужна одна строка"
            raise ValueError(
                f"недопустимый символ U+{ord(char):04X} ({name}) в позиции {index + 1}: {where} "
                "без управляющих символов"
            )


def check_rule_text(value: Any) -> Any:
    """An RRULE string short enough, on one line, and with numbers the engine can count to."""
    if not isinstance(value, str) or not value.startswith("RRULE:"):
        return value
    if len(value) > RULE_MAX_CHARS:
        raise ValueError(f"правило RRULE длиннее {RULE_MAX_CHARS} символов")
    single_line(value)
    for part in value.removeprefix("RRULE:").split(";"):
        key, _, number = part.partition("=")
        if key in ("INTERVAL", "COUNT") and (
            not number.isdigit() or len(number) > 5 or not 0 < int(number) <= RULE_NUMBER_MAX
        ):
            raise ValueError(f"{key} в RRULE — целое число от 1 до {RULE_NUMBER_MAX}")
    return value


# JSON Schema patterns (ECMA-262) of the rules above, so that editors flag them as well.
SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
MULTI_LINE_PATTERN = "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
