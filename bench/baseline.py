"""5. Baseline, side by side: the design most reminder bots use, one APScheduler job per reminder
(python-telegram-bot's JobQueue), against resolute, for the same 100,000 reminders.

- JobQueue (APScheduler's memory store): time to schedule, peak RSS, and what a restart keeps
  (nothing: the jobs lived in the process).
- APScheduler with its SQLAlchemy job store (SQLite), the persistent variant: a JobQueue's jobs
  cannot go there (their callbacks do not pickle), so plain APScheduler jobs with a module-level
  function. Its store is synchronous: every ``add_job`` blocks the event loop on a commit.
- resolute: ``apply`` of a resolution whose 10 clauses × 10,000 people are the same 100,000
  tasks, each with its next reminder in the database; a restart is a new process that reads them.

Each variant runs in a process of its own (``python -m bench.baseline --phase …``).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import (
    APPLIED,
    Result,
    Stopwatch,
    peak_rss_mib,
    phase_result,
    quiet_logs,
    run_phase,
    smoke,
    write_workflow,
)

CLAUSES = 10
FIRST_RUN = datetime(2030, 1, 1, tzinfo=UTC)
FIRST = datetime(2023, 10, 12, 9, 0, tzinfo=UTC)  # 12:00 in Moscow: the day's digest pass
IDLE = datetime(2023, 10, 12, 9, 5, tzinfo=UTC)  # five minutes later: nothing due


async def remind(task_id: int) -> None:
    """What a reminder job would run (never reached: every job is due years from now)."""


def reminders() -> int:
    return 1000 if smoke() else 100_000


# --- phases --------------------------------------------------------------------------------------


async def phase_jobqueue(n: int) -> None:
    from telegram.ext import ApplicationBuilder, ContextTypes

    async def callback(context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    application = ApplicationBuilder().token("123456:BASELINE").updater(None).build()
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue]: APScheduler is missing"
    await queue.start()
    rss_before = peak_rss_mib()
    with Stopwatch() as scheduling:
        for i in range(n):
            queue.run_once(
                callback, when=FIRST_RUN + timedelta(seconds=i), data=i, name=f"reminder:{i}"
            )
    jobs = len(queue.jobs())
    await queue.stop(wait=False)
    phase_result(
        {
            "schedule_s": scheduling.wall_s,
            "jobs": jobs,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


def _sqlalchemy_scheduler(path: str):  # type: ignore[no-untyped-def]
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    return AsyncIOScheduler(
        timezone=UTC, jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{path}")}
    )


async def phase_sqlalchemy(n: int, path: str) -> None:
    scheduler = _sqlalchemy_scheduler(path)
    scheduler.start(paused=True)
    rss_before = peak_rss_mib()
    with Stopwatch() as scheduling:
        for i in range(n):
            scheduler.add_job(
                remind, "date", run_date=FIRST_RUN + timedelta(seconds=i), args=[i], id=f"r{i}"
            )
    scheduler.shutdown(wait=False)
    phase_result(
        {
            "schedule_s": scheduling.wall_s,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


async def phase_sqlalchemy_restart(path: str) -> None:
    scheduler = _sqlalchemy_scheduler(path)
    with Stopwatch() as starting:
        scheduler.start(paused=True)
        jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    phase_result({"jobs": jobs, "load_s": starting.wall_s, "peak_rss_mib": peak_rss_mib()})


async def phase_resolute(db_url: str, folder: str) -> None:
    from engine.service.apply import apply_catalog
    from engine.workflow.catalog import load_catalog
    from storage.db import database

    catalog = load_catalog([Path(folder)])
    rss_before = peak_rss_mib()
    async with database(db_url):
        with Stopwatch() as scheduling:
            await apply_catalog(catalog, APPLIED)
    phase_result(
        {
            "schedule_s": scheduling.wall_s,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


async def phase_resolute_restart(db_url: str, now: datetime) -> None:
    from bench.state import NullSender
    from engine.render import Renderer
    from engine.service.cycle import TickReport, advance
    from engine.service.delivery import Outlets
    from storage.db import database
    from storage.models import Task, TaskState

    async with database(db_url):
        with Stopwatch() as reading:
            pending = await Task.filter(state=TaskState.OPEN, next_due_at__not_isnull=True).count()
        report = TickReport()
        with Stopwatch() as ticking:
            await advance(report, now, Outlets(telegram=NullSender()), Renderer(), b"baseline")
    phase_result(
        {
            "jobs": pending,
            "load_s": reading.wall_s,
            "tick_s": ticking.wall_s,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


# --- the benchmark -------------------------------------------------------------------------------


def _mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def _sqlalchemy_available() -> bool:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        return False
    return True


def measure() -> Result:
    result = asyncio.run(Result.begin("baseline", "sqlite"))
    n = reminders()
    people = n // CLAUSES
    print(f"baseline: {n:,} reminders, one APScheduler job each, against resolute", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        jq = run_phase("bench.baseline", "--phase", "jobqueue", str(n))
        assert jq["jobs"] == n, jq
        result.add("JobQueue (memory): time to schedule", jq["schedule_s"], "s")
        result.add("JobQueue (memory): peak RSS", jq["peak_rss_mib"], "MiB")
        result.add(
            "JobQueue (memory): RSS for the jobs", jq["peak_rss_mib"] - jq["rss_before_mib"], "MiB"
        )
        result.add("JobQueue (memory): jobs after a restart", 0)

        sa: dict[str, float] | None = None
        if _sqlalchemy_available():
            store = str(Path(tmp) / "jobs.sqlite")
            sa = run_phase("bench.baseline", "--phase", "sqlalchemy", str(n), store)
            back = run_phase("bench.baseline", "--phase", "sqlalchemy-restart", "0", store)
            result.add("APScheduler + SQLAlchemy store: time to schedule", sa["schedule_s"], "s")
            result.add("  event loop blocked per job (synchronous commit)",
                       sa["schedule_s"] / n * 1000, "ms")  # fmt: skip
            result.add("APScheduler + SQLAlchemy store: peak RSS", sa["peak_rss_mib"], "MiB")
            result.add("APScheduler + SQLAlchemy store: size on disk", _mib(Path(store)), "MiB")
            result.add("APScheduler + SQLAlchemy store: jobs after a restart", back["jobs"])
            result.add("  loading them at restart", back["load_s"], "s")
        else:
            result.note(
                "SQLAlchemy store skipped: install the bench extra (pip install -e '.[bench]')"
            )

        folder = write_workflow(Path(tmp) / "wf", people, clauses=CLAUSES)
        db_url = f"sqlite://{Path(tmp) / 'resolute.sqlite3'}"
        ours = run_phase("bench.baseline", "--phase", "resolute", "0", db_url, str(folder))
        again = run_phase(
            "bench.baseline", "--phase", "resolute-restart", "0", db_url, FIRST.isoformat()
        )
        idle = run_phase(
            "bench.baseline", "--phase", "resolute-restart", "0", db_url, IDLE.isoformat()
        )
        assert again["jobs"] == n, again
        result.add("resolute (apply, SQLite): time to schedule", ours["schedule_s"], "s")
        result.add("resolute: peak RSS while applying", ours["peak_rss_mib"], "MiB")
        result.add("resolute: database size on disk", _mib(Path(tmp) / "resolute.sqlite3"), "MiB")
        result.add("resolute: reminders after a restart", again["jobs"])
        result.add("resolute: peak RSS of a process ticking over them", idle["peak_rss_mib"], "MiB")
        result.add("  that tick (nothing due)", idle["tick_s"] * 1000, "ms")
        result.add("resolute: peak RSS of the day's digest pass", again["peak_rss_mib"], "MiB")
        result.add("  that tick", again["tick_s"] * 1000, "ms")

        result.add("ratio: resolute / JobQueue, time to schedule",
                   ours["schedule_s"] / jq["schedule_s"], "×")  # fmt: skip
        result.add("ratio: resolute / JobQueue, resident memory while waiting",
                   idle["peak_rss_mib"] / jq["peak_rss_mib"], "×")  # fmt: skip
        result.add("ratio: resolute / JobQueue, memory at the digest pass",
                   again["peak_rss_mib"] / jq["peak_rss_mib"], "×")  # fmt: skip
        if sa is not None:
            result.add("ratio: resolute / SQLAlchemy store, time to schedule",
                       ours["schedule_s"] / sa["schedule_s"], "×")  # fmt: skip
        result.note(
            "resolute keeps every reminder of a task (here 3: -7d, -1d, 0d) from one row; one job "
            "per reminder would need 3 jobs a task, or a reschedule after each"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("args", nargs="*")
    parser.add_argument(
        "--phase",
        choices=["jobqueue", "sqlalchemy", "sqlalchemy-restart", "resolute", "resolute-restart"],
    )
    ns = parser.parse_args()
    with quiet_logs():
        if ns.phase is None:
            started = time.perf_counter()
            result = measure()
            result.note(f"whole benchmark took {time.perf_counter() - started:.0f} s")
            result.emit()
            return
        n, *rest = ns.args
        phases = {
            "jobqueue": lambda: phase_jobqueue(int(n)),
            "sqlalchemy": lambda: phase_sqlalchemy(int(n), rest[0]),
            "sqlalchemy-restart": lambda: phase_sqlalchemy_restart(rest[0]),
            "resolute": lambda: phase_resolute(rest[0], rest[1]),
            "resolute-restart": lambda: phase_resolute_restart(
                rest[0], datetime.fromisoformat(rest[1])
            ),
        }
        asyncio.run(phases[ns.phase]())


if __name__ == "__main__":
    main()
