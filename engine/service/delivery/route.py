"""Which channel reaches a person: the outlets this process has, each person's order, and what
the channel registry (engine/channels/registry.py) says of their address there.

Messengers after Telegram keep their addresses in ``link`` rows: they are read once per claim
batch or digest pass (``links_of``), never a query per message."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol, cast

from engine.audit import event_line
from engine.channels.base import Delivered, DeliveryError
from engine.channels.email import Mail
from engine.channels.registry import CHANNELS, NO_ADDRESS, Address, Line
from engine.service.delivery.buttons import Keyboard
from storage.models import Link, Outbox, OutboxStatus, Person

log = logging.getLogger("resolute.dispatch")


NO_CHANNEL = "none"


class Sender(Protocol):
    """A Telegram-like channel: HTML to a chat, with buttons."""

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered: ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered: ...


class Mailer(Protocol):
    """An e-mail channel."""

    from_address: str

    async def send(self, mail: Mail, now: datetime) -> Delivered: ...


class Outlets(Mapping[str, object]):
    """The channels this process can send through right now: a registered channel's name →
    its outlet (a ``Sender`` for a messenger, a ``Mailer`` for mail). ``Outlets(telegram=…,
    email=…)``; an outlet given as None is off."""

    def __init__(self, **outlets: object) -> None:
        self._outlets = {name: o for name, o in outlets.items() if o is not None}

    def __getitem__(self, name: str) -> object:
        return self._outlets[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._outlets)

    def __len__(self) -> int:
        return len(self._outlets)

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._outlets)

    def messenger(self, name: str) -> Sender:
        return cast(Sender, self._outlets[name])

    def mailer(self, name: str) -> Mailer:
        return cast(Mailer, self._outlets[name])


PersonLinks = Mapping[str, Address]  # one person's link rows by channel
Links = dict[str, dict[str, Address]]  # person id → their link rows by channel


async def links_of(person_ids: Iterable[str] | None, channels: Iterable[str]) -> Links:
    """The link rows of these people (None: of everybody) for the linked-by-row channels among
    ``channels``, in one query (none at all when no such channel is on)."""
    wanted = [c for c in channels if (e := CHANNELS.get(c)) is not None and e.linked_by_row]
    links: Links = {}
    query = Link.filter(channel__in=wanted)
    if person_ids is not None:
        ids = list(set(person_ids))
        if not ids:
            return links
        query = query.filter(person_id__in=ids)
    if not wanted:
        return links
    rows = await query.values("person_id", "channel", "user_id", "chat_id", "blocked_at")
    for row in rows:
        to = row["chat_id"] if row["chat_id"] is not None else row["user_id"]
        links.setdefault(row["person_id"], {})[row["channel"]] = Address(to, row["blocked_at"])
    return links


def usable(person: Any, channels: frozenset[str], links: PersonLinks | None = None) -> list[str]:
    """The person's channels in their order of preference (their ``channels:``, else the
    registry's default order) that are switched on and can reach them: linked and not blocked,
    an address not bounced. ``person``: a Person row or the same fields from a query."""
    return [
        entry.name
        for entry in CHANNELS.order_of(person.channels)
        if entry.name in channels and entry.line(entry.address(person, links)) == Line.OK
    ]


def route(person: Any, channels: frozenset[str], links: PersonLinks | None = None) -> str:
    """The first channel that can reach the person now, or ``none``."""
    return next(iter(usable(person, channels, links)), NO_CHANNEL)


async def mark_unreachable(row: Outbox, links: Links, now: datetime) -> None:
    """The channel of ``row`` said it cannot reach the person (a 403, a hard bounce): marked
    so in its entry's place (a ``person`` column or the ``link`` row), here and in memory, so
    the person's next messages in this pass go by their next channel at once."""
    entry = CHANNELS.get(row.channel)
    if entry is None:
        return
    if entry.failed_field is not None:
        await Person.filter(id=row.person_id).update(**{entry.failed_field: now})
        setattr(row.person, entry.failed_field, now)
    elif entry.linked_by_row:
        await Link.filter(person_id=row.person_id, channel=entry.name).update(blocked_at=now)
        own = links.setdefault(row.person_id, {})
        own[entry.name] = Address(own.get(entry.name, NO_ADDRESS).to, now)


async def reroute(
    row: Outbox, outlets: Outlets, links: Links, now: datetime, exc: DeliveryError
) -> bool:
    """The channel cannot reach the person any more (marked so), or refused this message's
    content: move the message to their next usable channel (same row, same key: still one
    message). False if there is none."""
    if exc.recipient_unreachable:
        await mark_unreachable(row, links, now)
    own = links.get(row.person_id)
    fallback = [c for c in usable(row.person, outlets.channels, own) if c != row.channel]
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


async def switch_channel(row: Outbox, outlets: Outlets, links: Links, now: datetime) -> bool:
    """A row queued for a channel that is off here (a notice routed while it was on, say) goes
    to the person's first channel that is on. False if none reaches them."""
    usable_now = usable(row.person, outlets.channels, links.get(row.person_id))
    if not usable_now or usable_now[0] == row.channel:
        return False
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        channel=usable_now[0], status=OutboxStatus.PENDING, attempt_at=now, claimed_by=None,
        lease_until=None,
    )  # fmt: skip
    log.info(event_line("message.rerouted", key=row.key, to=row.person_id, channel=usable_now[0]))
    return True
