"""The roster's MAX ids (``max:``) as ``link`` rows: planned with the rest of ``apply``.

A roster ``max:`` id creates the person's link or moves it to that id (the dialog is learnt when
they write to the bot). A roster without one leaves alone the link an invitation made. A roster
that gives an id linked to someone else moves it to the person it names, and says so, as for
Telegram chat ids.
"""

from __future__ import annotations

from datetime import datetime

from engine.workflow.catalog import Catalog
from storage.models import Link

MAX = "max"


async def stored_links() -> dict[str, int]:
    """Person id → their MAX user id, as linked now."""
    rows = await Link.filter(channel=MAX).values_list("person_id", "user_id")
    return {str(person): int(user) for person, user in rows}


def plan_links(catalog: Catalog, stored: dict[str, int]) -> tuple[list[tuple[str, int]], list[str]]:
    """The links to set, as (person, MAX user id), and the lines that say what changes."""
    holders = {user: person for person, user in stored.items()}
    links: list[tuple[str, int]] = []
    lines: list[str] = []
    for person in catalog.people.values():
        if person.max is None or stored.get(person.id) == person.max:
            continue
        links.append((person.id, person.max))
        holder = holders.get(person.max)
        if holder is not None and holder != person.id:
            lines.append(f"~ человек {holder}: MAX {person.max} теперь у {person.id}")
        else:
            lines.append(f"~ человек {person.id}: MAX {person.max}")
    return links, lines


async def set_links(links: list[tuple[str, int]], now: datetime) -> None:
    """Write planned links (inside ``apply``'s transaction)."""
    for person, user in links:
        await Link.filter(channel=MAX, user_id=user).exclude(person_id=person).delete()
        moved = await Link.filter(channel=MAX, person_id=person).update(
            user_id=user, chat_id=None, linked_at=now, blocked_at=None
        )
        if not moved:
            await Link.create(channel=MAX, user_id=user, person_id=person, linked_at=now)
