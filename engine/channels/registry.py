"""Every channel a message can go by, as data: delivery, routing, reach and the roster's schema
look a channel up here instead of naming it.

An entry says where a person's address is (a column on ``person`` for Telegram and e-mail; a
``link`` row for messengers added later, such as MAX), what its failure is called (blocked,
bounced), how the controller's digest words its state («📵 Нет связи»), and what kind of content
it carries: a messenger (HTML with buttons, through an outlet with ``send(chat_id, html,
buttons)`` and ``copy(...)`` like engine/channels/telegram.py) or mail. Adding a messenger is one
``Entry`` here, its settings and its adapter; nothing in the engine names it.
Pure: no I/O (the database side is engine/service/delivery/route.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a channel carries."""

    MESSENGER = "messenger"  # HTML with buttons (and, for Telegram, copies of user messages)
    MAIL = "mail"  # subject, HTML and plain text, a calendar invite


class Line(StrEnum):
    """One channel's state for one person."""

    OK = "ok"  # reaches them
    OFF = "off"  # switched off here, or not in the person's own channel list
    BLOCKED = "blocked"  # a messenger: the bot was blocked (a 403)
    UNLINKED = "unlinked"  # a messenger: never linked through an invite
    BOUNCED = "bounced"  # e-mail: the server refused the address for good
    MISSING = "missing"  # e-mail: no address in the roster


FAILING = frozenset({Line.BLOCKED, Line.UNLINKED, Line.BOUNCED})  # the controller should hear


@dataclass(frozen=True, slots=True)
class Address:
    """Where a channel reaches a person: ``to`` (a chat id, an e-mail address; None when not
    linked or not given) and when the channel said it cannot any more (None: it can)."""

    to: int | str | None = None
    failed_at: datetime | None = None


NO_ADDRESS = Address()


@dataclass(frozen=True)
class Entry:
    """One channel. ``address_field``/``failed_field`` name the ``person`` columns it reads;
    both None: its addresses are ``link`` rows (channel, user_id, chat_id, blocked_at).
    ``default_rank``: its place for people whose roster entry gives no ``channels:`` order
    (None: only for those who name it). ``phrases``: how the digest says a failing state, with
    ``{on}`` for « 21.02» and ``{since}`` for « с 21.02»; ``ok_phrase``: what still works."""

    name: str
    title: str  # Russian, for people: «Telegram», «MAX», «почта»
    kind: Kind
    address_field: str | None = None
    failed_field: str | None = None
    default_rank: int | None = None
    copies: bool = False  # carries copies of the user's own messages (Telegram's copyMessage)
    max_chars: int = 4096  # a messenger's message limit: a long digest goes in parts
    phrases: Mapping[Line, str] = field(default_factory=dict)
    ok_phrase: str = ""

    @property
    def linked_by_row(self) -> bool:
        return self.address_field is None

    @property
    def missing(self) -> Line:
        return Line.UNLINKED if self.kind is Kind.MESSENGER else Line.MISSING

    @property
    def failing(self) -> Line:
        return Line.BLOCKED if self.kind is Kind.MESSENGER else Line.BOUNCED

    @property
    def person_fields(self) -> tuple[str, ...]:
        return tuple(f for f in (self.address_field, self.failed_field) if f is not None)

    def address(self, person: Any, links: Mapping[str, Address] | None = None) -> Address:
        """Where this channel reaches ``person`` (a Person row, or the same fields read by
        ``values()``); ``links``: the person's link rows by channel, for linked-by-row ones."""
        if self.address_field is None:
            return (links or {}).get(self.name, NO_ADDRESS)
        to = getattr(person, self.address_field, None) or None
        failed = getattr(person, self.failed_field, None) if self.failed_field else None
        return Address(to, failed)

    def line(self, address: Address) -> Line:
        if address.to is None:
            return self.missing
        return self.failing if address.failed_at is not None else Line.OK

    def phrase(self, line: Line, on: date | None) -> str:
        """«бот заблокирован 21.02», «Telegram не подключён», «адреса почты нет»."""
        if line == Line.OK:
            return self.ok_phrase
        template = self.phrases.get(line, "")
        return template.format(
            on=f" {on:%d.%m}" if on else "", since=f" с {on:%d.%m}" if on else ""
        )


def messenger(name: str, title: str, **more: Any) -> Entry:
    """A messenger addressed through ``link`` rows, with the usual wording."""
    phrases = {
        Line.BLOCKED: f"бот в {title} заблокирован{{on}}",
        Line.UNLINKED: f"{title} не подключён",
    }
    return Entry(
        name,
        title,
        Kind.MESSENGER,
        phrases=phrases,
        ok_phrase=f"получает сообщения в {title}",
        **more,
    )


TELEGRAM = Entry(
    "telegram",
    "Telegram",
    Kind.MESSENGER,
    address_field="telegram_chat_id",
    failed_field="telegram_blocked_at",
    default_rank=0,
    copies=True,
    max_chars=4096,
    phrases={Line.BLOCKED: "бот заблокирован{on}", Line.UNLINKED: "Telegram не подключён"},
    ok_phrase="получает сообщения в Telegram",
)
EMAIL = Entry(
    "email",
    "почта",
    Kind.MAIL,
    address_field="email",
    failed_field="email_bounced_at",
    default_rank=2,
    phrases={
        Line.BOUNCED: "письма не доходят{since} (адрес отклонён)",
        Line.MISSING: "адреса почты нет",
    },
    ok_phrase="получает письма",
)


MAX = messenger("max", "MAX", default_rank=1, max_chars=4000, copies=True)  # forwards by mid


class Registry:
    """The channels by name, in registration order."""

    def __init__(self, *entries: Entry) -> None:
        self._entries: dict[str, Entry] = {e.name: e for e in entries}

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries.values()))

    def get(self, name: str) -> Entry | None:
        return self._entries.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def default_order(self) -> tuple[str, ...]:
        ranked = [e for e in self._entries.values() if e.default_rank is not None]
        return tuple(e.name for e in sorted(ranked, key=lambda e: e.default_rank or 0))

    def order_of(self, own: list[str] | None) -> tuple[Entry, ...]:
        """A person's channels in their order (their ``channels:``, else the default one),
        those this registry knows."""
        names = own or self.default_order
        return tuple(e for n in names if (e := self._entries.get(n)) is not None)

    @property
    def linked_by_row(self) -> tuple[str, ...]:
        return tuple(e.name for e in self._entries.values() if e.linked_by_row)

    @contextmanager
    def registered(self, entry: Entry) -> Iterator[Entry]:
        """``entry`` is registered inside the block (tests add a channel of their own)."""
        if entry.name in self._entries:
            raise ValueError(f"channel {entry.name!r} is registered already")
        self._entries[entry.name] = entry
        try:
            yield entry
        finally:
            del self._entries[entry.name]


CHANNELS = Registry(TELEGRAM, MAX, EMAIL)


def check_channel(name: str) -> str:
    """A roster's channel name: one of the registered channels."""
    if name not in CHANNELS:
        known = ", ".join(CHANNELS.names)
        raise ValueError(f"неизвестный канал {name!r}: допустимы {known}")
    return name
