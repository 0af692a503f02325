"""Cutting a rendered digest into Telegram-sized parts (engine.service.digests.split_message).

Contract: cuts at line boundaries into parts of at most ``limit`` characters; every part is
non-empty; joining the parts with "\\n" gives the original text back, when no single line exceeds
the limit. A single overlong line is cut into pieces of ``limit`` characters.
"""

from __future__ import annotations

import itertools

import pytest

from engine.channels.telegram_text import TELEGRAM_LIMIT, split_message


def check_contract(text: str, limit: int, parts: list[str]) -> None:
    assert all(0 < len(p) <= limit for p in parts), parts
    assert "\n".join(parts) == text, parts


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("abc", 10, ["abc"], id="short-one-line"),
        pytest.param("abc\nde", 6, ["abc\nde"], id="exactly-at-limit-one-part"),
        pytest.param("abc\nde", 5, ["abc", "de"], id="one-over-limit-splits"),
        pytest.param("abcde", 5, ["abcde"], id="single-line-exactly-limit"),
        pytest.param("ab\ncd\nef", 5, ["ab\ncd", "ef"], id="greedy-fills-first-part"),
        pytest.param("ab\ncd\nef\ngh", 5, ["ab\ncd", "ef\ngh"], id="two-full-parts"),
        pytest.param("a\n\nb", 10, ["a\n\nb"], id="empty-line-inside-part"),
        pytest.param("a\n\n\nb", 3, ["a\n\n", "b"], id="empty-lines-end-a-part"),
        pytest.param("abc\n\nxyz", 5, ["abc\n", "xyz"], id="empty-line-kept-at-cut"),
        pytest.param("abc\n", 10, ["abc\n"], id="trailing-newline-kept"),
        pytest.param("", 10, [], id="empty-text-no-parts"),
        pytest.param("\n\n", 10, [], id="blank-text-no-parts"),
    ],
)
def test_split_message_table(text: str, limit: int, expected: list[str]) -> None:
    parts = split_message(text, limit)
    assert parts == expected
    if parts:
        check_contract(text, limit, parts)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("x" * 10, 4, ["xxxx", "xxxx", "xx"], id="overlong-alone"),
        pytest.param("x" * 8, 4, ["xxxx", "xxxx"], id="overlong-exact-multiple"),
        pytest.param("x" * 5, 4, ["xxxx", "x"], id="one-char-over"),
        pytest.param(
            "ab\n" + "x" * 10 + "\ncd", 4, ["ab", "xxxx", "xxxx", "xx", "cd"], id="overlong-middle"
        ),
        pytest.param("x" * 8 + "\nab", 4, ["xxxx", "xxxx", "ab"], id="overlong-then-line"),
        pytest.param("x" * 6 + "\na", 4, ["xxxx", "xx\na"], id="remainder-joins-next-line"),
    ],
)
def test_single_overlong_line_is_cut(text: str, limit: int, expected: list[str]) -> None:
    parts = split_message(text, limit)
    assert parts == expected
    assert all(0 < len(p) <= limit for p in parts)
    # no character is lost: the pieces hold the text with only newlines moved
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


@pytest.mark.parametrize("limit", [pytest.param(n, id=f"limit-{n}") for n in (1, 2, 3, 5, 8)])
def test_round_trip_for_all_small_texts_of_non_empty_lines(limit: int) -> None:
    """Every text of 1..4 non-empty lines of length 1..limit: the contract holds."""
    for count in range(1, 5):
        for lengths in itertools.product(range(1, limit + 1), repeat=count):
            text = "\n".join(chr(ord("a") + i) * n for i, n in enumerate(lengths))
            check_contract(text, limit, split_message(text, limit))


def test_a_long_digest_at_the_telegram_limit() -> None:
    lines = [f"<b>II.{i}</b> Пункт номер {i}: " + "текст " * (i % 40) for i in range(600)]
    text = "\n".join(lines)
    parts = split_message(text, TELEGRAM_LIMIT)
    assert len(parts) > 1
    check_contract(text, TELEGRAM_LIMIT, parts)
    # every tag pair stays in one part: each part starts at the beginning of a line
    assert all(p.startswith("<b>") for p in parts)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        pytest.param("abcd\n\nxy", 4, id="empty-line-after-cut"),
        pytest.param("abcd\n\n\nxy", 4, id="two-empty-lines-after-cut"),
        pytest.param("\nabc", 10, id="leading-empty-line"),
    ],
)
def test_empty_line_at_a_cut_survives(text: str, limit: int) -> None:
    # a valid answer exists, e.g. ["abcd", "\nxy"]; the code gives ["abcd", "xy"]
    check_contract(text, limit, split_message(text, limit))
