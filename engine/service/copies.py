"""Where a photo or a file came in, so the controller can get a copy of it: channel-tagged.

A user's message is kept as ``"<channel>:<chat_id>:<message_id>"`` (``Evidence.message_ref``, an
outbox payload's ``copies``). Values stored before channels were told apart — ``"chat:message"``
and ``[chat, message]`` pairs — are Telegram's. A message is copied only within its own
messenger: a platform cannot copy another platform's message.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.channels.events import MessageRef

MAX_REF = 255  # Evidence.message_ref's column: a longer reference is not kept (no copy then)
NOT_MESSENGERS = frozenset({"email", "none"})  # routes a message cannot be copied into
NAMES = {"telegram": "Telegram", "max": "MAX"}


def tagged(channel: str, message: MessageRef) -> str:
    return f"{channel}:{message.chat_id}:{message.message_id}"


def origin_of(stored: object) -> tuple[str, MessageRef] | None:
    """(channel, message) of a stored reference; None when it cannot be read (Telegram's
    message ids are integers)."""
    origin = _origin(stored)
    if origin is not None and origin[0] == "telegram" and not _is_int(origin[1].message_id):
        return None
    return origin


def _origin(stored: object) -> tuple[str, MessageRef] | None:
    if isinstance(stored, list | tuple) and len(stored) == 2:  # an old payload's [chat, message]
        chat, message = stored
        if isinstance(chat, int) and not isinstance(chat, bool):
            return "telegram", MessageRef(chat, str(message))
        return None
    if not isinstance(stored, str):
        return None
    first, _, rest = stored.partition(":")
    if _is_int(first):  # "chat:message", as Evidence kept it before
        return ("telegram", MessageRef(int(first), rest)) if rest else None
    chat, _, message = rest.partition(":")
    if not first or not _is_int(chat) or not message:
        return None
    return first, MessageRef(int(chat), message)


def on(channel: str, stored: Iterable[object]) -> list[MessageRef]:
    """The messages among ``stored`` that can be copied into a chat on ``channel``."""
    messages = []
    for item in stored:
        origin = origin_of(item)
        if origin is not None and origin[0] == channel:
            messages.append(origin[1])
    return messages


def name_of(channel: str) -> str:
    return NAMES.get(channel, channel)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit() and len(text) < 30
