"""What a figure was measured on: CPU, cores, memory, versions, load."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("python-telegram-bot", "tortoise-orm", "aiohttp", "aiosmtplib", "apscheduler")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def describe(pg_version: str | None = None) -> dict[str, str]:
    """The machine and software, as one flat mapping (printed and stored with each result)."""
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": str(cores()),
        "ram": f"{memory_gib()} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "packages": ", ".join(versions),
        "load average at start": load_average(),
    }
    if pg_version:
        info["postgresql"] = pg_version
    return info


def one_line(info: dict[str, str]) -> str:
    keys = ("cpu", "cores", "ram", "python", "sqlite", "postgresql", "load average at start")
    return "; ".join(f"{k} {info[k]}" for k in keys if k in info)
