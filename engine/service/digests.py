"""Controller digests: once a day per digest time, one message per recipient with news.

A digest "slot" is a (time zone, digest_at) pair taken from the tasks' policies. When a tick
finds a slot's time has come today and its pass for today has not run, it composes every
recipient's digest (engine.digest.compose), renders it, and puts it in the outbox under the key
``digest:<person>:<zone>:<HH:MM>:<date>:<part>`` — one per recipient per day, however many ticks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from engine.channels.registry import CHANNELS, Kind
from engine.channels.telegram_text import TELEGRAM_LIMIT, split_message
from engine.digest import TaskView, compose
from engine.isolation import Failures
from engine.reach import reach_of
from engine.render import Renderer
from engine.service.delivery import NO_CHANNEL, route, usable
from engine.service.delivery.route import links_of
from engine.service.digest_text import render_digest, render_digest_mail
from engine.service.schedule import policy_of
from engine.timing import due
from engine.timing.escalation import Step
from engine.workflow.schema import Policy
from storage.models import (
    Cursor,
    Extension,
    ExtensionState,
    Group,
    Outbox,
    Person,
    Task,
    TaskState,
)

log = logging.getLogger("resolute.digests")

VIEW_PAGE = 5000  # task rows read at a time to compose digests
DONE_LOOKBACK = timedelta(days=62)  # "done since the last digest" looks no further back
DEFAULT_DIGEST_AT = Policy().digest_at.strftime("%H:%M")


@dataclass(frozen=True)
class Slot:
    timezone: str
    digest_at: time

    @property
    def label(self) -> str:
        return f"{self.timezone}:{self.digest_at:%H:%M}"

    def instant(self, day: date) -> datetime:
        return due.digest_instant(day, self.digest_at, ZoneInfo(self.timezone))


async def enqueue_digests(
    now: datetime,
    renderer: Renderer,
    rows: list[dict[str, Any]],
    channels: frozenset[str],
    *,
    failures: Failures | None = None,
) -> int:
    """Compose and enqueue every digest due by ``now`` today; returns how many were added.

    ``rows``: every resolution with ``id``, ``timezone``, ``controller_id``, ``number``,
    ``title`` and ``digest_times``. One recipient's digest that cannot be composed or rendered
    fails alone (recorded in ``failures``, given up for that day); the others go out."""
    failures = failures if failures is not None else Failures()
    resolutions = {row["id"]: row for row in rows}
    cursors = dict(await Cursor.filter(name__startswith="digest:").values_list("name", "value"))
    due_now: list[tuple[Slot, date]] = []
    for slot in slots_of(resolutions.values()):
        done_through = cursors.get(f"digest:{slot.label}", "")
        today = due.digest_day_due(now, ZoneInfo(slot.timezone), slot.digest_at, done_through)
        if today is not None:
            due_now.append((slot, today))
    if not due_now:
        return 0
    views = await _task_views(resolutions, now, channels, failures)
    added = 0
    for slot, today in due_now:
        in_slot = [v for v, s, _ in views if s == slot]
        quiet = due.slot_quiet_hours(q for _, s, q in views if s == slot)
        recipients = {v.controller_id for v in in_slot} | {
            r for v in in_slot for step in v.steps for r in step.recipients
        }
        people = {p.id: p for p in await Person.filter(id__in=recipients)}
        for recipient in sorted(people):
            with failures.guard("digest", f"{recipient}:{slot.label}:{today}"):
                added += await _enqueue_one(
                    slot, today, people[recipient], in_slot, quiet, renderer, channels, failures
                )
        name = f"digest:{slot.label}"
        if not await Cursor.filter(name=name).update(value=today.isoformat()):
            await Cursor.create(name=name, value=today.isoformat())
    return added


def slots_of(resolutions: Iterable[dict[str, Any]]) -> set[Slot]:
    """Every digest time of every resolution (``digest_times`` is stored by ``apply``)."""
    return {
        Slot(r["timezone"], time.fromisoformat(t))
        for r in resolutions
        for t in r["digest_times"] or (DEFAULT_DIGEST_AT,)
    }


async def _task_views(
    resolutions: dict[str, dict[str, Any]],
    now: datetime,
    channels: frozenset[str],
    failures: Failures,
) -> list[tuple[TaskView, Slot, due.Quiet]]:
    """Every task a digest may mention, with its digest time and its policy's quiet hours;
    a task whose stored policy cannot be read (a snapshot from before the schema's ranges) is
    left out and recorded in ``failures``."""
    groups = {g["id"]: g["members"] for g in await Group.all().values("id", "members")}
    fields = (
        "id", "resolution_id", "clause_id", "clause_text", "deadline", "extended_to", "state",
        "reported_at", "closed_at", "policy", "owner_id", "owner__name", "owner__organisation",
        "owner__channels", *(f"owner__{f}" for e in CHANNELS for f in e.person_fields),
    )  # fmt: skip
    links = await links_of(None, channels)  # every link row of a channel that is on
    in_flight = Q(state__in=[TaskState.OPEN, TaskState.REPORTED])
    recently_done = Q(state=TaskState.DONE, closed_at__gte=now - DONE_LOOKBACK)
    asked = {
        e["task_id"]: (e["requested_to"], e["requested_at"])
        for e in await Extension.filter(state=ExtensionState.PENDING).values(
            "task_id", "requested_to", "requested_at"
        )
    }
    chains: dict[tuple[str, str], tuple[tuple[Step, ...], Slot, due.Quiet]] = {}
    # Read a page at a time and share what repeats (a clause's text, a resolution's title, an
    # owner's name): a large organisation's open tasks must not all sit in memory as rows.
    shared: dict[object, Any] = {}
    views = []
    # The ids first (the state index finds them), then the rows by id, a page at a time: paging
    # with "id > last" made PostgreSQL walk the primary key through all closed history.
    ids = await Task.filter(in_flight | recently_done).values_list("id", flat=True)
    for start in range(0, len(ids), VIEW_PAGE):
        rows = await Task.filter(id__in=ids[start : start + VIEW_PAGE]).values(*fields)
        for row in rows:
            resolution = resolutions[row["resolution_id"]]
            canonical = json.dumps(row["policy"], sort_keys=True)
            chain = chains.get((canonical, resolution["id"]))
            if chain is None:
                with failures.guard("task", row["id"], task_id=row["id"]):
                    policy = policy_of(row["policy"])
                    steps = tuple(
                        Step(
                            s.after,
                            frozenset(_recipients(s.to, resolution["controller_id"], groups)),
                            s.every,
                        )
                        for s in policy.escalate
                    )
                    chain = chains[(canonical, resolution["id"])] = (
                        steps,
                        Slot(resolution["timezone"], policy.digest_at),
                        policy.quiet_hours,
                    )
                if chain is None:
                    continue
            owner_id = row["owner_id"]
            owner = shared.get(("owner", owner_id))
            if owner is None:
                fields_of = SimpleNamespace(
                    **{k.removeprefix("owner__"): v for k, v in row.items()}
                )
                owner = shared[("owner", owner_id)] = (
                    row["owner__name"],
                    row["owner__organisation"],
                    route(fields_of, channels, links.get(owner_id)) != NO_CHANNEL,
                    reach_of(
                        fields_of, channels, ZoneInfo(resolution["timezone"]), links.get(owner_id)
                    ),
                )
            title = shared.setdefault(
                ("title", resolution["id"]), f"№ {resolution['number']} «{resolution['title']}»"
            )
            view = TaskView(
                task_id=row["id"],
                resolution_id=resolution["id"],
                resolution_title=title,
                clause_id=shared.setdefault(row["clause_id"], row["clause_id"]),
                clause_text=shared.setdefault(row["clause_text"], row["clause_text"]),
                owner_id=owner_id,
                owner_name=owner[0],
                owner_organisation=owner[1],
                deadline=row["extended_to"] or row["deadline"],
                state=str(row["state"]),
                reported_at=row["reported_at"],
                closed_at=row["closed_at"],
                controller_id=resolution["controller_id"],
                steps=chain[0],
                owner_reachable=owner[2],
                owner_reach=owner[3],
                extension_to=asked[row["id"]][0] if row["id"] in asked else None,
                extension_at=asked[row["id"]][1] if row["id"] in asked else None,
            )
            views.append((view, chain[1], chain[2]))
    return views


def _recipients(to: str, controller: str, groups: dict[str, list[str]]) -> list[str]:
    if to == "controller":
        return [controller]
    return groups.get(to, [to])


async def _enqueue_one(
    slot: Slot,
    today: date,
    person: Person,
    views: list[TaskView],
    policy_quiet: due.Quiet,
    renderer: Renderer,
    channels: frozenset[str],
    failures: Failures,
) -> int:
    prefix = f"digest:{person.id}:{slot.label}:"
    last = await Outbox.filter(key__startswith=prefix).order_by("-due_at").first()
    last_day = date.fromisoformat(last.key.split(":")[-2]) if last else None
    if last_day == today:
        return 0  # already composed today
    last_at = last.due_at if last else slot.instant(today - timedelta(days=1))
    digest = compose(person.id, today, views, last_day=last_day, last_at=last_at, failures=failures)
    if digest is None:
        return 0
    zone = ZoneInfo(slot.timezone)
    due_at = due.digest_send_at(
        today, slot.digest_at, zone, ZoneInfo(person.timezone) if person.timezone else zone,
        due.quiet_hours_for(person.quiet_hours, policy_quiet),
    )  # fmt: skip
    key = f"{prefix}{today.isoformat()}"
    # Every channel that reaches the recipient gets the digest (the controller reads both).
    payloads: list[tuple[str, str, dict[str, Any]]] = []
    own = (await links_of([person.id], channels)).get(person.id)
    for channel in usable(person, channels, own) or [NO_CHANNEL]:
        entry = CHANNELS.get(channel)
        if entry is not None and entry.kind is Kind.MAIL:
            payloads.append(
                (f"{key}:{channel}", channel, render_digest_mail(renderer, digest, person))
            )
            continue
        limit = entry.max_chars if entry is not None else TELEGRAM_LIMIT
        parts = split_message(render_digest(renderer, digest, person), limit)
        payloads += [
            (f"{key}:{i}", channel, {"html": part, "part": i, "parts": len(parts)})
            for i, part in enumerate(parts, start=1)
        ]
    rows = [
        Outbox(
            key=row_key,
            person_id=person.id,
            channel=channel,
            kind="digest",
            due_at=due_at,
            attempt_at=due_at,
            payload=payload,
        )
        for row_key, channel, payload in payloads
    ]
    await Outbox.bulk_create(rows, ignore_conflicts=True)
    log.info("digest.enqueued to=%s day=%s messages=%d", person.id, today, len(rows))
    return len(rows)
