"""Create the tasks of recurring clauses as their occurrences come within reach.

Each resolution remembers the local date it was last brought up to; a later ``now`` creates the
occurrences that came within reach since then, including those whose whole period passed while
the service was down (once: the task key is unique).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.isolation import Failures
from engine.service.tasks import Draft, drafts_for, horizon, horizon_on, new_task, zone_of
from engine.timing.local import local_date
from engine.workflow.catalog import CompiledClause
from storage.models import AuditEvent, Person, Resolution, Task


async def materialize(
    now: datetime, resolutions: list[dict[str, Any]], *, failures: Failures | None = None
) -> int:
    """Create due occurrences of every recurring clause; returns how many tasks were created.

    ``resolutions``: rows with ``id``, ``timezone`` and ``materialized_through``. A resolution
    whose occurrences cannot be worked out fails alone (recorded in ``failures``) and is tried
    again at the next pass."""
    failures = failures if failures is not None else Failures()
    created = 0
    stale = [
        r["id"]
        for r in resolutions
        if local_date(now, ZoneInfo(r["timezone"])) > r["materialized_through"]
    ]
    if not stale:
        return 0
    for resolution in await Resolution.filter(id__in=stale):  # definitions only when needed
        with failures.guard("resolution", resolution.id, resolution_id=resolution.id):
            created += await _materialize_one(resolution, now)
    return created


async def _materialize_one(resolution: Resolution, now: datetime) -> int:
    created = 0
    today = local_date(now, zone_of(resolution))
    clauses = [
        c
        for c in (CompiledClause.model_validate(j) for j in resolution.definition["clauses"])
        if c.rule is not None
    ]
    through = {c.id: horizon(now, resolution, c) for c in clauses}
    done = {c.id: horizon_on(resolution.materialized_through, c) for c in clauses}
    drafts = drafts_for(resolution.id, resolution.adopted, clauses, through, after=done)
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
