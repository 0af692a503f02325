"""MAX inline keyboards, within the platform's limits by construction.

Limits (docs and OpenAPI ``Button``/``CallbackButton``): at most 210 buttons, 30 rows, 7 buttons a
row; a button's text 1–128 characters; a callback payload at most 1,024 characters. A row
longer than 7 is wrapped onto the next rows, an overlong text is shortened with "…", an empty
one gets a dot. What cannot be fixed without losing meaning (too many buttons or rows, an
overlong payload) raises KeyboardTooLarge: the caller made a keyboard no one can use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_BUTTONS = 210
MAX_ROWS = 30
MAX_PER_ROW = 7
MAX_TEXT = 128
MAX_PAYLOAD = 1024


class KeyboardTooLarge(ValueError):
    """A keyboard over MAX's limits that cannot be cut down without losing buttons."""


def button_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return "·"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def inline_keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> dict[str, Any] | None:
    """The ``inline_keyboard`` attachment for rows of (text, callback payload); None for none.

    The one place buttons become MAX's wire format: whoever signs the payload does it before."""
    wrapped: list[list[dict[str, str]]] = []
    for row in rows:
        buttons = [_callback(text, payload) for text, payload in row]
        wrapped.extend(buttons[i : i + MAX_PER_ROW] for i in range(0, len(buttons), MAX_PER_ROW))
    if not wrapped:
        return None
    count = sum(len(row) for row in wrapped)
    if count > MAX_BUTTONS or len(wrapped) > MAX_ROWS:
        raise KeyboardTooLarge(
            f"{count} buttons in {len(wrapped)} rows (MAX takes {MAX_BUTTONS} in {MAX_ROWS})"
        )
    return {"type": "inline_keyboard", "payload": {"buttons": wrapped}}


def _callback(text: str, payload: str) -> dict[str, str]:
    if not payload or len(payload) > MAX_PAYLOAD:
        raise KeyboardTooLarge(f"a button's payload of {len(payload)} characters (1–1024)")
    return {"type": "callback", "text": button_text(text), "payload": payload}
