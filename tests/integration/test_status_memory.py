"""``status`` reads the columns it shows, not each task's whole resolution definition (a file of
1,000 clauses made ``status --json`` take gigabytes: the definition was copied once per task)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from engine.service.apply import apply_catalog
from engine.service.status import task_statuses
from engine.workflow.catalog import load_catalog
from storage.models import Resolution, Task
from tests.helpers import APPLIED, at, write_workflow

BIG_DEFINITION_BYTES = 2_000_000


async def test_status_memory_does_not_grow_with_the_definition_times_the_tasks(
    db: str, tmp_path: Path
) -> None:
    await apply_catalog(load_catalog([write_workflow(tmp_path)]), at(APPLIED))
    resolution = await Resolution.get(id="r-1")
    padding = [{"id": f"P.{i}", "text": "текст пункта " * 10} for i in range(12_000)]
    resolution.definition = {**resolution.definition, "padding": padding}
    await resolution.save(update_fields=["definition"])
    tasks = await Task.all().count()
    assert tasks == 3

    tracemalloc.start()
    try:
        rows = await task_statuses(at("2023-10-25T10:00+03:00"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert [(r.owner, r.overdue, r.days_late) for r in rows] == [
        ("ivanov", True, 5),
        ("petrova", True, 5),
        ("sidorov", True, 5),
    ]
    assert peak < BIG_DEFINITION_BYTES  # before: the definition, parsed, once per task
