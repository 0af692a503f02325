"""Telegram's updates as the engine's events (``engine.channels.events``).

The one place that reads python-telegram-bot's ``Update``: a button press becomes ``Pressed``,
a message ``Wrote`` (its command, text or caption, links, file, the message it replies to, its
album), ``/start <token>`` in the dialog with the bot ``Started``, a block or unblock
(``my_chat_member``) ``Blocked``. Reading never raises: what cannot be read is ``Unreadable``.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Message, MessageEntity, Update

from engine.channels.events import (
    Attachment,
    Blocked,
    Event,
    MessageRef,
    Pressed,
    Received,
    Started,
    Unreadable,
    Who,
    Wrote,
)

CHANNEL = "telegram"
_LINKS: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]


def read(raw: object, bot: Bot | None = None) -> Received | Unreadable:
    """One update as Telegram sent it (JSON), read by python-telegram-bot and translated."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        update_id = None
    try:
        update = Update.de_json(raw, bot) if isinstance(raw, dict) else None
    except Exception as exc:  # whatever python-telegram-bot raises on what it cannot read
        return Unreadable(CHANNEL, _id(update_id), _reason(exc), raw)
    if update is None or update_id is None:
        return Unreadable(CHANNEL, _id(update_id), "not an Update object", raw)
    return translate(update, raw)


def translate(update: Update, raw: object = None) -> Received | Unreadable:
    """The update as an event; Unreadable when its parts are not what they should be."""
    update_id = update.update_id
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        return Unreadable(CHANNEL, None, "no update id", raw)
    try:
        event = _event(update)
        payload: dict[str, Any] = update.to_dict()
    except Exception as exc:  # a field of a type we did not expect: not for us to act on
        return Unreadable(CHANNEL, str(update_id), _reason(exc), raw or _safe_dict(update))
    return Received(CHANNEL, str(update_id), event, payload)


def _event(update: Update) -> Event | None:
    query = update.callback_query
    if query is not None:
        user = query.from_user.id
        message = query.message
        ref = None if message is None else MessageRef(message.chat.id, str(message.message_id))
        # Our buttons are in the dialog with the bot, whose id in Telegram is the user's.
        return Pressed(Who(CHANNEL, user, user), query.id, query.data, ref)
    if update.message is not None:
        return _message(update.message)
    member = update.my_chat_member
    if member is not None and member.chat.type == "private":
        who = Who(CHANNEL, member.from_user.id, member.chat.id)
        status = member.new_chat_member.status
        if status == "kicked":
            return Blocked(who, True)
        if status == "member":
            return Blocked(who, False)
    return None


def _message(message: Message) -> Event | None:
    if message.from_user is None:  # a channel post, or an anonymous group admin
        return None
    who = Who(CHANNEL, message.from_user.id, message.chat.id)
    private = message.chat.type == "private"
    command, args = _command(message)
    if private and command == "/start":
        return Started(who, args[0] if args else None)
    reply = message.reply_to_message
    return Wrote(
        who,
        MessageRef(message.chat.id, str(message.message_id)),
        text=message.text or message.caption or "",
        command=command,
        args=args,
        links=_links(message),
        attachments=_attachments(message),
        reply_to=None if reply is None else MessageRef(message.chat.id, str(reply.message_id)),
        album=message.media_group_id,
        private=private,
    )


def _command(message: Message) -> tuple[str | None, tuple[str, ...]]:
    """``("/start", ("token",))`` when the message begins with a command, else (None, ())."""
    entity = next(iter(message.entities), None)
    words = (message.text or "").split()
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None, ()
    if not words:
        return None, ()
    name, *args = words
    return name.split("@", 1)[0].lower(), tuple(args)


def _links(message: Message) -> tuple[str, ...]:
    """URLs in the text and the caption, and the targets of link markup."""
    entities = message.parse_entities(_LINKS) | message.parse_caption_entities(_LINKS)
    links = []
    for entity, text in entities.items():
        url = entity.url if entity.type == MessageEntity.TEXT_LINK else text
        if url:
            links.append(url)
    return tuple(links)


def _attachments(message: Message) -> tuple[Attachment, ...]:
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return (Attachment("photo", photo.file_id, None, "image/jpeg", photo.file_size or 0),)
    for kind, item in (
        ("file", message.document),
        ("video", message.video),
        ("audio", message.audio),
        ("voice", message.voice),
    ):
        if item is not None:
            name = getattr(item, "file_name", None)
            mime = getattr(item, "mime_type", None)
            return (Attachment(kind, item.file_id, name, mime, item.file_size or 0),)
    return ()


def _id(update_id: int | None) -> str | None:
    return None if update_id is None else str(update_id)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _safe_dict(update: Update) -> object:
    try:
        return update.to_dict()
    except Exception:
        return None
