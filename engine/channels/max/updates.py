"""MAX updates in the engine's words (engine.channels.events), each with a stable id.

MAX updates carry no update id, so each gets one derived from what identifies it on the
platform, the same on every delivery (a webhook retried, a poll repeated):

- ``message_created``: ``message:<mid>``;
- ``message_callback``: ``callback:<callback_id>``;
- any other update: ``<update_type>:<timestamp>:<user_id>`` (e.g. ``bot_started:1573226679188:42``);
- an update without even those: ``raw:<sha256 of its canonical JSON, 32 hex digits>``.

Whatever cannot be read (not JSON, a missing or mistyped field, an id outside 64 bits, an
update type the engine does not act on) comes back as Unreadable with the reason: the
translator never raises.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from engine.channels import events
from engine.channels.events import (
    Attachment,
    Blocked,
    Event,
    MessageRef,
    Pressed,
    Started,
    Unreadable,
    Who,
    Wrote,
)
from engine.channels.max.client import load_json

CHANNEL = "max"
UPDATE_TYPES = ("message_created", "message_callback", "bot_started", "bot_stopped")
_INT64 = 2**63
_URL = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
_KINDS = {"image": "photo", "file": "file", "video": "video", "audio": "audio"}


@dataclass(frozen=True, slots=True)
class Received:
    """One update: its derived id (for record-once), what it means, and its raw JSON."""

    update_id: str
    event: Event | Unreadable
    raw: object = field(default=None, compare=False)

    def engine(self) -> events.Received | Unreadable:
        """As the engine's pipeline takes it (``inbound.take``)."""
        if isinstance(self.event, Unreadable):
            return self.event
        raw = self.raw if isinstance(self.raw, dict) else {}
        return events.Received(CHANNEL, self.update_id, self.event, raw)


class _Bad(Exception):
    """Why an update cannot be read."""


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(f"{what} is not an object")
    return value


def _id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64 <= value < _INT64:
        raise _Bad(f"{what} is not a 64-bit integer")
    return value


def _text(value: object, what: str, *, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value):
        raise _Bad(f"{what} is not a{'' if empty else ' non-empty'} string")
    return value


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def derive_id(raw: object) -> str:
    """The update's stable id (see the module docstring); never raises."""
    if isinstance(raw, dict):
        kind = raw.get("update_type")
        message = raw.get("message")
        body = message.get("body") if isinstance(message, dict) else None
        mid = body.get("mid") if isinstance(body, dict) else None
        callback = raw.get("callback")
        callback_id = callback.get("callback_id") if isinstance(callback, dict) else None
        if kind == "message_callback" and isinstance(callback_id, str) and callback_id:
            return f"callback:{callback_id[:200]}"
        if kind == "message_created" and isinstance(mid, str) and mid:
            return f"message:{mid[:200]}"
        user = raw.get("user")
        user_id = user.get("user_id") if isinstance(user, dict) else None
        stamp = raw.get("timestamp")
        if isinstance(kind, str) and kind and isinstance(stamp, int) and isinstance(user_id, int):
            return f"{kind[:50]}:{stamp}:{user_id}"[:200]
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=repr)
    return f"raw:{hashlib.sha256(canonical.encode('utf-8', 'replace')).hexdigest()[:32]}"


def translate(raw: object) -> Received:
    """One update's JSON (already parsed) as an event or Unreadable."""
    update_id = derive_id(raw)
    try:
        return Received(update_id, _event(_obj(raw, "the update")), raw)
    except _Bad as exc:
        return Received(update_id, Unreadable(CHANNEL, update_id, str(exc), raw), raw)
    except Exception as exc:  # a net under the checks above: never a traceback for the engine
        reason = f"{type(exc).__name__}: {exc}"[:300]
        return Received(update_id, Unreadable(CHANNEL, update_id, reason, raw), raw)


def translate_body(body: bytes) -> Received:
    """One update as the webhook receives it: raw bytes that may not even be JSON."""
    try:
        raw = load_json(body)
    except (ValueError, RecursionError):  # not JSON, or nested past what Python reads
        digest = hashlib.sha256(body).hexdigest()[:32]
        text = body[:2000].decode("utf-8", "replace")
        return Received(f"raw:{digest}", Unreadable(CHANNEL, f"raw:{digest}", "not JSON", text))
    return translate(raw)


def _event(raw: dict[str, Any]) -> Event:
    kind = raw.get("update_type")
    if kind == "message_created":
        return _wrote(_obj(raw.get("message"), "message"))
    if kind == "message_callback":
        return _pressed(raw)
    if kind in ("bot_started", "bot_stopped"):
        user_id = _id(_obj(raw.get("user"), "user").get("user_id"), "user.user_id")
        who = Who(CHANNEL, user_id, _id(raw.get("chat_id"), "chat_id"))
        if kind == "bot_stopped":
            return Blocked(who)
        payload = _optional_text(raw.get("payload"))
        return Started(who, payload or None)
    raise _Bad(f"update type not handled: {str(kind)[:50]}")


def _who(message: dict[str, Any]) -> tuple[Who, str]:
    sender = _obj(message.get("sender"), "message.sender")
    recipient = _obj(message.get("recipient"), "message.recipient")
    who = Who(
        CHANNEL,
        _id(sender.get("user_id"), "message.sender.user_id"),
        _id(recipient.get("chat_id"), "message.recipient.chat_id"),
    )
    chat_type = recipient.get("chat_type")
    return who, chat_type if isinstance(chat_type, str) else ""


def _wrote(message: dict[str, Any]) -> Wrote:
    who, chat_type = _who(message)
    if _obj(message.get("sender"), "message.sender").get("is_bot") is True:
        raise _Bad("a message from a bot")
    body = _obj(message.get("body"), "message.body")
    mid = _text(body.get("mid"), "message.body.mid", empty=False)
    text = _optional_text(body.get("text")) or ""
    command: str | None = None
    args: tuple[str, ...] = ()
    if text.startswith("/"):
        words = text.split()
        name = words[0].split("@", 1)[0].lower() if words else ""
        if len(name) > 1:
            command, args = name, tuple(words[1:])
    links = [m.group().rstrip(".,;:!?)") for m in _URL.finditer(text)]
    for markup in body.get("markup") or ():
        if isinstance(markup, dict) and markup.get("type") == "link":
            url = markup.get("url")
            if isinstance(url, str) and url:
                links.append(url)
    attachments = []
    for item in body.get("attachments") or ():
        attachment = _attachment(item)
        if isinstance(attachment, Attachment):
            attachments.append(attachment)
        elif attachment:
            links.append(attachment)
    return Wrote(
        who,
        MessageRef(who.chat_id, mid),
        text=text,
        command=command,
        args=args,
        links=tuple(dict.fromkeys(links)),
        attachments=tuple(attachments),
        reply_to=_reply_to(message.get("link"), who.chat_id),
        private=chat_type == "dialog",
    )


def _attachment(item: object) -> Attachment | str | None:
    """A photo, file, video or audio; a shared link's URL; None for the rest (keyboards,
    stickers, contacts, places)."""
    if not isinstance(item, dict):
        return None
    payload = item.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    if item.get("type") == "share":
        return _optional_text(payload.get("url"))
    kind = _KINDS.get(str(item.get("type")))
    reference = _optional_text(payload.get("token")) or _optional_text(payload.get("url"))
    if kind is None or not reference:
        return None
    size = item.get("size")
    return Attachment(
        kind,
        reference,
        file_name=_optional_text(item.get("filename")),
        size=size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else 0,
    )


def _reply_to(link: object, chat_id: int) -> MessageRef | None:
    if not isinstance(link, dict) or link.get("type") != "reply":
        return None
    message = link.get("message")
    mid = message.get("mid") if isinstance(message, dict) else None
    if not isinstance(mid, str) or not mid:
        return None
    linked_chat = link.get("chat_id")
    try:
        return MessageRef(_id(linked_chat, "link.chat_id"), mid)
    except _Bad:
        return MessageRef(chat_id, mid)


def _pressed(raw: dict[str, Any]) -> Pressed:
    callback = _obj(raw.get("callback"), "callback")
    callback_id = _text(callback.get("callback_id"), "callback.callback_id", empty=False)
    user_id = _id(_obj(callback.get("user"), "callback.user").get("user_id"), "callback.user")
    message = raw.get("message")
    if not isinstance(message, dict):
        raise _Bad("a press without the message it was under")
    recipient = _obj(message.get("recipient"), "message.recipient")
    chat_id = _id(recipient.get("chat_id"), "message.recipient.chat_id")
    body = _obj(message.get("body"), "message.body")
    mid = _text(body.get("mid"), "message.body.mid", empty=False)
    payload = _optional_text(callback.get("payload"))
    return Pressed(Who(CHANNEL, user_id, chat_id), callback_id, payload, MessageRef(chat_id, mid))
