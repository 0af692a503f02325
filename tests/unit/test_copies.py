"""Channel-tagged message references: new ones round-trip, the untagged ones stored before
channels were told apart read as Telegram's, and nothing stored makes the reader raise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.channels.events import MessageRef
from engine.service import copies


@pytest.mark.parametrize(
    ("stored", "origin"),
    [
        ("telegram:111:5", ("telegram", MessageRef(111, "5"))),
        ("telegram:-1001234567890:5", ("telegram", MessageRef(-1001234567890, "5"))),
        ("max:111:mid.ab:cd", ("max", MessageRef(111, "mid.ab:cd"))),
        ("111:5", ("telegram", MessageRef(111, "5"))),  # Evidence.message_ref before 0011
        ([111, 5], ("telegram", MessageRef(111, "5"))),  # an outbox payload's pair before
        ("telegram:111:not-a-number", None),
        ("max:chat:5", None),
        ("111:", None),
        ([True, 5], None),
        ("", None),
        (None, None),
    ],
)
def test_a_stored_reference_reads_as_its_messenger_and_message(
    stored: object, origin: tuple[str, MessageRef] | None
) -> None:
    assert copies.origin_of(stored) == origin


def test_only_the_same_messengers_messages_are_copied() -> None:
    stored = ["telegram:111:5", [222, 6], "max:333:mid.1", "garbage"]
    assert copies.on("telegram", stored) == [MessageRef(111, "5"), MessageRef(222, "6")]
    assert copies.on("max", stored) == [MessageRef(333, "mid.1")]


@given(st.sampled_from(["telegram", "max"]), st.integers(-(10**15), 10**15), st.integers(1, 10**9))
def test_a_tagged_reference_round_trips(channel: str, chat: int, message: int) -> None:
    ref = MessageRef(chat, str(message))
    assert copies.origin_of(copies.tagged(channel, ref)) == (channel, ref)


@given(st.none() | st.text(max_size=80) | st.lists(st.integers() | st.text(max_size=5), max_size=3))
def test_reading_anything_stored_never_raises(stored: object) -> None:
    copies.origin_of(stored)
