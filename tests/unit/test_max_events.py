"""MAX updates in the engine's words: every shape of update, the derived ids, and the
property that nothing (arbitrary JSON, mutated updates, bytes) makes the translator raise."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.channels.events import (
    Attachment,
    Blocked,
    MessageRef,
    Pressed,
    Started,
    Unreadable,
    Who,
    Wrote,
)
from engine.channels.max.updates import Received, derive_id, translate, translate_body

USER, CHAT, BOT = 10001, -100000000, 10002  # a dialog's chat_id is not the user's id


def created(text: str = "Готово", **body: Any) -> dict[str, Any]:
    return {
        "update_type": "message_created",
        "timestamp": 1770679787821,
        "user_locale": "ru",
        "message": {
            "recipient": {"chat_id": CHAT, "chat_type": "dialog", "user_id": BOT},
            "timestamp": 1770679787821,
            "sender": {"user_id": USER, "first_name": "Иван", "is_bot": False},
            "body": {"mid": "mid.0000000008a53b9b", "seq": 116043270574650336, "text": text} | body,
        },
    }


CALLBACK = {
    "update_type": "message_callback",
    "timestamp": 1770679803383,
    "callback": {
        "timestamp": 1770679803383,
        "callback_id": "f9LHodD0cOJZOniECmtv",
        "payload": "done:II.4:sig",
        "user": {"user_id": USER, "first_name": "Иван", "is_bot": False},
    },
    "message": {
        "recipient": {"chat_id": CHAT, "chat_type": "dialog", "user_id": USER},
        "timestamp": 1770671779146,
        "sender": {"user_id": BOT, "is_bot": True},
        "body": {"mid": "mid.0000000008a53b9c", "seq": 1, "text": "Срок — завтра"},
    },
}


def event(raw: object) -> object:
    return translate(raw).event


def test_a_text_message_is_wrote_with_who_and_message() -> None:
    wrote = event(created("Сделано"))
    assert wrote == Wrote(
        Who("max", USER, CHAT),
        MessageRef(CHAT, "mid.0000000008a53b9b"),
        text="Сделано",
        private=True,
    )


def test_a_command_has_its_name_in_lower_case_and_its_words() -> None:
    wrote = event(created("/Tasks@resolute_bot все  срочные"))
    assert isinstance(wrote, Wrote)
    assert (wrote.command, wrote.args) == ("/tasks", ("все", "срочные"))
    assert isinstance(event(created("/")), Wrote)
    assert event(created("/")).command is None  # type: ignore[union-attr]


def test_links_come_from_the_text_and_from_link_markup_once_each() -> None:
    raw = created(
        "См. https://example.org/a?b=1, и отчёт",
        markup=[
            {"type": "link", "from": 20, "length": 5, "url": "https://example.org/report"},
            {"type": "strong", "from": 0, "length": 3},
            {"type": "link", "from": 0, "length": 3, "url": "https://example.org/a?b=1"},
        ],
    )
    wrote = event(raw)
    assert isinstance(wrote, Wrote)
    assert wrote.links == ("https://example.org/a?b=1", "https://example.org/report")


def test_attachments_become_references_the_platform_can_send_again() -> None:
    raw = created(
        "",
        attachments=[
            {"type": "image", "payload": {"photo_id": 1, "token": "img-tok", "url": "https://i/1"}},
            {"type": "file", "payload": {"token": "file-tok"}, "filename": "акт.pdf", "size": 900},
            {"type": "video", "payload": {"token": "vid-tok"}},
            {"type": "audio", "payload": {"url": "https://a/1"}},
            {"type": "inline_keyboard", "payload": {"buttons": []}},
            {"type": "sticker", "payload": {"code": "x"}},
            {"type": "share", "payload": {"url": "https://shared.example/"}},
            "garbage",
        ],
    )
    wrote = event(raw)
    assert isinstance(wrote, Wrote)
    assert wrote.attachments == (
        Attachment("photo", "img-tok"),
        Attachment("file", "file-tok", file_name="акт.pdf", size=900),
        Attachment("video", "vid-tok"),
        Attachment("audio", "https://a/1"),
    )
    assert wrote.links == ("https://shared.example/",)


def test_a_reply_points_at_the_message_it_answers() -> None:
    raw = created("ответ")
    raw["message"]["link"] = {"type": "reply", "chat_id": CHAT, "message": {"mid": "mid.1"}}
    assert event(raw).reply_to == MessageRef(CHAT, "mid.1")  # type: ignore[union-attr]
    raw["message"]["link"] = {"type": "forward", "message": {"mid": "mid.2"}}
    assert event(raw).reply_to is None  # type: ignore[union-attr]


def test_a_group_chat_is_not_private_and_a_bots_message_is_not_read() -> None:
    raw = created("всем")
    raw["message"]["recipient"]["chat_type"] = "chat"
    assert event(raw).private is False  # type: ignore[union-attr]
    raw["message"]["sender"]["is_bot"] = True
    assert isinstance(event(raw), Unreadable)


def test_a_press_carries_its_callback_id_payload_and_message() -> None:
    assert event(CALLBACK) == Pressed(
        Who("max", USER, CHAT),
        "f9LHodD0cOJZOniECmtv",
        "done:II.4:sig",
        MessageRef(CHAT, "mid.0000000008a53b9c"),
    )
    no_message = copy.deepcopy(CALLBACK) | {"message": None}
    assert isinstance(event(no_message), Unreadable)


def test_bot_started_with_and_without_a_payload_and_bot_stopped() -> None:
    started = {
        "update_type": "bot_started",
        "timestamp": 1573226679188,
        "chat_id": CHAT,
        "user": {"user_id": USER, "name": "Boris"},
        "payload": "inv-abc",
    }
    assert event(started) == Started(Who("max", USER, CHAT), "inv-abc")
    assert event(started | {"payload": None}) == Started(Who("max", USER, CHAT), None)
    assert event(started | {"update_type": "bot_stopped"}) == Blocked(Who("max", USER, CHAT))


def test_ids_are_stable_and_derived_from_what_identifies_the_update() -> None:
    assert translate(created()).update_id == "message:mid.0000000008a53b9b"
    assert translate(CALLBACK).update_id == "callback:f9LHodD0cOJZOniECmtv"
    started = {"update_type": "bot_started", "timestamp": 5, "chat_id": 1, "user": {"user_id": 7}}
    assert translate(started).update_id == "bot_started:5:7"
    odd = {"something": [1, 2]}
    assert translate(odd).update_id == translate(json.loads(json.dumps(odd))).update_id
    assert translate(odd).update_id.startswith("raw:")
    assert translate(odd).update_id != translate({"something": [2, 1]}).update_id


def test_unknown_types_and_malformed_updates_are_unreadable_with_a_reason() -> None:
    unknown = translate({"update_type": "dialog_muted", "timestamp": 1, "chat_id": 1})
    assert isinstance(unknown.event, Unreadable)
    assert "dialog_muted" in unknown.event.reason
    assert unknown.event.update_id == unknown.update_id
    wrong = created()
    wrong["message"]["sender"]["user_id"] = "10001"
    assert isinstance(event(wrong), Unreadable)
    huge = created()
    huge["message"]["recipient"]["chat_id"] = 2**70
    assert isinstance(event(huge), Unreadable)
    flag = created()
    flag["message"]["sender"]["user_id"] = True
    assert isinstance(event(flag), Unreadable)


def test_bytes_that_are_not_json_are_unreadable_and_long_integers_are_kept_as_text() -> None:
    assert isinstance(translate_body(b"\xff{not json").event, Unreadable)
    long_id = b'{"update_type":"bot_started","timestamp":1,"chat_id":' + b"9" * 5000 + b"}"
    received = translate_body(long_id)
    assert isinstance(received.event, Unreadable)
    assert isinstance(translate_body(json.dumps(CALLBACK).encode()).event, Pressed)


# --- properties ----------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
_KEYS = st.sampled_from(
    ["update_type", "message", "body", "mid", "sender", "recipient", "chat_id", "user_id",
     "callback", "callback_id", "payload", "user", "text", "attachments", "markup", "link",
     "chat_type", "timestamp", "type", "token", "url", "filename", "size", "message_callback",
     "message_created", "bot_started", "bot_stopped"]
)  # fmt: skip


def _check(received: Received) -> None:
    assert isinstance(received, Received)
    assert isinstance(received.update_id, str)
    assert received.update_id
    assert isinstance(received.event, Wrote | Pressed | Started | Blocked | Unreadable)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_arbitrary_json_never_raises(raw: object) -> None:
    _check(translate(raw))
    assert derive_id(raw) == translate(raw).update_id


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, (*prefix, i))
    return found


_VALID = [
    created("/start https://x.org", markup=[{"type": "link", "url": "https://y.org"}]),
    CALLBACK,
    {"update_type": "bot_started", "timestamp": 1, "chat_id": CHAT, "user": {"user_id": USER}},
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_VALID), st.data())
def test_mutated_valid_updates_never_raise(base: dict[str, Any], data: st.DataObject) -> None:
    raw = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(raw)
        path = data.draw(st.sampled_from(paths))
        if not path:
            raw = data.draw(_JSON)
            continue
        parent: Any = raw
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(_KEYS)] = data.draw(_JSON)
        else:
            parent[path[-1]] = data.draw(_JSON)
    _check(translate(raw))
    _check(translate_body(json.dumps(raw, default=str).encode()))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    _check(translate_body(body))
