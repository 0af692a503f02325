"""``resolute apply``: bring the database in line with the workflow files.

Planning is pure (catalog + a snapshot of what is stored + now → a Plan); executing writes the
plan in one transaction. Re-applying the same files plans nothing. An edited file updates tasks
still in flight (text, deadline, policy), cancels the tasks of removed owners or clauses, and never
touches a confirmation: reported and done tasks keep their state and evidence.

Over 300 lines on purpose: applying a catalog is one transaction whose steps (people, links,
resolutions, tasks, cancellations) share its bookkeeping; link rows are in apply_links.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from engine.audit import event_line, log
from engine.service.apply_links import plan_links, set_links, stored_links
from engine.service.tasks import Draft, TaskKey, drafts_for, first_due, horizon, new_task
from engine.timing.local import local_date
from engine.workflow.catalog import Catalog, CompiledResolution
from engine.workflow.schema import Group as GroupDef
from engine.workflow.schema import Person as PersonDef
from storage.models import AuditEvent, Group, Person, Resolution, Task, TaskState

IN_FLIGHT = (TaskState.OPEN, TaskState.REPORTED)
ACTOR = "apply"
CREATE_BATCH = 1000  # tasks inserted at a time (and a step of the progress bar)
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Stored:
    """A task as the database has it (just what planning compares)."""

    id: int
    key: TaskKey
    state: TaskState
    text: str
    deadline: date
    policy: dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    people: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    digests: dict[str, str]  # resolution id → digest of the applied definition
    tasks: dict[TaskKey, Stored]
    links: dict[str, int] = field(default_factory=dict)  # person → MAX user id


@dataclass
class Plan:
    people: list[PersonDef] = field(default_factory=list)
    groups: list[GroupDef] = field(default_factory=list)
    resolutions: list[CompiledResolution] = field(default_factory=list)
    creates: list[Draft] = field(default_factory=list)
    updates: list[tuple[Stored, Draft]] = field(default_factory=list)
    cancels: list[Stored] = field(default_factory=list)
    restores: list[tuple[Stored, Draft]] = field(default_factory=list)
    unlink: list[str] = field(default_factory=list)  # linked by invite; the roster gives it away
    links: list[tuple[str, int]] = field(default_factory=list)  # (person, MAX user id) to set
    lines: list[str] = field(default_factory=list)  # what changes, for people to read

    @property
    def empty(self) -> bool:
        return not self.lines


def person_fields(person: PersonDef) -> dict[str, Any]:
    """What the roster sets. A roster without a chat id leaves alone the one an invite linked."""
    linked = {} if person.telegram is None else {"telegram_chat_id": person.telegram}
    return linked | {
        "name": person.name,
        "position": person.position,
        "organisation": person.organisation,
        "email": person.email,
        "timezone": person.timezone,
        "quiet_hours": [t.strftime("%H:%M") for t in person.quiet_hours]
        if person.quiet_hours
        else None,
        "channels": list(person.channels) if person.channels else None,
    }


def plan_apply(catalog: Catalog, stored: Snapshot, now: datetime) -> Plan:
    plan = Plan()
    chat_holders = {
        row["telegram_chat_id"]: pid
        for pid, row in stored.people.items()
        if row.get("telegram_chat_id") is not None
    }
    for person in catalog.people.values():
        before = stored.people.get(person.id)
        after = person_fields(person)
        if before is None:
            plan.people.append(person)
            plan.lines.append(f"+ человек {person.id} ({person.name})")
        elif changed := [k for k, v in after.items() if before.get(k) != v]:
            plan.people.append(person)
            plan.lines.append(f"~ человек {person.id}: изменено {', '.join(changed)}")
        holder = chat_holders.get(person.telegram) if person.telegram is not None else None
        if holder is not None and holder != person.id:  # linked by invite; the roster wins
            plan.unlink.append(holder)
            plan.lines.append(
                f"~ человек {holder}: чат Telegram {person.telegram} теперь у {person.id}"
            )
    plan.links, lines = plan_links(catalog, stored.links)
    plan.lines += lines
    for group in catalog.groups.values():
        before = stored.groups.get(group.id)
        if before is None:
            plan.groups.append(group)
            plan.lines.append(f"+ группа {group.id} ({len(group.members)} чел.)")
        elif before != {"name": group.name, "members": list(group.members)}:
            plan.groups.append(group)
            plan.lines.append(f"~ группа {group.id}: изменён состав или название")

    for resolution in catalog.resolutions:
        digest = stored.digests.get(resolution.id)
        if digest is None:
            plan.resolutions.append(resolution)
            plan.lines.append(f"+ постановление {resolution.id} «{resolution.meta.title}»")
        elif digest != resolution.digest:
            plan.resolutions.append(resolution)
            plan.lines.append(f"~ постановление {resolution.id}: изменено определение")
        _plan_tasks(plan, resolution, stored, now)
    return plan


def _plan_tasks(
    plan: Plan, resolution: CompiledResolution, stored: Snapshot, now: datetime
) -> None:
    existing = {k: t for k, t in stored.tasks.items() if k[0] == resolution.id}
    latest: dict[str, date] = {}
    for (_, clause_id, _, occurrence), _task in existing.items():
        if occurrence != "once":
            latest[clause_id] = max(latest.get(clause_id, date.min), date.fromisoformat(occurrence))
    through = {
        c.id: max(horizon(now, resolution, c), latest.get(c.id, date.min))
        for c in resolution.clauses
    }
    wanted = drafts_for(resolution.id, resolution.meta.adopted, resolution.clauses, through)
    today = local_date(now, resolution.tz)
    if resolution.id in stored.digests:
        # Re-applying a changed rule does not invent the past: periods already behind us that
        # have no task yet are not created (they would all be overdue at once); their open
        # tasks that the rule no longer has are cancelled below.
        wanted = {
            k: d
            for k, d in wanted.items()
            if k in existing or k[3] == "once" or d.deadline >= today
        }

    created: Counter[str] = Counter()
    for key, draft in wanted.items():
        task = existing.get(key)
        if task is None:
            plan.creates.append(draft)
            created[key[1]] += 1
        elif task.state == TaskState.CANCELLED:
            plan.restores.append((task, draft))
            plan.lines.append(f"+ задача {_name(key)}: восстановлена")
        elif task.state in IN_FLIGHT:
            draft, kept = _keep_escalation_in_flight(task, draft, today)
            if kept:
                plan.lines.append(f"= задача {_name(key)}: {kept}")
            diff = _differences(task, draft)
            if diff:
                plan.updates.append((task, draft))
                plan.lines.append(f"~ задача {_name(key)}: {'; '.join(diff)}")
    if created:
        per_clause = ", ".join(f"{c} × {n}" for c, n in created.items())
        plan.lines.append(f"+ задачи {resolution.id}: {sum(created.values())} ({per_clause})")
    for key, task in existing.items():
        # Only open tasks are cancelled: a report already made stays with the controller.
        if key not in wanted and task.state == TaskState.OPEN:
            plan.cancels.append(task)
            plan.lines.append(
                f"- задача {_name(key)}: отменена (исполнителя или пункта больше нет)"
            )


def _keep_escalation_in_flight(task: Stored, draft: Draft, today: date) -> tuple[Draft, str]:
    """An overdue task keeps the escalation chain it is being escalated by: editing the file
    does not rewrite escalations in flight (the change applies to tasks not yet overdue)."""
    old, new = task.policy.get("escalate"), draft.policy.get("escalate")
    if task.state != TaskState.OPEN or today <= task.deadline or old == new:
        return draft, ""
    kept = Draft(draft.key, draft.text, draft.deadline, {**draft.policy, "escalate": old})
    return kept, "уже просрочена, эскалация идёт по прежней цепочке"


def _differences(task: Stored, draft: Draft) -> list[str]:
    diff = []
    if task.text != draft.text:
        diff.append("изменён текст пункта")
    if task.deadline != draft.deadline:
        diff.append(f"срок {task.deadline:%d.%m.%Y} → {draft.deadline:%d.%m.%Y}")
    if task.policy != draft.policy:
        diff.append("изменены правила напоминаний")
    return diff


def _name(key: TaskKey) -> str:
    occurrence = "" if key[3] == "once" else f" [{key[3]}]"
    return f"{key[0]} {key[1]}{occurrence} / {key[2]}"


async def load_snapshot(resolution_ids: Iterable[str]) -> Snapshot:
    people = {
        row["id"]: {k: v for k, v in row.items() if k != "id"}
        for row in await Person.all().values(
            "id", "telegram_chat_id", *person_fields(PersonDef(id="x", name="x"))
        )
    }
    groups = {
        row["id"]: {"name": row["name"], "members": row["members"]}
        for row in await Group.all().values("id", "name", "members")
    }
    ids = list(resolution_ids)
    digests = dict(await Resolution.filter(id__in=ids).values_list("id", "digest"))
    tasks: dict[TaskKey, Stored] = {}
    rows = await Task.filter(resolution_id__in=ids).values_list(
        "id",
        "resolution_id",
        "clause_id",
        "owner_id",
        "occurrence",
        "state",
        "clause_text",
        "deadline",
        "policy",
    )
    for tid, rid, cid, oid, occ, state, text, deadline, policy in rows:
        key = (rid, cid, oid, occ)
        tasks[key] = Stored(tid, key, TaskState(state), text, deadline, policy)
    return Snapshot(people, groups, digests, tasks, await stored_links())


async def execute(
    plan: Plan, catalog: Catalog, now: datetime, progress: Progress | None = None
) -> None:
    """Write the plan in one transaction; ``progress(done, total)`` after each step."""
    total = (
        len(plan.people) + len(plan.groups) + len(plan.resolutions) + len(plan.creates)
        + len(plan.updates) + len(plan.restores)
    )  # fmt: skip
    done = 0

    def step(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    async with in_transaction():
        if plan.unlink:  # the roster gives their linked chat to someone else
            await Person.filter(id__in=plan.unlink).update(telegram_chat_id=None)
        for person in plan.people:
            await Person.update_or_create(id=person.id, defaults=person_fields(person))
            step()
        await set_links(plan.links, now)
        for group in plan.groups:
            await Group.update_or_create(
                id=group.id, defaults={"name": group.name, "members": list(group.members)}
            )
            step()
        for resolution in plan.resolutions:
            await Resolution.update_or_create(
                id=resolution.id,
                defaults={
                    "title": resolution.meta.title,
                    "number": resolution.meta.number,
                    "adopted": resolution.meta.adopted,
                    "timezone": resolution.meta.timezone,
                    "controller_id": resolution.meta.controller,
                    "definition": {
                        "document": resolution.definition,
                        "clauses": [c.model_dump(mode="json") for c in resolution.clauses],
                    },
                    "digest": resolution.digest,
                    "digest_times": sorted(
                        {c.policy.digest_at.strftime("%H:%M") for c in resolution.clauses}
                    ),
                    "applied_at": now,
                    "materialized_through": local_date(now, resolution.tz),
                },
            )
            step()
        people = {p.id: p for p in await Person.filter(id__in=list(catalog.people))}

        def check(draft: Draft) -> datetime | None:
            return first_due(draft, zones[draft.key[0]], people[draft.key[2]], now)

        zones = {r.id: r.meta.timezone for r in catalog.resolutions}
        new = [new_task(d, zones[d.key[0]], people[d.key[2]], now) for d in plan.creates]
        # ignore_conflicts: a tick may have created the same occurrence since the plan was made
        for start in range(0, len(new), CREATE_BATCH):
            batch = new[start : start + CREATE_BATCH]
            await Task.bulk_create(batch, batch_size=CREATE_BATCH, ignore_conflicts=True)
            step(len(batch))
        for task, draft in plan.updates:
            await Task.filter(id=task.id).update(
                clause_text=draft.text,
                deadline=draft.deadline,
                policy=draft.policy,
                next_due_at=check(draft),
            )
            step()
        for task, draft in plan.restores:
            await Task.filter(id=task.id).update(
                state=TaskState.OPEN,
                closed_at=None,
                clause_text=draft.text,
                deadline=draft.deadline,
                policy=draft.policy,
                next_due_at=check(draft),
            )
            step()
        if plan.cancels:
            await Task.filter(id__in=[t.id for t in plan.cancels]).update(
                state=TaskState.CANCELLED, closed_at=now, next_due_at=None
            )
        await _audit(plan, now)


async def _audit(plan: Plan, now: datetime) -> None:
    events = [
        AuditEvent(
            at=now, event="task.cancelled", actor=ACTOR, task_id=t.id, resolution_id=t.key[0]
        )
        for t in plan.cancels
    ]
    events += [
        AuditEvent(at=now, event="task.updated", actor=ACTOR, task_id=t.id, resolution_id=t.key[0])
        for t, _ in plan.updates
    ]
    events += [
        AuditEvent(at=now, event="task.restored", actor=ACTOR, task_id=t.id, resolution_id=t.key[0])
        for t, _ in plan.restores
    ]
    events += [
        AuditEvent(
            at=now,
            event="resolution.applied",
            actor=ACTOR,
            resolution_id=r.id,
            data={"digest": r.digest},
        )
        for r in plan.resolutions
    ]
    if plan.creates:
        events.append(
            AuditEvent(
                at=now, event="tasks.created", actor=ACTOR, data={"count": len(plan.creates)}
            )
        )
    await AuditEvent.bulk_create(events, batch_size=1000)
    for line in plan.lines:
        log.info(event_line("apply.change", change=repr(line)))


async def apply_catalog(
    catalog: Catalog, now: datetime, *, dry_run: bool = False, progress: Progress | None = None
) -> Plan:
    snapshot = await load_snapshot(r.id for r in catalog.resolutions)
    plan = plan_apply(catalog, snapshot, now)
    if not dry_run and not plan.empty:
        await execute(plan, catalog, now, progress)
    return plan
