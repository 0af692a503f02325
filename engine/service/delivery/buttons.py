"""Every place that builds or reads message buttons, in one small module: what an owner can do
under a reminder, and the buttons a composed notice keeps in its payload until it is sent.

Buttons are intents (``Button(text, Press)``); the messenger adapter signs them as it sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.callbacks import Action, Press
from engine.channels.base import Button

Keyboard = Sequence[Button | Sequence[Button]]  # a Button is a row of its own


def reminder_buttons(task_id: int) -> tuple[Button, ...]:
    """What an owner can do about an open task: under reminders, /tasks and returned reports."""
    return (
        Button("✅ Выполнено", Press(Action.DONE, task_id)),
        Button("📎 Отправить отчёт", Press(Action.REPORT, task_id)),
        Button("⏳ Нужна отсрочка", Press(Action.EXTEND, task_id)),
    )


def keyboard_rows(buttons: Keyboard) -> list[list[Button]]:
    """A keyboard as rows of buttons (a lone Button is a row of its own)."""
    return [[b] if isinstance(b, Button) else list(b) for b in buttons]


def keyboard_to_payload(buttons: Keyboard) -> list[list[list[object]]]:
    """A keyboard as an outbox payload keeps it (JSON) until the message is sent: intents."""
    return [[b.stored() for b in row] for row in keyboard_rows(buttons)]


def keyboard_from_payload(rows: Any) -> Keyboard:
    """The keyboard a payload kept: intents, or signed data as rows queued before intents were
    kept; a button that cannot be read is left out (the message goes without it)."""
    stored = (tuple(b for b in map(Button.from_stored, row) if b) for row in rows or ())
    return tuple(r for r in stored if r)
