"""``simulate --show``: Telegram HTML as plain text in a terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from engine.ops.preview import telegram_plain


def test_tags_go_entities_decode_quotes_indent() -> None:
    source = "⏰ <b>Срок</b> &amp; <i>дата</i>\n<blockquote>Пункт &lt;1&gt;\nвторая</blockquote>"
    assert telegram_plain(source) == "⏰ Срок & дата\n│ Пункт <1>\n│ вторая"


@given(st.text(), st.sampled_from(["b", "i", "u", "s", "code"]))
def test_any_escaped_text_comes_back_as_it_was(text: str, tag: str) -> None:
    """What the templates write (autoescaped values inside Telegram's tags) reads back."""
    assert telegram_plain(f"<{tag}>{escape(text)}</{tag}>") == text
