"""The CLI starts without the heavy libraries: the README's first command (install, then
``simulate --show``) must stay fast, and the documents' libraries are paid for only by ``draft``
and ``report``, the bot only by the commands that talk to Telegram."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.acceptance.test_founding_resolution import WORKFLOWS
from tests.conftest import REPO

DOCUMENTS = ("matplotlib", "numpy", "PIL", "docx", "lxml", "pymorphy3", "xlsxwriter")
SERVICE = ("telegram", "aiohttp", "apscheduler", "prometheus_client")

# Runs the real entry point in a fresh interpreter, then reports which top-level packages
# were imported (on stderr, after whatever the command printed).
PROBE = """
import json, sys
sys.argv = ["resolute", *sys.argv[1:]]
from engine.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\\n" + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def started(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), result.stderr
    return set(report["loaded"])


def test_the_cli_starts_without_heavy_libraries() -> None:
    loaded = started("--help")
    assert "typer" in loaded  # the probe saw the CLI start
    assert loaded.isdisjoint({*DOCUMENTS, *SERVICE}), sorted(loaded & {*DOCUMENTS, *SERVICE})


def test_the_first_command_imports_no_document_library() -> None:
    loaded = started(
        "simulate", str(WORKFLOWS), "--until", "2023-10-21", "--show", "--to", "smagina"
    )
    assert "tortoise" in loaded  # the probe saw the command run, not only the CLI start
    assert loaded.isdisjoint({*DOCUMENTS, "prometheus_client", "apscheduler"}), sorted(
        loaded & {*DOCUMENTS, "prometheus_client", "apscheduler"}
    )
