"""The benchmarks still run: every one at its smoke size, on SQLite and (when the server is there,
as for the other tests) on PostgreSQL. Only that each completes and prints its figures is checked,
never a timing: the figures themselves live in bench/results and the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, REPO, _pg_unavailable_reason

RESULT_PREFIX = "BENCH-RESULT "
CASES = [
    ("bench.dispatch", "sqlite"),
    ("bench.ratelimit", "sqlite"),
    ("bench.email_out", "sqlite"),
    ("bench.state", "sqlite"),
    # bench.baseline: through the runner, below (one process less)
    ("bench.draft", "sqlite"),
    ("bench.report", "sqlite"),
    pytest.param("bench.dispatch", "postgres", marks=pytest.mark.postgres),
    pytest.param("bench.state", "postgres", marks=pytest.mark.postgres),
]


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("module", "backend"), CASES)
def test_benchmark_completes_and_prints_its_figures(module: str, backend: str | None) -> None:
    if backend == "postgres" and (reason := _pg_unavailable_reason()) is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    env = {**os.environ, "RESOLUTE_BENCH_SIZE": "smoke", "RESOLUTE_BENCH_PG_URL": PG_URL}
    env.pop("RESOLUTE_BENCH_PROFILE", None)
    done = subprocess.run(
        [sys.executable, "-m", module, *([backend] if backend else [])],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "machine: " in done.stdout
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    assert len(results) == 1, done.stdout[-3000:]
    result = json.loads(results[0].removeprefix(RESULT_PREFIX))
    assert result["size"] == "smoke"
    assert result["figures"], "no figures"
    printed = done.stdout.split(RESULT_PREFIX)[0]
    assert all(f["label"].strip() in printed for f in result["figures"])


@pytest.mark.timeout(180)
def test_the_runner_writes_a_report(tmp_path: Path) -> None:
    """``python -m bench --smoke --only baseline --out DIR``: the one command, end to end (and
    the baseline benchmark's own smoke run: it completes and reports its figures)."""
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "baseline", "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "RESOLUTE_BENCH_PG_URL": PG_URL},
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in report["results"]] == ["baseline"]
    [baseline] = report["results"]
    assert baseline["size"] == "smoke"
    assert baseline["figures"], "no figures"
    assert all(f["label"].strip() in done.stdout for f in baseline["figures"])
    assert report["machine"]["cpu"]
    assert "Baseline" in (out / "latest.md").read_text(encoding="utf-8")
