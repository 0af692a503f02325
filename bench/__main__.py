"""``python -m bench [--smoke] [--only NAME …] [--backend sqlite|postgres|both] [--out DIR]``

Runs every benchmark, each (and each backend) in a process of its own, prints the figures as they
come, and writes DIR/latest.md and DIR/latest.json (default DIR: bench/results for a full run; a
smoke run writes nothing unless --out is given). PostgreSQL comes from RESOLUTE_BENCH_PG_URL or
RESOLUTE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); when it cannot be reached
its runs are skipped and the report says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import REPO, RESULT_PREFIX, pg_version
from bench.machine import describe, load_average, one_line

BENCHMARKS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (module, backends it runs on)
    "dispatch": ("bench.dispatch", ("sqlite", "postgres")),
    "ratelimit": ("bench.ratelimit", ("sqlite",)),
    "email": ("bench.email_out", ("sqlite",)),
    "state": ("bench.state", ("sqlite", "postgres")),
    "baseline": ("bench.baseline", ("sqlite",)),
    "draft": ("bench.draft", ("sqlite",)),  # no database: the backend is only a label
    "report": ("bench.report", ("sqlite", "postgres")),
}
TITLES = {
    "dispatch": "1. Dispatch throughput (Telegram, no limits)",
    "ratelimit": "2. Rate-limit compliance (30/s per bot, 1/s per chat)",
    "email": "3. E-mail through aiosmtplib",
    "state": "4. State scale (1,000,000 task rows)",
    "baseline": "5. Baseline: one APScheduler job per reminder",
    "draft": "6. `resolute draft` of a 300-clause decree",
    "report": "7. The report of a 10,000-task resolution (resolute report)",
}


def run_one(name: str, backend: str, size: str) -> dict[str, Any] | None:
    module, _ = BENCHMARKS[name]
    args = [sys.executable, "-m", module] + ([] if name == "baseline" else [backend])
    env = {**os.environ, "RESOLUTE_BENCH_SIZE": size}
    print(f"\n== {TITLES[name]} — {backend} — load average {load_average()}", flush=True)
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    result: dict[str, Any] | None = None
    for line in proc.stdout:
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line.removeprefix(RESULT_PREFIX))
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0 or result is None:
        print(f"!! {name} on {backend} failed (exit {proc.returncode})", flush=True)
        return None
    return result


def markdown(machine: dict[str, str], results: list[dict[str, Any]], skipped: list[str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m bench`; do not edit by hand.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in machine.items()),
        "",
    ]
    for result in results:
        lines += [
            f"## {TITLES[result['name']]} — {result['backend']}"
            + (" (smoke size)" if result["size"] == "smoke" else ""),
            "",
            f"Load average at start: {result['machine'].get('load average at start', 'n/a')}",
            "",
            "| figure | value | target |",
            "|---|---|---|",
        ]
        for f in result["figures"]:
            value = f["value"]
            shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            verdict = "" if f["met"] is None else (" ✓" if f["met"] else " ✗ missed")
            label = f["label"].strip()
            indent = "  ↳ " if f["label"].startswith("  ") else ""
            lines.append(f"| {indent}{label} | {shown} {f['unit']} | {f['target']}{verdict} |")
        lines += ["", *(f"- {n}" for n in result["notes"]), ""]
    if skipped:
        lines += ["## Skipped", "", *(f"- {s}" for s in skipped), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds, not minutes")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--out", type=Path, help="where latest.md/latest.json go")
    args = parser.parse_args()
    size = "smoke" if args.smoke else "full"
    out = args.out or (None if args.smoke else REPO / "bench" / "results")

    pg = asyncio.run(pg_version())
    machine = describe(pg)
    print("machine: " + one_line(machine), flush=True)
    print("date: " + machine["date"], flush=True)

    results, skipped, failed = [], [], []
    for name in args.only or list(BENCHMARKS):
        for backend in BENCHMARKS[name][1]:
            if args.backend not in ("both", backend):
                continue
            if backend == "postgres" and pg is None:
                skipped.append(f"{name} on PostgreSQL: server unreachable")
                print(f"\n== {TITLES[name]} — postgres: skipped (server unreachable)")
                continue
            result = run_one(name, backend, size)
            if result is None:
                failed.append(f"{name}/{backend}")
                continue
            results.append(result)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "latest.md").write_text(markdown(machine, results, skipped), encoding="utf-8")
        (out / "latest.json").write_text(
            json.dumps({"machine": machine, "results": results, "skipped": skipped}, indent=1,
                       ensure_ascii=False) + "\n",
            encoding="utf-8",
        )  # fmt: skip
        print(f"\nwritten: {out / 'latest.md'}, {out / 'latest.json'}")
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
