"""Who is acting: a messenger's user as a person of the roster, whatever the messenger.

Telegram, the first channel, keeps its ids on ``person`` (``telegram_chat_id``, which in a
private chat is also the user's id); every later messenger has a ``link`` row per (channel,
user). Writing to the bot shows the person reachable there again; blocking it, unreachable.
"""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.expressions import Q

from engine.audit import event_line
from engine.channels.events import Who
from storage.models import Link, Person

log = logging.getLogger("resolute.identity")
TELEGRAM = "telegram"


async def person_of(who: Who) -> Person | None:
    """The roster's person behind ``who``; None for a stranger."""
    if who.channel == TELEGRAM:
        return await Person.filter(telegram_chat_id=who.user_id).first()
    link = await Link.get_or_none(channel=who.channel, user_id=who.user_id)
    return None if link is None else await Person.get(id=link.person_id)


async def reachable_again(who: Who, person: Person) -> None:
    """They wrote to the bot: the channel reaches them (again), in the dialog they used."""
    if who.channel == TELEGRAM:
        if person.telegram_blocked_at is not None:
            await Person.filter(id=person.id).update(telegram_blocked_at=None)
            person.telegram_blocked_at = None
        return
    stale = Q(blocked_at__isnull=False) | Q(chat_id__isnull=True) | ~Q(chat_id=who.chat_id)
    await Link.filter(Q(channel=who.channel, user_id=who.user_id) & stale).update(
        blocked_at=None, chat_id=who.chat_id
    )


async def set_blocked(who: Who, blocked: bool, now: datetime) -> str:
    """The user blocked the bot (or unblocked it); returns the outcome's stable name."""
    at = now if blocked else None
    if who.channel == TELEGRAM:
        changed = await Person.filter(telegram_chat_id=who.user_id).update(telegram_blocked_at=at)
    else:
        changed = await Link.filter(channel=who.channel, user_id=who.user_id).update(blocked_at=at)
    name = "blocked" if blocked else "unblocked"
    if not changed:
        return f"{name}-stranger"
    log.info(event_line(f"person.{name}", channel=who.channel, user=who.user_id))
    return name
