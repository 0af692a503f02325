"""How an official can be reached, said plainly for the controller's digest: pure.

«📵 Нет связи» lists each official whom a channel that is switched on cannot reach — the bot
blocked, a messenger never linked, an address that bounced — with what still works, e.g.
«бот заблокирован 21.02; получает письма» or «Telegram не подключён; адреса почты нет».
Each channel's states and words are its registry entry's (engine/channels/registry.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from engine.channels.registry import CHANNELS, FAILING, Address, Entry, Line, Registry

__all__ = ["Line", "Reach", "reach_of"]


@dataclass(frozen=True, slots=True)
class ChannelReach:
    entry: Entry
    line: Line
    on: date | None = None  # when it was blocked or bounced, in the resolution's zone


@dataclass(frozen=True, slots=True)
class Reach:
    """Each of the person's channels (in their order) and its state."""

    lines: tuple[ChannelReach, ...]

    def of(self, name: str) -> Line:
        return next((c.line for c in self.lines if c.entry.name == name), Line.OFF)

    @property
    def reachable(self) -> bool:
        return any(c.line == Line.OK for c in self.lines)

    @property
    def listed(self) -> bool:
        """Whether the controller should hear about it: a channel that is on fails them."""
        return not self.reachable or any(c.line in FAILING for c in self.lines)

    @property
    def phrase(self) -> str:
        """«бот заблокирован 21.02; получает письма»: every failing channel, then what still
        reaches them (when it is not the first of their channels); «адреса почты нет» only
        when nothing reaches them."""
        on = [c for c in self.lines if c.line != Line.OFF]
        first_ok = next((c for c in on if c.line == Line.OK), None)
        parts = []
        for c in on:
            if c.line in FAILING or (c.line == Line.MISSING and first_ok is None):
                parts.append(c.entry.phrase(c.line, c.on))
            elif c is first_ok and c is not on[0]:
                parts.append(c.entry.phrase(c.line, None))
        parts = [p for p in parts if p]
        return "; ".join(parts) if parts else "нет ни одного канала связи"


def reach_of(
    person: Any,
    channels: frozenset[str],
    zone: ZoneInfo,
    links: Mapping[str, Address] | None = None,
    *,
    registry: Registry = CHANNELS,
) -> Reach:
    """The person's reach through the ``channels`` switched on (dates in ``zone``).
    ``person``: a Person row or the same fields; ``links``: their link rows by channel."""
    lines = []
    for entry in registry.order_of(person.channels):
        if entry.name not in channels:
            continue
        address = entry.address(person, links)
        line = entry.line(address)
        on = (
            address.failed_at.astimezone(zone).date()
            if line in FAILING and address.failed_at
            else None
        )
        lines.append(ChannelReach(entry, line, on))
    return Reach(tuple(lines))
