"""How an official can be reached, said plainly for the controller's digest: pure.

«📵 Нет связи» lists each official whom a channel that is switched on cannot reach — the bot
blocked, Telegram never linked, an address that bounced — with what still works, e.g.
«бот заблокирован 21.02; получает письма» or «Telegram не подключён; адреса почты нет».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


class Line(StrEnum):
    """One channel's state for one person."""

    OK = "ok"  # reaches them
    OFF = "off"  # switched off here, or not in the person's own channel list
    BLOCKED = "blocked"  # Telegram: the bot was blocked (a 403)
    UNLINKED = "unlinked"  # Telegram: never linked through an invite
    BOUNCED = "bounced"  # e-mail: the server refused the address for good
    MISSING = "missing"  # e-mail: no address in the roster


class Contact(Protocol):
    telegram_chat_id: int | None
    telegram_blocked_at: datetime | None
    email: str | None
    email_bounced_at: datetime | None
    channels: list[str] | None


@dataclass(frozen=True, slots=True)
class Reach:
    telegram: Line
    email: Line
    blocked_on: date | None = None
    bounced_on: date | None = None

    @property
    def reachable(self) -> bool:
        return Line.OK in (self.telegram, self.email)

    @property
    def listed(self) -> bool:
        """Whether the controller should hear about it: a channel that is on fails them."""
        failing = {Line.BLOCKED, Line.UNLINKED, Line.BOUNCED}
        return not self.reachable or self.telegram in failing or self.email in failing

    @property
    def phrase(self) -> str:
        """«бот заблокирован 21.02; получает письма»."""
        parts = [p for p in (self._telegram(), self._email()) if p]
        return "; ".join(parts) if parts else "нет ни одного канала связи"

    def _telegram(self) -> str:
        if self.telegram == Line.BLOCKED:
            return "бот заблокирован" + (f" {self.blocked_on:%d.%m}" if self.blocked_on else "")
        if self.telegram == Line.UNLINKED:
            return "Telegram не подключён"
        return ""

    def _email(self) -> str:
        if self.email == Line.OK:
            return "получает письма" if self.telegram != Line.OK else ""
        if self.email == Line.BOUNCED:
            when = f" с {self.bounced_on:%d.%m}" if self.bounced_on else ""
            return f"письма не доходят{when} (адрес отклонён)"
        if self.email == Line.MISSING and self.telegram != Line.OK:
            return "адреса почты нет"
        return ""


def reach_of(person: Contact, channels: frozenset[str], zone: ZoneInfo) -> Reach:
    """The person's reach through the ``channels`` switched on (dates in ``zone``)."""
    own = person.channels or ("telegram", "email")
    telegram, email = Line.OFF, Line.OFF
    blocked_on = bounced_on = None
    if "telegram" in channels and "telegram" in own:
        if person.telegram_chat_id is None:
            telegram = Line.UNLINKED
        elif person.telegram_blocked_at is not None:
            telegram = Line.BLOCKED
            blocked_on = person.telegram_blocked_at.astimezone(zone).date()
        else:
            telegram = Line.OK
    if "email" in channels and "email" in own:
        if not person.email:
            email = Line.MISSING
        elif person.email_bounced_at is not None:
            email = Line.BOUNCED
            bounced_on = person.email_bounced_at.astimezone(zone).date()
        else:
            email = Line.OK
    return Reach(telegram, email, blocked_on, bounced_on)
