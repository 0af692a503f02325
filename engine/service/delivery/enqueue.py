"""Tick side: outbox rows for the reminders that are due (engine/timing/due.py decides)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime

from engine.isolation import TASK_RETRY, Failures
from engine.service.delivery.route import PersonLinks, links_of, route
from engine.service.schedule import policy_of
from engine.timing import due
from engine.timing.due import reminder_key
from storage.models import Outbox, Resolution, Task, TaskState

log = logging.getLogger("resolute.dispatch")

BATCH = 1000


async def enqueue_due(
    now: datetime, channels: frozenset[str], *, failures: Failures | None = None
) -> int:
    """Outbox rows for every reminder due at ``now``; returns how many were added.

    A task whose schedule cannot be computed (say, date arithmetic overflowing) fails alone:
    it is recorded in ``failures`` and tried again ``TASK_RETRY`` later."""
    failures = failures if failures is not None else Failures()
    added = 0
    while True:
        tasks = (
            await Task.filter(state=TaskState.OPEN, next_due_at__lte=now)
            .order_by("next_due_at", "id")
            .limit(BATCH)
            .select_related("owner")
        )
        # Only the zone of each resolution: its stored definition is large, and read per task
        # it cost more than all the rest of this loop.
        zones = dict(
            await Resolution.filter(id__in={t.resolution_id for t in tasks}).values_list(
                "id", "timezone"
            )
        )
        links = await links_of({t.owner_id for t in tasks}, channels)
        rows: list[Outbox] = []
        # Grouped by what was read, so the write below cannot undo an apply that moved the
        # deadline meanwhile (it recomputed next_due_at for the new deadline).
        moves: dict[tuple[datetime | None, date, date | None], list[int]] = defaultdict(list)
        for task in tasks:
            guard = failures.guard(
                "task", task.id, task_id=task.id, resolution_id=task.resolution_id
            )
            with guard:
                row, next_at = _reminder_row(
                    task, zones[task.resolution_id], now, channels, links.get(task.owner_id)
                )
                if row is not None:
                    rows.append(row)
            if guard.failure is not None:
                next_at = now + TASK_RETRY
            moves[(next_at, task.deadline, task.extended_to)].append(task.id)
        before = await Outbox.filter(key__in=[r.key for r in rows]).count() if rows else 0
        await Outbox.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        added += len(rows) - before
        for (when, deadline, extended_to), ids in moves.items():
            await Task.filter(
                id__in=ids, deadline=deadline, extended_to=extended_to, next_due_at__lte=now
            ).update(next_due_at=when)
        if len(tasks) < BATCH:  # moved tasks are due later than now: none is left
            return added


def _reminder_row(
    task: Task, zone: str, now: datetime, channels: frozenset[str], links: PersonLinks | None
) -> tuple[Outbox | None, datetime | None]:
    """The outbox row of the task's live reminder (if one is live) and its next due moment."""
    deadline = task.extended_to or task.deadline
    plan = due.schedule(
        deadline, policy_of(task.policy), zone, task.owner.timezone, task.owner.quiet_hours
    )
    decision = due.reminder_due(plan, now)
    slot = decision.slot
    row = None
    if slot is not None:
        row = Outbox(
            key=reminder_key(task.id, deadline, slot.offset_days),
            task_id=task.id,
            person_id=task.owner_id,
            channel=route(task.owner, channels, links),
            kind="reminder",
            due_at=slot.due_at,
            attempt_at=slot.due_at,
            payload={"deadline": deadline.isoformat(), "offset": slot.offset_days},
        )
    return row, decision.next_at
