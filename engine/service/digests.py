"""Controller digests: once a day per digest time, one message per recipient with news.

A digest "slot" is a (time zone, digest_at) pair taken from the tasks' policies. When a tick
finds a slot's time has come today and its pass for today has not run, it composes every
recipient's digest (engine.digest.compose), renders it, and puts it in the outbox under the key
``digest:<person>:<zone>:<HH:MM>:<date>:<part>`` — one per recipient per day, however many ticks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from engine.digest import Digest, Item, TaskView, compose
from engine.render import Renderer
from engine.service.dispatch import route
from engine.service.schedule import policy_of
from engine.timing.escalation import Step
from engine.timing.local import at_local, defer_quiet, local_date
from engine.workflow.schema import parse_quiet_hours
from storage.models import Cursor, Group, Outbox, Person, Resolution, Task, TaskState

log = logging.getLogger("resolute.digests")

TELEGRAM_LIMIT = 4096
DONE_LOOKBACK = timedelta(days=62)  # "done since the last digest" looks no further back


@dataclass(frozen=True)
class Slot:
    timezone: str
    digest_at: time

    @property
    def label(self) -> str:
        return f"{self.timezone}:{self.digest_at:%H:%M}"

    def instant(self, day: date) -> datetime:
        return at_local(day, self.digest_at, ZoneInfo(self.timezone))


async def enqueue_digests(now: datetime, renderer: Renderer, *, telegram_on: bool) -> int:
    """Compose and enqueue every digest due by ``now`` today; returns how many were added."""
    resolutions = {r.id: r for r in await Resolution.all()}
    due: list[tuple[Slot, date]] = []
    for slot in _slots(resolutions.values()):
        today = local_date(now, ZoneInfo(slot.timezone))
        cursor = await Cursor.get_or_none(name=f"digest:{slot.label}")
        if now >= slot.instant(today) and (cursor is None or cursor.value < today.isoformat()):
            due.append((slot, today))
    if not due:
        return 0
    views = await _task_views(resolutions, now, telegram_on)
    people = {p.id: p for p in await Person.all()}
    added = 0
    for slot, today in due:
        in_slot = [v for v, s in views if s == slot]
        recipients = {v.controller_id for v in in_slot} | {
            r for v in in_slot for step in v.steps for r in step.recipients
        }
        for recipient in sorted(recipients):
            added += await _enqueue_one(slot, today, recipient, in_slot, people, renderer, now)
        await Cursor.update_or_create(
            name=f"digest:{slot.label}", defaults={"value": today.isoformat()}
        )
    return added


def _slots(resolutions: Any) -> set[Slot]:
    slots = set()
    for resolution in resolutions:
        for clause in resolution.definition["clauses"]:
            digest_at = time.fromisoformat(clause["policy"]["digest_at"])
            slots.add(Slot(resolution.timezone, digest_at))
    return slots


async def _task_views(
    resolutions: dict[str, Resolution], now: datetime, telegram_on: bool
) -> list[tuple[TaskView, Slot]]:
    groups = {g.id: list(g.members) for g in await Group.all()}
    tasks = await Task.filter(state__in=[TaskState.OPEN, TaskState.REPORTED]).select_related(
        "owner"
    ) + await Task.filter(state=TaskState.DONE, closed_at__gte=now - DONE_LOOKBACK).select_related(
        "owner"
    )
    views = []
    for task in tasks:
        resolution = resolutions[task.resolution_id]
        policy = policy_of(task.policy)
        steps = tuple(
            Step(
                step.after,
                frozenset(_recipients(step.to, resolution.controller_id, groups)),
                step.every,
            )
            for step in policy.escalate
        )
        owner = task.owner
        reachable = route(owner, telegram_on) != "none" and owner.telegram_blocked_at is None
        view = TaskView(
            task_id=task.id,
            resolution_id=resolution.id,
            resolution_title=f"№ {resolution.number} «{resolution.title}»",
            clause_id=task.clause_id,
            clause_text=task.clause_text,
            owner_id=owner.id,
            owner_name=owner.name,
            owner_organisation=owner.organisation,
            deadline=task.extended_to or task.deadline,
            state=task.state.value,
            reported_at=task.reported_at,
            closed_at=task.closed_at,
            controller_id=resolution.controller_id,
            steps=steps,
            owner_reachable=reachable,
        )
        views.append((view, Slot(resolution.timezone, policy.digest_at)))
    return views


def _recipients(to: str, controller: str, groups: dict[str, list[str]]) -> list[str]:
    if to == "controller":
        return [controller]
    return groups.get(to, [to])


async def _enqueue_one(
    slot: Slot,
    today: date,
    recipient: str,
    views: list[TaskView],
    people: dict[str, Person],
    renderer: Renderer,
    now: datetime,
) -> int:
    prefix = f"digest:{recipient}:{slot.label}:"
    if await Outbox.filter(key__startswith=f"{prefix}{today.isoformat()}:").exists():
        return 0
    last = await Outbox.filter(key__startswith=prefix).order_by("-due_at").first()
    last_day = date.fromisoformat(last.key.split(":")[-2]) if last else None
    last_at = last.due_at if last else slot.instant(today - timedelta(days=1))
    digest = compose(recipient, today, views, last_day=last_day, last_at=last_at)
    if digest is None:
        return 0
    person = people[recipient]
    parts = split_message(render_digest(renderer, digest, person), TELEGRAM_LIMIT)
    quiet = parse_quiet_hours("-".join(person.quiet_hours)) if person.quiet_hours else None
    tz = ZoneInfo(person.timezone or slot.timezone)
    due_at = defer_quiet(slot.instant(today), quiet or (time(21), time(9)), tz)
    channel = route(person, telegram_on=True) if person.telegram_chat_id else "none"
    rows = [
        Outbox(
            key=f"{prefix}{today.isoformat()}:{i}",
            person_id=recipient,
            channel=channel,
            kind="digest",
            due_at=due_at,
            attempt_at=due_at,
            payload={"html": part, "part": i, "parts": len(parts)},
        )
        for i, part in enumerate(parts, start=1)
    ]
    await Outbox.bulk_create(rows, ignore_conflicts=True)
    log.info("digest.enqueued to=%s day=%s parts=%d", recipient, today, len(parts))
    return len(rows)


def render_digest(renderer: Renderer, digest: Digest, person: Person) -> str:
    return renderer.render(
        "telegram/digest.html",
        person=person,
        day=digest.day,
        sections=[
            (name, items if name == "unreachable" else _by_resolution_and_clause(items))
            for name, items in digest.sections()
            if items
        ],
    )


def _by_resolution_and_clause(items: list[Item]) -> list[dict[str, Any]]:
    """[{title, clauses: [{id, text, items}]}], keeping the items' order."""
    out: list[dict[str, Any]] = []
    for title, by_resolution in groupby(items, key=lambda i: i.task.resolution_title):
        clauses: dict[str, dict[str, Any]] = {}
        for item in by_resolution:
            task = item.task
            clause = clauses.setdefault(
                task.clause_id, {"id": task.clause_id, "text": task.clause_text, "items": []}
            )
            clause["items"].append(item)
        out.append({"title": title, "clauses": list(clauses.values())})
    return out


def split_message(html: str, limit: int) -> list[str]:
    """Cut at line boundaries into parts of at most ``limit`` characters (the template keeps
    every tag within one line, so each part is valid HTML on its own)."""
    parts: list[str] = []
    current = ""
    for line in html.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(line) > limit:  # a single overlong line: cut it (rare: a huge clause text)
            parts.append(line[:limit])
            line = line[limit:]
        current = line
    if current.strip():
        parts.append(current)
    return parts
