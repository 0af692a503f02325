"""Which channel reaches a person, from the outlets this process has and the person's order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from engine.audit import event_line
from engine.channels.base import Button, Delivered, DeliveryError
from engine.channels.email import Mail
from storage.models import Outbox, OutboxStatus, Person

log = logging.getLogger("resolute.dispatch")

Keyboard = Sequence[Button | Sequence[Button]]  # a Button is a row of its own

NO_CHANNEL = "none"


class Sender(Protocol):
    """A Telegram-like channel: HTML to a chat, with buttons."""

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered: ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> Delivered: ...


class Mailer(Protocol):
    """An e-mail channel."""

    from_address: str

    async def send(self, mail: Mail, now: datetime) -> Delivered: ...


@dataclass(frozen=True)
class Outlets:
    """The channels this process can send through right now."""

    telegram: Sender | None = None
    email: Mailer | None = None

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(
            name for name, outlet in (("telegram", self.telegram), ("email", self.email)) if outlet
        )


class Reachable(Protocol):
    """What routing needs to know of a person (a Person row, or the same fields from a query)."""

    telegram_chat_id: int | None
    telegram_blocked_at: datetime | None
    email: str | None
    email_bounced_at: datetime | None
    channels: list[str] | None


def usable(person: Reachable, channels: frozenset[str]) -> list[str]:
    """The person's channels in their order of preference (default: Telegram, then e-mail)
    that are switched on and can reach them: linked and not blocked, an address not bounced."""
    reachable = {
        "telegram": person.telegram_chat_id is not None and person.telegram_blocked_at is None,
        "email": person.email is not None and person.email_bounced_at is None,
    }
    order = person.channels or ("telegram", "email")
    return [c for c in order if c in channels and reachable.get(c, False)]


def route(person: Reachable, channels: frozenset[str]) -> str:
    """The first channel that can reach the person now, or ``none``."""
    return next(iter(usable(person, channels)), NO_CHANNEL)


async def reroute(row: Outbox, outlets: Outlets, now: datetime, exc: DeliveryError) -> bool:
    """The channel cannot reach the person any more (marked so), or refused this message's
    content: move the message to their next usable channel (same row, same key: still one
    message). False if there is none."""
    if exc.recipient_unreachable:
        flag = "telegram_blocked_at" if row.channel == "telegram" else "email_bounced_at"
        await Person.filter(id=row.person_id).update(**{flag: now})
        setattr(row.person, flag, now)
    fallback = [c for c in usable(row.person, outlets.channels) if c != row.channel]
    if not fallback:
        return False
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        channel=fallback[0], status=OutboxStatus.PENDING, attempt_at=now, claimed_by=None,
        lease_until=None, error=exc.reason,
    )  # fmt: skip
    log.info(
        event_line(
            "message.rerouted", key=row.key, to=row.person_id, channel=fallback[0],
            reason=repr(exc.reason),
        )
    )  # fmt: skip
    return True


async def switch_channel(row: Outbox, outlets: Outlets, now: datetime) -> bool:
    """A row queued for a channel that is off here (a notice routed while it was on, say) goes
    to the person's first channel that is on. False if none reaches them."""
    usable_now = usable(row.person, outlets.channels)
    if not usable_now or usable_now[0] == row.channel:
        return False
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        channel=usable_now[0], status=OutboxStatus.PENDING, attempt_at=now, claimed_by=None,
        lease_until=None,
    )  # fmt: skip
    log.info(event_line("message.rerouted", key=row.key, to=row.person_id, channel=usable_now[0]))
    return True
