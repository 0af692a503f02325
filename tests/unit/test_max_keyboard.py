"""MAX keyboards stay within the platform's limits by construction, and the error mapping."""

from __future__ import annotations

import pytest

from engine.channels.base import ChannelUnavailable, DeliveryError
from engine.channels.max.client import MaxApiError
from engine.channels.max.errors import delivery_error, is_content_error
from engine.channels.max.keyboard import KeyboardTooLarge, inline_keyboard


def test_rows_wrap_at_seven_and_texts_fit() -> None:
    row = [(f"Кнопка {i}", f"p{i}") for i in range(16)]
    keyboard = inline_keyboard([row, [("  ", "x"), ("д" * 300, "y")]])
    assert keyboard is not None
    rows = keyboard["payload"]["buttons"]
    assert [len(r) for r in rows] == [7, 7, 2, 2]
    assert rows[0][0] == {"type": "callback", "text": "Кнопка 0", "payload": "p0"}
    assert rows[3][0]["text"] == "·"
    assert len(rows[3][1]["text"]) == 128
    assert rows[3][1]["text"].endswith("…")


def test_no_buttons_is_no_keyboard() -> None:
    assert inline_keyboard([]) is None
    assert inline_keyboard([[]]) is None


def test_what_cannot_be_cut_down_is_refused() -> None:
    inline_keyboard([[("a", "p")]] * 30)  # 30 rows: the limit itself
    with pytest.raises(KeyboardTooLarge):
        inline_keyboard([[("a", "p")]] * 31)
    with pytest.raises(KeyboardTooLarge):
        inline_keyboard([[("a", "p")] * 7] * 30 + [[("a", "p")]])  # 211 buttons
    inline_keyboard([[("a", "p" * 1024)]])
    with pytest.raises(KeyboardTooLarge):
        inline_keyboard([[("a", "p" * 1025)]])
    with pytest.raises(KeyboardTooLarge):
        inline_keyboard([[("a", "")]])


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MaxApiError(401, "verify.token", "Invalid access_token"), "unavailable"),
        (MaxApiError(429, "too.many.requests", "", retry_after_s=7), "retry 7.0"),
        (MaxApiError(429, "", ""), "retry 1.0"),
        (MaxApiError(503, "", ""), "retry None"),
        (MaxApiError(0, "timeout", "no answer"), "retry None"),
        (MaxApiError(200, "unreadable.response", ""), "retry None"),
        (MaxApiError(400, "attachment.not.ready", ""), "retry None"),
        (MaxApiError(403, "chat.denied", ""), "unreachable"),
        (MaxApiError(404, "chat.not.found", ""), "unreachable"),
        (MaxApiError(400, "proto.payload", "text too long"), "content"),
        (MaxApiError(405, "method.not.allowed", ""), "permanent"),
    ],
)
def test_error_mapping(error: MaxApiError, expected: str) -> None:
    mapped = delivery_error(error)
    if expected == "unavailable":
        assert isinstance(mapped, ChannelUnavailable)
        return
    assert isinstance(mapped, DeliveryError)
    kind, _, retry = expected.partition(" ")
    assert mapped.permanent is (kind != "retry")
    assert mapped.recipient_unreachable is (kind == "unreachable")
    assert mapped.content_rejected is (kind == "content")
    assert is_content_error(error) is (kind == "content")
    if kind == "retry":
        assert str(mapped.retry_after_s) == retry
