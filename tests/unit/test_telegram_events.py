"""Telegram's updates as the engine's events: what each kind of update means, and that no
update, however malformed, makes the translator raise."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.channels.events import (
    Attachment,
    Blocked,
    MessageRef,
    Pressed,
    Received,
    Started,
    Unreadable,
    Who,
    Wrote,
)
from engine.channels.telegram_events import read

USER = {"id": 111, "is_bot": False, "first_name": "Иван"}
PRIVATE = {"id": 111, "type": "private", "first_name": "Иван"}
GROUP = {"id": -100500, "type": "supergroup", "title": "Группа"}
WHO = Who("telegram", 111, 111)


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 7, "from": USER, "chat": PRIVATE, "date": 1_697_000_000, **fields}


def command(text: str, **fields: Any) -> dict[str, Any]:
    length = len(text.split()[0])
    entity = {"type": "bot_command", "offset": 0, "length": length}
    return message(text=text, entities=[entity], **fields)


def event_of(update: dict[str, Any]) -> object:
    received = read({"update_id": 5, **update})
    assert isinstance(received, Received), received
    assert received.channel == "telegram"
    assert received.update_id == "5"
    assert received.raw["update_id"] == 5
    return received.event


def test_a_button_press() -> None:
    update = {"callback_query": {"id": "42", "from": USER, "chat_instance": "1", "data": "d:1:x",
              "message": message(text="Напоминание")}}  # fmt: skip
    assert event_of(update) == Pressed(WHO, "42", "d:1:x", MessageRef(111, "7"))


def test_a_command_is_lower_case_without_the_bots_name_with_its_words() -> None:
    event = event_of({"message": command("/Tasks@resolute_bot все сразу")})
    assert isinstance(event, Wrote)
    assert (event.command, event.args) == ("/tasks", ("все", "сразу"))
    assert event.message == MessageRef(111, "7")
    assert event.private


def test_a_command_later_in_the_text_is_no_command() -> None:
    text = "см. /tasks"
    entity = {"type": "bot_command", "offset": 4, "length": 6}
    event = event_of({"message": message(text=text, entities=[entity])})
    assert isinstance(event, Wrote)
    assert event.command is None
    assert event.text == text


def test_start_with_a_token_in_the_dialog_with_the_bot() -> None:
    assert event_of({"message": command("/start abcDEF_123-xyz")}) == Started(WHO, "abcDEF_123-xyz")
    assert event_of({"message": command("/start")}) == Started(WHO, None)


def test_start_in_a_group_is_a_message_from_the_group() -> None:
    event = event_of({"message": command("/start token", chat=GROUP)})
    assert isinstance(event, Wrote)
    assert not event.private
    assert event.who == Who("telegram", 111, -100500)


def test_a_photo_with_a_caption_and_links_in_it() -> None:
    caption = "Отчёт: https://example.org и сайт"
    update = message(
        photo=[
            {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": "large", "file_unique_id": "l", "width": 900, "height": 900,
             "file_size": 12345},
        ],
        caption=caption,
        caption_entities=[
            {"type": "url", "offset": 7, "length": 19},
            {"type": "text_link", "offset": 29, "length": 4, "url": "https://site.example/"},
        ],
        media_group_id="album-1",
        reply_to_message=message(message_id=3, text="Напоминание"),
    )  # fmt: skip
    event = event_of({"message": update})
    assert isinstance(event, Wrote)
    assert event.text == caption
    assert event.attachments == (Attachment("photo", "large", None, "image/jpeg", 12345),)
    assert event.links == ("https://example.org", "https://site.example/")
    assert event.album == "album-1"
    assert event.reply_to == MessageRef(111, "3")


@pytest.mark.parametrize(
    ("field", "body", "expected"),
    [
        (
            "document",
            {"file_name": "акт.pdf", "mime_type": "application/pdf", "file_size": 10},
            Attachment("file", "f", "акт.pdf", "application/pdf", 10),
        ),
        ("voice", {"duration": 3}, Attachment("voice", "f", None, None, 0)),
        (
            "video",
            {"width": 1, "height": 1, "duration": 1, "mime_type": "video/mp4"},
            Attachment("video", "f", None, "video/mp4", 0),
        ),
        (
            "audio",
            {"duration": 1, "file_name": "a.mp3"},
            Attachment("audio", "f", "a.mp3", None, 0),
        ),
    ],
)
def test_a_file_of_each_kind(field: str, body: dict[str, Any], expected: Attachment) -> None:
    event = event_of(
        {"message": message(**{field: {"file_id": "f", "file_unique_id": "u", **body}})}
    )
    assert isinstance(event, Wrote)
    assert event.attachments == (expected,)


@pytest.mark.parametrize(("status", "blocked"), [("kicked", True), ("member", False)])
def test_blocking_and_unblocking_the_bot(status: str, blocked: bool) -> None:
    bot = {"id": 1, "is_bot": True, "first_name": "Бот"}
    until = {"until_date": 0} if status == "kicked" else {}
    update = {"my_chat_member": {
        "chat": PRIVATE, "from": USER, "date": 1_697_000_000,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": status, "user": bot, **until},
    }}  # fmt: skip
    assert event_of(update) == Blocked(WHO, blocked)


def test_a_message_without_a_sender_is_for_nobody() -> None:
    body = message(text="пост")
    del body["from"]
    assert event_of({"message": body}) is None


@pytest.mark.parametrize(
    "raw",
    [
        {"message": message(date=10**20)},
        {"update_id": "5", "message": message(text="x")},
        {"message": {**message(text="x"), "chat": "a chat of a kind not known yet"}},
        [1, 2],
        "garbage",
    ],
)
def test_what_cannot_be_read_is_unreadable(raw: object) -> None:
    if isinstance(raw, dict) and "update_id" not in raw:
        raw = {"update_id": 9, **raw}
    assert isinstance(read(raw), Unreadable)


# --- property: arbitrary Update-shaped JSON never raises ----------------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_SHAPES = {
    "message": command("/start token", reply_to_message=message(text="x"), caption="c",
                       photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]),
    "callback_query": {"id": "1", "from": USER, "chat_instance": "1", "data": "d",
                       "message": message(text="x")},
    "my_chat_member": {"chat": PRIVATE, "from": USER, "date": 1, "old_chat_member":
                       {"status": "member", "user": USER}, "new_chat_member":
                       {"status": "kicked", "user": USER, "until_date": 0}},
}  # fmt: skip


@st.composite
def _updates(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(sorted(_SHAPES)))
    body = copy.deepcopy(_SHAPES[kind])
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=4, unique=True)):
        body[name] = draw(_json)
    nested = body.get("message") if kind != "message" else body
    if isinstance(nested, dict) and draw(st.booleans()):
        nested[draw(st.sampled_from(["entities", "text", "chat", "from", "photo"]))] = draw(_json)
    update: dict[str, object] = {kind: body}
    update["update_id"] = draw(st.integers(min_value=-(10**20), max_value=10**20) | _json)
    return update if draw(st.integers(0, 9)) else draw(_json)


@given(_updates())
def test_any_update_shaped_json_reads_without_raising(raw: object) -> None:
    result = read(raw)
    assert isinstance(result, Received | Unreadable)
    if isinstance(result, Received):
        assert result.update_id.lstrip("-").isdigit()
