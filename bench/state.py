"""4. State scale: a database of 1,000,000 task rows (900,000 closed history with a sent reminder
each, 100,000 open), and what one process does with it: ``apply`` of a resolution that fans out to
100,000 tasks, a tick with nothing due, a tick with 10,000 reminders due, and each one's peak RSS.

History is bulk-loaded (INSERT/COPY); the open tasks come from the engine's own ``apply``. Each
measured phase runs in a fresh process (``python -m bench.state --phase …``), so its peak RSS is
its own. Ticks run the engine's ``advance`` (what ``resolute tick`` does after reading inbound)
with a sender that accepts every message without a network: the database side of delivery is
measured here, the network side by the dispatch benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import seed
from bench.common import (
    APPLIED,
    Result,
    Stopwatch,
    fresh_database,
    peak_rss_mib,
    phase_result,
    profiled,
    quiet_logs,
    run_phase,
    smoke,
    write_workflow,
)
from engine.channels.base import Delivered
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.cycle import TickReport, advance
from engine.service.delivery import Outlets
from engine.workflow.catalog import load_catalog
from storage.db import database
from storage.models import Group, Outbox, Person, Resolution, Task, TaskState

CLAUSES = 10  # clauses of the applied resolution: each owned by everybody, deadlines a day apart
HISTORY_RESOLUTIONS = 90
FIRST_CHAT = 30_000_000
MSK = timedelta(hours=3)
DIGEST_TICK = datetime(2023, 10, 12, 11, 0, tzinfo=UTC) - MSK  # the day's digests fall due
IDLE_TICK = datetime(2023, 10, 12, 12, 0, tzinfo=UTC) - MSK  # nothing is due
WARM_TICK = datetime(2023, 10, 13, 8, 0, tzinfo=UTC) - MSK  # a new day begins, nothing due
DUE_TICK = datetime(2023, 10, 13, 9, 0, tzinfo=UTC) - MSK  # the -7d reminders of clause 1
SECRET = b"bench-state"


class NullSender:
    """Accepts every Telegram message at once (no network: that is benchmark 1's part)."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: int, html: str, buttons: object = ()) -> Delivered:
        self.count += 1
        return Delivered(f"{chat_id}:{self.count}")

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> Delivered:
        return await self.send(chat_id, "")


def sizes() -> tuple[int, int]:
    """(people, history tasks per history resolution): people × CLAUSES open tasks."""
    return (100, 100) if smoke() else (10_000, 10_000)


# --- phases, each in a process of its own ------------------------------------------------------


async def phase_apply(db_url: str, folder: Path) -> None:
    with Stopwatch() as loading:
        catalog = load_catalog([folder])
    rss_before = peak_rss_mib()
    async with database(db_url):
        with Stopwatch() as applying, profiled("state-apply"):
            plan = await apply_catalog(catalog, APPLIED)
        created = len(plan.creates)
    phase_result(
        {
            "load_s": loading.wall_s,
            "apply_s": applying.wall_s,
            "apply_cpu_s": applying.cpu_s,
            "created": created,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


async def phase_tick(db_url: str, now: datetime, name: str) -> None:
    async with database(db_url):
        renderer = Renderer()
        rss_before = peak_rss_mib()
        sender = NullSender()
        report = TickReport()
        with Stopwatch() as ticking, profiled(f"state-{name}"):
            await advance(report, now, Outlets(telegram=sender), renderer, SECRET)
    phase_result(
        {
            "tick_s": ticking.wall_s,
            "tick_cpu_s": ticking.cpu_s,
            "enqueued": report.enqueued,
            "sent": report.delivery.sent,
            "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(),
        }
    )


# --- the benchmark -------------------------------------------------------------------------------


async def _seed_history(db_url: str, folder: Path, people: int, per_resolution: int) -> int:
    """People, group, 90 old resolutions and their closed tasks, each with one sent reminder."""
    async with database(db_url):  # the schema, migrated
        pass
    catalog = load_catalog([folder])
    policy = catalog.resolutions[0].clauses[0].policy.model_dump(mode="json")
    now = APPLIED - timedelta(days=400)

    person = seed.template(Person, id="x", name="x", telegram_chat_id=1, created_at=now)
    cols = list(person)
    rows = [
        tuple({**person, "id": f"p{i}", "name": f"Исполнитель {i}",
               "telegram_chat_id": FIRST_CHAT + i}[c] for c in cols)
        for i in range(people)
    ]  # fmt: skip
    rows.append(tuple({**person, "id": "boss", "name": "Контролёр", "telegram_chat_id": None}[c]
                      for c in cols))  # fmt: skip
    await seed.insert(db_url, "person", cols, rows)
    group = seed.template(Group, id="all", name=None, members=[f"p{i}" for i in range(people)])
    await seed.insert(db_url, "person_group", list(group), [tuple(group.values())])

    resolution = seed.template(
        Resolution, id="x", title="Архивное постановление", number="0", adopted=date(2022, 1, 10),
        timezone="Europe/Moscow", controller_id="boss", definition={"document": {}, "clauses": []},
        digest="archived", digest_times=["09:30"], applied_at=now,
        materialized_through=date(2022, 12, 31),
    )  # fmt: skip
    cols = list(resolution)
    await seed.insert(
        db_url,
        "resolution",
        cols,
        [tuple({**resolution, "id": f"h{r}"}[c] for c in cols) for r in range(HISTORY_RESOLUTIONS)],
    )

    task = seed.template(
        Task, id=1, resolution_id="h0", clause_id="1", owner_id="p0", occurrence="once",
        clause_text="Обеспечить исполнение пункта и доложить.", deadline=date(2022, 6, 1),
        state=TaskState.DONE, policy=policy, next_due_at=None, created_at=now, closed_at=now,
    )  # fmt: skip
    task_cols = list(task)

    def history_tasks():  # type: ignore[no-untyped-def]
        n = 0
        for r in range(HISTORY_RESOLUTIONS):
            deadline = date(2022, 1, 15) + timedelta(days=4 * r)
            closed = datetime.combine(deadline, datetime.min.time(), UTC)
            for i in range(per_resolution):
                n += 1
                values = {**task, "id": n, "resolution_id": f"h{r}", "owner_id": f"p{i % people}",
                          "clause_id": str(i // people + 1), "deadline": deadline,
                          "closed_at": closed}  # fmt: skip
                yield tuple(values[c] for c in task_cols)

    total = await seed.insert(db_url, "task", task_cols, history_tasks())

    outbox = seed.template(
        Outbox, id=1, key="k", task_id=1, person_id="p0", channel="telegram", kind="reminder",
        due_at=now, status="sent", attempt_at=now, attempts=1, sent_at=now, external_id="1:1",
        payload={"deadline": "2022-06-01", "offset": -7}, created_at=now,
    )  # fmt: skip
    out_cols = list(outbox)

    def history_outbox():  # type: ignore[no-untyped-def]
        n = 0
        for r in range(HISTORY_RESOLUTIONS):
            deadline = date(2022, 1, 15) + timedelta(days=4 * r)
            due = datetime.combine(deadline - timedelta(days=7), datetime.min.time(), UTC)
            for i in range(per_resolution):
                n += 1
                values = {**outbox, "id": n, "key": f"reminder:{n}:{deadline}:-7d", "task_id": n,
                          "person_id": f"p{i % people}", "due_at": due, "attempt_at": due,
                          "sent_at": due, "external_id": f"{FIRST_CHAT + i % people}:{r + 1}",
                          "payload": json.dumps({"deadline": str(deadline), "offset": -7}),
                          }  # fmt: skip
                yield tuple(values[c] for c in out_cols)

    await seed.insert(db_url, "outbox", out_cols, history_outbox())
    return total


async def measure(backend: str) -> Result:
    result = await Result.begin("state", backend)
    people, per_resolution = sizes()
    open_tasks = people * CLAUSES
    history = HISTORY_RESOLUTIONS * per_resolution
    print(
        f"state scale, {backend}: {history + open_tasks:,} tasks ({history:,} closed history, "
        f"{open_tasks:,} open from one apply), {people:,} people",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        deadlines = [str(date(2023, 10, 20) + timedelta(days=k)) for k in range(CLAUSES)]
        folder = write_workflow(
            Path(tmp) / "wf", people, clauses=CLAUSES, deadlines=deadlines, telegram_base=FIRST_CHAT
        )
        async with fresh_database(backend, Path(tmp)) as db_url:
            with Stopwatch() as seeding:
                await _seed_history(db_url, folder, people, per_resolution)
            result.add("bulk-loading the history (setup, not the engine)", seeding.wall_s, "s")
            if backend == "postgres":
                result.note("PostgreSQL: ANALYZE after the bulk load (autovacuum's job in life)")

            applied = run_phase("bench.state", "--phase", "apply", db_url, str(folder))
            assert applied["created"] == open_tasks, applied
            result.add(
                f"apply: one resolution fanning out to {open_tasks:,} tasks",
                applied["apply_s"],
                "s",
                at_most=None if smoke() else 10,
            )
            result.add("  reading and validating the YAML (before apply)", applied["load_s"], "s")
            result.add("  peak RSS of apply", applied["peak_rss_mib"], "MiB")

            digest = run_phase("bench.state", "--phase", "tick", db_url, DIGEST_TICK.isoformat())
            result.add(
                f"tick composing the day's digest over {open_tasks:,} open tasks",
                digest["tick_s"],
                "s",
            )
            result.add(
                "  peak RSS of that tick's process", digest["peak_rss_mib"], "MiB", at_most=200
            )
            idle = run_phase("bench.state", "--phase", "tick", db_url, IDLE_TICK.isoformat())
            assert idle["enqueued"] == 0, idle
            assert idle["sent"] == 0, idle
            result.add("tick with nothing due", idle["tick_s"] * 1000, "ms", at_most=50)
            result.add(
                "  peak RSS of that tick's process", idle["peak_rss_mib"], "MiB", at_most=200
            )

            run_phase("bench.state", "--phase", "tick", db_url, WARM_TICK.isoformat())
            due = run_phase("bench.state", "--phase", "tick", db_url, DUE_TICK.isoformat())
            assert due["sent"] == people, due
            result.add(f"tick with {people:,} reminders due", due["tick_s"], "s")
            result.add(
                "  per reminder (enqueue, claim, render, record)",
                due["tick_s"] / people * 1000,
                "ms",
            )
            result.add("  peak RSS of that tick's process", due["peak_rss_mib"], "MiB", at_most=200)
            result.add(
                "  RSS before the tick (interpreter, imports, database)",
                due["rss_before_mib"],
                "MiB",
            )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.state")
    parser.add_argument("backend_or_db")
    parser.add_argument("extra", nargs="?")
    parser.add_argument("--phase", choices=["apply", "tick"])
    args = parser.parse_args()
    with quiet_logs():
        if args.phase == "apply":
            asyncio.run(phase_apply(args.backend_or_db, Path(args.extra)))
        elif args.phase == "tick":
            now = datetime.fromisoformat(args.extra)
            asyncio.run(phase_tick(args.backend_or_db, now, now.strftime("%m%d-%H%M")))
        else:
            started = time.perf_counter()
            result = asyncio.run(measure(args.backend_or_db))
            result.note(f"whole benchmark took {time.perf_counter() - started:.0f} s")
            result.emit()


if __name__ == "__main__":
    main()
