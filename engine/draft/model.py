"""What a draft is made of: source lines, the header, the clauses and what was inferred for each.

Every inferred value carries the source line it came from (``Line``), so the writer can say
«строка 23: …» next to it, and, when it is a guess, a ``check`` message (the «ПРОВЕРЬТЕ:» comment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engine.errors import ResoluteError


class DecreeError(ResoluteError):
    """The file holds no recognisable decree (exit 1); the message is ``file:line: why``."""

    exit_code = 1


@dataclass(frozen=True)
class Line:
    """One line of the decree as read: a text line, or a Word paragraph with its number."""

    number: int  # 1-based, as an editor counts
    text: str


@dataclass(frozen=True)
class Decree:
    """The decree file as lines; ``unit`` names what a line is to its reader."""

    path: str
    lines: tuple[Line, ...]
    unit: str = "строка"  # «абзац» for a Word file


@dataclass(frozen=True)
class Sourced:
    """A value inferred from ``line``; ``check`` says what a person must check, when a guess."""

    value: str
    line: Line | None = None
    check: str | None = None


@dataclass(frozen=True)
class Header:
    body: Sourced | None
    adopted: date | None
    adopted_line: Line | None
    number: Sourced | None
    title: Sourced | None
    project: Line | None = None  # a «ПРОЕКТ» mark: the text may not be the adopted one


@dataclass(frozen=True)
class Timing:
    """How a clause is timed: exactly one of deadline, every (+day), informational."""

    deadline: date | None = None
    every: str | None = None  # daily|weekly|monthly|quarterly or an RRULE
    day: int | None = None
    until: date | None = None
    informational: bool = False
    line: Line | None = None
    note: str | None = None  # how the value was read («до 20 октября 2023г.»)
    check: str | None = None


@dataclass(frozen=True)
class Owner:
    """One owner as written in the draft: a roster id, or a placeholder validate rejects."""

    id: str
    matched: bool
    note: str | None = None  # what it was matched with
    check: str | None = None


@dataclass(frozen=True)
class Clause:
    id: str
    text: str
    line: Line
    addressee: Sourced | None  # the phrase the owners come from
    deadline_line: Line | None  # a «Срок: …» line of its own, right after the clause
    extra_lines: tuple[Line, ...] = ()  # continuation lines joined into the text
    check: str | None = None  # about the id («номер присвоен по порядку»)


@dataclass(frozen=True)
class Operative:
    """The operative part: its marker line, the clauses, and the controller's line."""

    marker: Line
    clauses: tuple[Clause, ...]
    control: Sourced | None  # «Контроль … возложить на …»: the phrase naming the controller


@dataclass(frozen=True)
class DraftClause:
    clause: Clause
    owners: tuple[Owner, ...]
    timing: Timing


@dataclass(frozen=True)
class Draft:
    decree: Decree
    header: Header
    resolution_id: str
    controller: Owner
    control_line: Line | None
    clauses: tuple[DraftClause, ...]
    notes: tuple[str, ...] = field(default=())  # for the summary: roster missing, etc.
