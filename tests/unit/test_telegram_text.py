"""Cutting Telegram HTML into accepted messages: properties over generated markup."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from engine.channels.telegram_text import TELEGRAM_LIMIT, plain_text, split_message, utf16_len
from tests.fakes.bot_api import parse_telegram_html
from tests.fakes.bot_api import utf16_len as fake_utf16_len

_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n<>&😀"),
    max_size=40,
).map(html.escape)


def _wrapped(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Inner markup in one more tag, or several side by side."""
    return st.one_of(
        inner,
        st.tuples(st.sampled_from(["b", "i", "u", "s", "code"]), inner).map(
            lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"
        ),
        inner.map(lambda x: f'<a href="https://example.org/x?a=1&amp;b=2">{x}</a>'),
        st.lists(inner, min_size=2, max_size=4).map("".join),
    )


# Tags nest at most three deep, as in our templates: what a cut must repeat stays small.
_markup = st.lists(_wrapped(_wrapped(_wrapped(_text))), max_size=8).map("".join)


def _visible(source: str) -> str:
    return "".join(plain_text(source).split())


@given(source=_markup, limit=st.integers(min_value=200, max_value=800))
def test_every_part_is_valid_html_within_the_limit_and_nothing_is_lost(
    source: str, limit: int
) -> None:
    parts = split_message(source, limit)
    for part in parts:
        assert utf16_len(part) <= limit
        text, _ = parse_telegram_html(part)  # raises on what Telegram would refuse
        assert fake_utf16_len(text) <= limit
    assert "".join(_visible(p) for p in parts) == _visible(source)


@given(source=st.text(max_size=3000), limit=st.integers(min_value=1, max_value=300))
def test_plain_text_parts_keep_every_character(source: str, limit: int) -> None:
    parts = split_message(source, limit, markup=False)
    assert all(0 < utf16_len(p) <= limit for p in parts) or limit == 1
    assert "".join("".join(p.split()) for p in parts) == "".join(source.split())


def test_a_tag_open_across_a_cut_is_closed_and_reopened() -> None:
    source = "<b>" + "жирный текст " * 1000 + "</b>"
    parts = split_message(source)
    assert len(parts) > 1
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    parts = split_message("😀" * 3000)
    assert [utf16_len(p) for p in parts] == [4096, 6000 - 4096]


def test_an_entity_is_never_cut() -> None:
    parts = split_message("&amp;" * 2000)
    assert all(p.endswith("&amp;") for p in parts)
