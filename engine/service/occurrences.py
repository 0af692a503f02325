"""Create the tasks of recurring clauses as their occurrences come within reach.

Each resolution remembers the local date it was last brought up to; a later ``now`` creates the
occurrences that came within reach since then, including those whose whole period passed while
the service was down (once: the task key is unique).
"""

from __future__ import annotations

from datetime import datetime

from engine.service.apply import Draft, drafts_for, horizon, new_task, zone_of
from engine.timing.local import local_date
from engine.workflow.catalog import CompiledClause
from storage.models import AuditEvent, Person, Resolution, Task


async def materialize(now: datetime) -> int:
    """Create due occurrences of every recurring clause; returns how many tasks were created."""
    created = 0
    for resolution in await Resolution.all():
        today = local_date(now, zone_of(resolution))
        if today <= resolution.materialized_through:
            continue
        clauses = [
            c
            for c in (CompiledClause.model_validate(j) for j in resolution.definition["clauses"])
            if c.rule is not None
        ]
        through = {c.id: horizon(now, resolution, c) for c in clauses}
        drafts = drafts_for(resolution.id, resolution.adopted, clauses, through)
        if drafts:
            created += await _insert_missing(resolution, list(drafts.values()), now)
        resolution.materialized_through = today
        await resolution.save(update_fields=["materialized_through"])
    return created


async def _insert_missing(resolution: Resolution, drafts: list[Draft], now: datetime) -> int:
    existing = set(
        await Task.filter(resolution_id=resolution.id, occurrence__not="once").values_list(
            "clause_id", "owner_id", "occurrence"
        )
    )
    fresh = [d for d in drafts if d.key[1:] not in existing]
    if not fresh:
        return 0
    people = {p.id: p for p in await Person.filter(id__in={d.key[2] for d in fresh})}
    tasks = [new_task(d, resolution.timezone, people[d.key[2]], now) for d in fresh]
    await Task.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    await AuditEvent.create(
        at=now,
        event="tasks.created",
        actor="schedule",
        resolution_id=resolution.id,
        data={"count": len(tasks)},
    )
    return len(tasks)
