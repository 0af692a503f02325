"""Stored file names: a base name, NFC, no control characters, at most 255 bytes."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.file_names import FALLBACK, safe_name


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("отчёт.pdf", "отчёт.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\фото.jpg", "фото.jpg"),
        ("a\nb\x00c.txt", "a b c.txt"),
        ("", FALLBACK),
        (None, FALLBACK),
        ("...", FALLBACK),
    ],
)
def test_names_are_made_safe(sent: str | None, stored: str) -> None:
    assert safe_name(sent) == stored


def test_a_long_cyrillic_name_keeps_its_start_and_extension_within_255_bytes() -> None:
    name = "Отчёт " + "я" * 300 + ".docx"
    stored = safe_name(name)
    assert stored.startswith("Отчёт яя")
    assert stored.endswith("….docx")
    assert len(stored.encode()) <= 255


@given(st.text(max_size=1000))
def test_any_name_is_storable(name: str) -> None:
    stored = safe_name(name)
    assert 0 < len(stored.encode("utf-8")) <= 255
    assert "/" not in stored
    assert "\\" not in stored
    assert not any(unicodedata.category(c).startswith("C") for c in stored)
    assert safe_name(stored) == stored or stored.endswith("…")
