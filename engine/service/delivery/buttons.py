"""Every place that builds or reads message buttons, in one small module: what an owner can do
under a reminder, and the buttons a composed notice keeps in its payload until it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.callbacks import Action, sign
from engine.channels.base import Button

Keyboard = Sequence[Button | Sequence[Button]]  # a Button is a row of its own


def reminder_buttons(secret: bytes, task_id: int) -> tuple[Button, ...]:
    """What an owner can do about an open task: under reminders, /tasks and returned reports."""
    return (
        Button("✅ Выполнено", sign(secret, Action.DONE, task_id)),
        Button("📎 Отправить отчёт", sign(secret, Action.REPORT, task_id)),
        Button("⏳ Нужна отсрочка", sign(secret, Action.EXTEND, task_id)),
    )


def keyboard_rows(buttons: Keyboard) -> list[list[Button]]:
    """A keyboard as rows of buttons (a lone Button is a row of its own)."""
    return [[b] if isinstance(b, Button) else list(b) for b in buttons]


def keyboard_to_payload(buttons: Keyboard) -> list[list[list[str]]]:
    """A keyboard as an outbox payload keeps it (JSON) until the message is sent."""
    return [[[b.text, b.data] for b in row] for row in keyboard_rows(buttons)]


def keyboard_from_payload(rows: Any) -> Keyboard:
    """The keyboard a payload kept (``keyboard_to_payload``); none when it kept none."""
    return tuple(tuple(Button(t, d) for t, d in row) for row in rows or ())
