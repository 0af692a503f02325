"""``resolute`` as the tests run it: in this process, or as a new process.

Starting Python and importing the CLI costs about a second per command, which is most of what an
acceptance test spends: a test about what a command does runs it in this process
(:func:`resolute`), with exactly the environment it gives, the same exit codes, stdout and
stderr apart, and any uncaught exception (what would have been a traceback) failing the test.
Between two calls only the database (and the files) carry state, as between two processes; the
logging set-up a command installs is undone after it. A few tests keep running the installed
entry point as a process (:func:`resolute_process`): the console script itself, ``run`` with
its signals, crashes and several instances.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from engine import cli_ru, log_secrets
from engine.cli import cli

RESOLUTE = str(Path(sys.executable).with_name("resolute"))


@dataclass(frozen=True)
class Completed:
    """What a command did: the fields of :class:`subprocess.CompletedProcess` the tests read."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _logging_restored() -> Iterator[None]:
    """Undo what a command does to logging (handlers on its own stderr, levels, the secrets it
    remembers for masking), so the next test logs where pytest expects."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in log_secrets.QUIET_LOGGERS}
    known = set(log_secrets._known)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in quiet.items():
            logging.getLogger(name).setLevel(old)
        log_secrets._known.clear()
        log_secrets._known.update(known)


def resolute(env: Mapping[str, str], *args: str, expect: int | None = 0) -> Completed:
    """``resolute ARGS`` in this process with exactly ``env`` as its environment (as a new
    process would get it); asserts the exit code (unless ``expect`` is None) and that nothing
    escaped as a traceback."""
    overrides: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    overrides |= dict(env)
    cli_ru.install()  # what engine.cli.main does before handing over to Typer
    with _logging_restored():
        result = CliRunner(env=overrides).invoke(cli, list(args), prog_name="resolute")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"{args}: uncaught (a traceback for the user):\n{trace}")
    completed = Completed(tuple(args), result.exit_code, result.stdout, result.stderr)
    _check(completed, expect)
    return completed


def resolute_process(
    env: Mapping[str, str], *args: str, expect: int = 0, timeout_s: float = 60
) -> Completed:
    """``resolute ARGS`` as a new process of the installed console script."""
    done = subprocess.run(
        [RESOLUTE, *args], env=dict(env), capture_output=True, text=True, timeout=timeout_s
    )
    completed = Completed(tuple(args), done.returncode, done.stdout, done.stderr)
    _check(completed, expect)
    return completed


def _check(completed: Completed, expect: int | None) -> None:
    assert "Traceback" not in completed.stderr, completed.stderr
    assert expect is None or completed.returncode == expect, (
        f"{completed.args}: exit {completed.returncode}, expected {expect}\n"
        f"{completed.stdout}\n{completed.stderr}"
    )
