"""What the benchmarks share: results, databases, workflows, helper processes, measuring."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from engine.settings import Settings

RESULT_PREFIX = "BENCH-RESULT "
PG_URL = os.environ.get(
    "RESOLUTE_BENCH_PG_URL",
    os.environ.get("RESOLUTE_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test"),
)
TOKEN = "123456:BENCH"
SECRET = "bench-secret-not-for-production"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    label: str
    value: float | int | str
    unit: str = ""
    target: str = ""  # e.g. "≥ 1000"
    met: bool | None = None  # None: no target

    def line(self) -> str:
        value = f"{self.value:,.2f}" if isinstance(self.value, float) else f"{self.value:,}"
        verdict = "" if self.met is None else ("  met" if self.met else "  MISSED")
        target = f"  (target {self.target})" if self.target else ""
        return f"  {self.label}: {value} {self.unit}{target}{verdict}".rstrip()


@dataclass
class Result:
    name: str
    backend: str
    size: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def begin(cls, name: str, backend: str) -> Result:
        """A result for one run, with the machine (and its load right now), printed."""
        from bench.machine import describe, one_line

        machine = describe(await pg_version() if backend == "postgres" else None)
        print(f"machine: {one_line(machine)}; {machine['date']}", flush=True)
        return cls(name, backend, "smoke" if smoke() else "full", machine=machine)

    def add(
        self,
        label: str,
        value: float | int | str,
        unit: str = "",
        *,
        at_least: float | None = None,
        at_most: float | None = None,
    ) -> None:
        target, met = "", None
        if at_least is not None and isinstance(value, int | float):
            target, met = f"≥ {at_least:g}", value >= at_least
        if at_most is not None and isinstance(value, int | float):
            target, met = f"≤ {at_most:g}", value <= at_most
        figure = Figure(label, value, unit, target, met)
        self.figures.append(figure)
        print(figure.line(), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def emit(self) -> None:
        print(RESULT_PREFIX + json.dumps(asdict(self), ensure_ascii=False), flush=True)


def smoke() -> bool:
    return os.environ.get("RESOLUTE_BENCH_SIZE", "full") == "smoke"


def peak_rss_mib() -> float:
    """This process's peak resident set size so far. VmHWM, not getrusage's ru_maxrss: Linux
    keeps ru_maxrss across exec, so a child would start with its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    """Wall and CPU time of this process (all its threads: aiosqlite's included)."""

    def __enter__(self) -> Stopwatch:
        self.wall_s = self.cpu_s = 0.0
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._wall
        self.cpu_s = time.process_time() - self._cpu


# --- databases -----------------------------------------------------------------------------------


async def pg_version() -> str | None:
    try:
        conn = await asyncpg.connect(PG_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """A new empty database on ``backend`` for one benchmark; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite://{folder / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"resolute_bench_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_URL.rpartition('/')[0]}/{name}"
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings(db_url: str, **more: Any) -> Settings:
    values: dict[str, Any] = {"db_url": db_url, "secret": SECRET, **more}
    return Settings(_env_file=None, **values)


# --- workflows -----------------------------------------------------------------------------------

APPLIED = datetime(2023, 10, 6, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
DEADLINE = "2023-10-20"
MINUS_7 = datetime(2023, 10, 13, 6, 0, tzinfo=UTC)  # 09:00 in Moscow, seven days before


def write_workflow(
    folder: Path,
    people: int,
    *,
    clauses: int = 1,
    telegram_base: int | None = 10_000_000,
    email: bool = False,
    deadlines: list[str] | None = None,
    resolution_id: str = "bench",
    roster: bool = True,
) -> Path:
    """A roster of ``people`` (all in group ``all``) and one resolution whose ``clauses`` are
    each owned by everybody: ``people × clauses`` tasks. Written as YAML, loaded as users'."""
    folder.mkdir(parents=True, exist_ok=True)
    if roster:
        lines = ["people:"]
        for i in range(people):
            lines.append(f"  - id: p{i}\n    name: Исполнитель {i}")
            if telegram_base is not None:
                lines.append(f"    telegram: {telegram_base + i}")
            if email:
                lines.append(f"    email: p{i}@example.org")
        lines.append("  - id: boss\n    name: Контролёр")
        lines.append(
            "groups:\n  - id: all\n    members: [" + ", ".join(f"p{i}" for i in range(people))
        )
        lines[-1] += "]"
        (folder / "roster.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dates = deadlines or [DEADLINE] * clauses
    body = [
        "resolution:",
        f"  id: {resolution_id}",
        "  title: О мерах по улучшению работы с обращениями граждан",
        f'  number: "{resolution_id}-1"',
        "  adopted: 2023-10-05",
        "  timezone: Europe/Moscow",
        "  controller: boss",
        "policy:",
        "  remind: [-7d, -1d, 0d]",
        '  remind_at: "09:00"',
        "clauses:",
    ]
    for c in range(clauses):
        body.append(
            f"  - id: '{c + 1}'\n    text: Обеспечить исполнение пункта {c + 1} и доложить."
            f"\n    owners: [all]\n    deadline: {dates[c]}"
        )
    (folder / f"{resolution_id}.yaml").write_text("\n".join(body) + "\n", encoding="utf-8")
    return folder


# --- helper processes ----------------------------------------------------------------------------


class Server:
    """A fake server (``python -m bench.servers KIND …``) in a process of its own, so its CPU
    is not counted as ours. It prints one JSON line when ready, and one per ``stats`` request."""

    def __init__(self, *args: str) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.servers", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench server {self._proc.args} died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stats(self) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write("stats\n")
        self._proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_phase(module: str, *args: str, timeout_s: float = 3600) -> dict[str, Any]:
    """Run ``python -m module args`` (one measured phase in a fresh process, so that its peak
    RSS is its own); returns the JSON it printed last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"phase {module} {args} failed:\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        raise RuntimeError(f"phase {module} {args} printed no result:\n{done.stdout[-2000:]}")
    answer: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return answer


def phase_result(values: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(values), flush=True)


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Benchmarks measure the work, not a terminal scrolling event lines."""
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """With RESOLUTE_BENCH_PROFILE=1, profile the block with pyinstrument (the ``bench`` extra)
    and write bench/results/profile-NAME.txt."""
    if os.environ.get("RESOLUTE_BENCH_PROFILE") != "1":
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="enabled", interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        out = REPO / "bench" / "results" / f"profile-{name}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
        print(f"  profile: {out}", flush=True)


def run_benchmark(measure: Callable[[str], Coroutine[Any, Any, Result]]) -> None:
    """A benchmark module's entry point: measure on the backend named by ``argv[1]``, print."""
    with quiet_logs():
        result = asyncio.run(measure(sys.argv[1]))
    result.emit()
