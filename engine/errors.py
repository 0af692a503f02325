"""One exception hierarchy; every message is something a user can act on."""

from __future__ import annotations

from dataclasses import dataclass


class ResoluteError(Exception):
    """Base of every error resolute reports to a user (never shown as a traceback)."""

    exit_code = 1


class ConfigError(ResoluteError):
    """A setting is missing or malformed (environment variables, ``.env``)."""

    exit_code = 2


class StorageError(ResoluteError):
    """The database cannot be reached or is in a state we cannot work with."""

    exit_code = 3


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about an input file, printed as ``file:line:col: message``."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class WorkflowError(ResoluteError):
    """The workflow files are invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
