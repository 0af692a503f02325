"""6. The report (``resolute report``) of a resolution with 10,000 tasks: 1,000 people owning each
of 10 clauses; a third done (with evidence), some awaiting acceptance, the rest overdue. Each
format is built from the database (facts read, model built, file written), timed on its own;
the peak resident memory is the whole process's (database driver and libraries included).
On a machine shared with other work the wall times stretch; the CPU times do not."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    APPLIED,
    Result,
    Stopwatch,
    fresh_database,
    peak_rss_mib,
    profiled,
    run_benchmark,
    settings,
    smoke,
    write_workflow,
)
from engine.app import App
from engine.report import FORMATS, make_report, render
from engine.report.facts import load_facts
from engine.report.model import build_report
from engine.service.apply import apply_catalog
from engine.workflow.catalog import load_catalog
from storage.models import Evidence, Task, TaskState

AS_OF = datetime(2023, 10, 25, 9, 0, tzinfo=UTC)  # five days after the deadline
REPORTED = datetime(2023, 10, 19, 9, 0, tzinfo=UTC)
TARGET_S, TARGET_MIB = 5.0, 300.0


async def measure(backend: str) -> Result:
    result = await Result.begin("report", backend)
    people, clauses = (30, 4) if smoke() else (1000, 10)
    n = people * clauses
    print(f"report, {backend}: {n:,} tasks ({people:,} people x {clauses} clauses)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_workflow(Path(tmp) / "wf", people, clauses=clauses)
        async with fresh_database(backend, Path(tmp)) as db_url:  # noqa: SIM117 - App needs the URL
            async with App(settings(db_url), channels=False):
                await apply_catalog(load_catalog([folder]), APPLIED)
                ids = sorted(await Task.all().values_list("id", flat=True))
                done, reported = ids[: n // 3], ids[n // 3 : n // 2]
                await Task.filter(id__in=done).update(
                    state=TaskState.DONE, reported_at=REPORTED, closed_at=REPORTED
                )
                await Task.filter(id__in=reported).update(
                    state=TaskState.REPORTED, reported_at=REPORTED
                )
                await Evidence.bulk_create(
                    [
                        Evidence(task_id=t, person_id="boss", source="telegram", text="Сделано",
                                 received_at=REPORTED)
                        for t in done
                    ],
                    batch_size=1000,
                )  # fmt: skip
                with Stopwatch() as read:
                    facts = await load_facts("bench")
                with Stopwatch() as built:
                    model = build_report(facts, AS_OF)
                result.add("  of which: reading the facts", read.wall_s, "s")
                result.add("  of which: building the model", built.wall_s, "s")
                for fmt in FORMATS:
                    with Stopwatch() as written:
                        render(model, fmt)
                    result.add(f"  of which: writing {fmt.upper()}", written.wall_s, "s")
                sizes = {}
                for fmt in FORMATS:
                    with Stopwatch() as watch, profiled(f"report-{fmt}-{backend}"):
                        rendered = await make_report("bench", fmt, AS_OF)
                        (Path(tmp) / rendered.file_name).write_bytes(rendered.content)
                    sizes[fmt] = len(rendered.content)
                    result.add(f"{fmt.upper()}: {n:,} tasks", watch.wall_s, "s", at_most=TARGET_S)
                    result.add("  CPU time of it", watch.cpu_s, "s")
                    if rendered.report.summary.total != n:
                        raise RuntimeError(f"{fmt}: {rendered.report.summary.total} tasks, not {n}")
    result.add("peak memory of the process", peak_rss_mib(), "MiB", at_most=TARGET_MIB)
    for fmt, size in sizes.items():
        result.notes.append(f"{fmt}: {size / 1024:,.0f} KiB")
    return result


def main() -> None:
    run_benchmark(measure)


if __name__ == "__main__":
    main()
