"""Tasks as a definition wants them (drafts), and when each one's occurrences come into being.

Shared by ``apply`` (which diffs drafts against what is stored) and by the ticks that create
the occurrences of recurring clauses as they come within reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.service.schedule import first_check, policy_of
from engine.timing.local import local_date
from engine.timing.occurrences import lead_days
from engine.workflow.catalog import CompiledClause, CompiledResolution
from storage.models import Person, Resolution, Task

TaskKey = tuple[str, str, str, str]  # resolution, clause, owner, occurrence


@dataclass(frozen=True)
class Draft:
    """A task as the definition wants it."""

    key: TaskKey
    text: str
    deadline: date
    policy: dict[str, Any]


def first_due(draft: Draft, resolution_tz: str, owner: Person, now: datetime) -> datetime | None:
    """When the dispatcher should first look at the task a draft describes."""
    return first_check(
        draft.deadline,
        policy_of(draft.policy),
        resolution_tz,
        owner.timezone,
        owner.quiet_hours,
        now,
    )


def new_task(draft: Draft, resolution_tz: str, owner: Person, now: datetime) -> Task:
    resolution_id, clause_id, owner_id, occurrence = draft.key
    return Task(
        resolution_id=resolution_id,
        clause_id=clause_id,
        owner_id=owner_id,
        occurrence=occurrence,
        clause_text=draft.text,
        deadline=draft.deadline,
        policy=draft.policy,
        next_due_at=first_due(draft, resolution_tz, owner, now),
    )


def horizon(
    now: datetime, resolution: CompiledResolution | Resolution, clause: CompiledClause
) -> date:
    """Occurrences exist from their earliest reminder on, so the first reminder finds its task."""
    return horizon_on(local_date(now, zone_of(resolution)), clause)


def horizon_on(day: date, clause: CompiledClause) -> date:
    """The last deadline whose occurrence exists on local ``day``."""
    return day + timedelta(days=lead_days(clause.policy.remind))


def zone_of(resolution: CompiledResolution | Resolution) -> ZoneInfo:
    if isinstance(resolution, CompiledResolution):
        return resolution.tz
    return ZoneInfo(resolution.timezone)


def drafts_for(
    resolution_id: str,
    adopted: date,
    clauses: Iterable[CompiledClause],
    through: dict[str, date],
    after: dict[str, date] | None = None,
) -> dict[TaskKey, Draft]:
    """Every task the clauses call for, occurrences up to ``through[clause id]`` (and after
    ``after[clause id]``, when given)."""
    drafts: dict[TaskKey, Draft] = {}
    for clause in clauses:
        policy = clause.policy.model_dump(mode="json")
        since = after.get(clause.id) if after else None
        for occurrence, deadline in clause.occurrences(adopted, through[clause.id], after=since):
            for owner in clause.owners:
                key = (resolution_id, clause.id, owner, occurrence)
                drafts[key] = Draft(key, clause.text, deadline, policy)
    return drafts
