"""Message-IDs: keyed, stable across retries, bound to the recipient, within outbox.external_id."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from engine.mail_ids import is_legacy, message_id, sent_to

SECRET = b"0123456789abcdef-secret"
KEY = "reminder:42:2023-10-20:-7"


def test_stable_for_a_retry_and_different_per_recipient_and_secret() -> None:
    mid = message_id(SECRET, KEY, "sidorov@example.org", "robot@example.org")
    assert mid == message_id(SECRET, KEY, "Sidorov@EXAMPLE.org", "robot@example.org")
    assert mid != message_id(SECRET, KEY, "petrova@example.org", "robot@example.org")
    assert mid != message_id(
        b"another-secret-0123", KEY, "sidorov@example.org", "robot@example.org"
    )
    assert mid.startswith("<m.")
    assert mid.endswith("@example.org>")


def test_sent_to_recomputes_for_the_claimed_address_only() -> None:
    mid = message_id(SECRET, KEY, "sidorov@example.org", "robot@example.org")
    assert sent_to(SECRET, mid, KEY, "SIDOROV@example.org")
    assert not sent_to(SECRET, mid, KEY, "attacker@evil.example")
    assert not sent_to(SECRET, mid, "reminder:43:2023-10-20:-7", "sidorov@example.org")
    assert not sent_to(SECRET, mid.upper(), KEY, "sidorov@example.org")


def test_old_style_ids_are_recognised_and_never_sent_to_anyone() -> None:
    old = f"<r.{hashlib.sha256(KEY.encode()).hexdigest()[:20]}@example.org>"
    assert is_legacy(old, KEY)
    assert not is_legacy(message_id(SECRET, KEY, "a@b.c", "robot@example.org"), KEY)
    assert not sent_to(SECRET, old, KEY, "sidorov@example.org")


@given(st.text(max_size=200), st.text(max_size=100), st.text(max_size=300))
def test_ids_fit_the_outbox_column_and_carry_no_raw_key(key: str, to: str, sender: str) -> None:
    mid = message_id(SECRET, key, to, sender)
    assert len(mid) <= 64
    assert mid.isascii()
    assert " " not in mid
    assert sent_to(SECRET, mid, key, to)
