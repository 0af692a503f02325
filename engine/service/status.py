"""Where every task stands, as rows for a table or for ``status --json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.timing.local import days_left, is_overdue
from engine.workflow.catalog import clause_order
from storage.models import Resolution, Task, TaskState

STATE_RU = {
    TaskState.OPEN: "в работе",
    TaskState.REPORTED: "на проверке",
    TaskState.DONE: "выполнено",
    TaskState.CANCELLED: "отменено",
}


@dataclass(frozen=True)
class TaskStatus:
    workflow: str
    clause: str
    owner: str
    owner_name: str
    occurrence: str
    deadline: str  # ISO date; an approved extension's date when there is one
    state: str
    overdue: bool
    days_late: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


# Only the columns a status row shows: a task's resolution carries the whole applied
# definition (a 1,000-clause file is megabytes), and joining it per task copied it per task.
_COLUMNS = (
    "resolution_id", "clause_id", "owner_id", "owner__name", "occurrence", "deadline",
    "extended_to", "state",
)  # fmt: skip


async def task_statuses(now: datetime, workflow: str | None = None) -> list[TaskStatus]:
    zones = {rid: ZoneInfo(tz) for rid, tz in await Resolution.all().values_list("id", "timezone")}
    query = Task.all()
    if workflow is not None:
        query = query.filter(resolution_id=workflow)
    rows = []
    for task in await query.values(*_COLUMNS):
        deadline = task["extended_to"] or task["deadline"]
        tz = zones[task["resolution_id"]]
        state = TaskState(task["state"])
        overdue = state == TaskState.OPEN and is_overdue(deadline, now, tz)
        rows.append(
            TaskStatus(
                workflow=task["resolution_id"],
                clause=task["clause_id"],
                owner=task["owner_id"],
                owner_name=task["owner__name"],
                occurrence=task["occurrence"],
                deadline=deadline.isoformat(),
                state=state.value,
                overdue=overdue,
                days_late=-days_left(deadline, now, tz) if overdue else 0,
            )
        )
    rows.sort(key=lambda r: (r.workflow, clause_order(r.clause), r.occurrence, r.owner))
    return rows
