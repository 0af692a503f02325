"""The report as of a moment: facts in, immutable rows out. Pure: no storage, no clock.

Counting rules (the same in every format):
- a task is *overdue* when it is open past its deadline (an approved extension's date wins);
- *done on time* means the owner's report (or the closing, when there was no report) came by
  the end of the deadline day in the resolution's zone; the controller's acceptance later does
  not make it late;
- the share done («коэффициент исполнения») is done ÷ all tasks not cancelled.

Over 300 lines on purpose: the report's figures are computed from one read of the database
and kept together so the DOCX, XLSX, CSV and HTML writers agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from engine.render import dmy
from engine.report.facts import ClauseFact, EvidenceFact, Facts, PersonFact, TaskFact
from engine.timing.local import days_left, is_overdue, local_date
from engine.workflow.catalog import clause_order
from storage.models import ExtensionState, TaskState

SHORT_TEXT = 220  # characters of a clause's text in the table; the full text goes to a note

# What a task is, as the report shows it: the stored state, with "overdue" derived.
DONE, REPORTED, OPEN, OVERDUE, CANCELLED = "done", "reported", "open", "overdue", "cancelled"

PROPOSE_INFO = "принято к сведению"
PROPOSE_CLOSE = "снять с контроля"
PROPOSE_KEEP = "оставить на контроле"
PROPOSE_EXTEND = "продлить срок до {to}"


@dataclass(frozen=True)
class TaskRow:
    """One task as of the moment (a CSV row; also what the summaries are counted from)."""

    id: int
    clause: str
    owner: PersonFact
    occurrence: str
    deadline: date  # as the definition sets it
    extended_to: date | None  # an approved extension
    pending_to: date | None  # an extension asked for and not decided yet
    status: str  # DONE | REPORTED | OPEN | OVERDUE | CANCELLED
    done_on: date | None  # the local date the owner reported (or the task was closed)
    days_late: int  # overdue now: days past the deadline; done late: days it came late
    evidence: EvidenceFact

    @property
    def effective_deadline(self) -> date:
        return self.extended_to or self.deadline

    @property
    def on_time(self) -> bool:
        return self.status == DONE and self.done_on is not None and self.days_late == 0


@dataclass(frozen=True)
class Periods:
    """A recurring clause's occurrences for one owner (or for all owners together)."""

    total: int
    done: int
    reported: int
    overdue: int


@dataclass(frozen=True)
class Mark:
    """One executor's standing on one clause («отметка об исполнении»)."""

    person: PersonFact
    status: str
    deadline: date
    extended_to: date | None
    pending_to: date | None
    done_on: date | None
    days_late: int
    evidence: EvidenceFact
    periods: Periods | None  # recurring clauses: every occurrence counted together


@dataclass(frozen=True)
class ClauseRow:
    id: str
    text: str
    informational: bool
    recurring: bool
    until: date | None
    marks: tuple[Mark, ...]
    deadline: date | None  # one-off clauses: the definition's date
    extended_to: date | None  # when every owner's deadline moved to the same date
    next_deadline: date | None  # recurring clauses: the next open occurrence (or the last one)
    proposal: str
    done: int
    reported: int
    open: int
    overdue: int

    @property
    def short_text(self) -> str:
        return shorten(self.text)

    @property
    def shortened(self) -> bool:
        return self.short_text != self.text


@dataclass(frozen=True)
class Discipline:
    """«Исполнительская дисциплина»: one person's tasks in this resolution."""

    person: PersonFact
    assigned: int
    on_time: int
    late: int
    overdue: int


@dataclass(frozen=True)
class Summary:
    total: int
    done: int
    reported: int
    open: int  # open and not overdue
    overdue: int
    cancelled: int
    on_time: int
    late: int
    extensions_granted: int

    @property
    def share_done(self) -> float | None:
        """Percent done of the tasks not cancelled; None when there are none."""
        live = self.total - self.cancelled
        return None if live == 0 else 100.0 * self.done / live


@dataclass(frozen=True)
class Report:
    resolution_id: str
    body: str | None
    number: str
    adopted: date
    title: str
    as_of: date  # the local date in the resolution's zone
    now: datetime
    prepared_by: PersonFact
    summary: Summary
    clauses: tuple[ClauseRow, ...]
    discipline: tuple[Discipline, ...]
    tasks: tuple[TaskRow, ...]


def shorten(text: str, limit: int = SHORT_TEXT) -> str:
    """The text cut at a word boundary to at most ``limit`` characters, with «…»."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.—-") + "…"


def build_report(facts: Facts, now: datetime) -> Report:
    tz = ZoneInfo(facts.timezone)
    today = local_date(now, tz)
    pending: dict[int, date] = {}
    for ext in facts.extensions:
        if ext.state == ExtensionState.PENDING:
            pending[ext.task_id] = max(ext.requested_to, pending.get(ext.task_id, ext.requested_to))
    unknown = PersonFact("?", "?")
    rows = tuple(
        sorted(
            (
                task_row(t, facts.people.get(t.owner, unknown), facts, pending.get(t.id), now, tz)
                for t in facts.tasks
            ),
            key=lambda r: (clause_order(r.clause), r.occurrence, r.owner.id),
        )
    )
    by_clause: dict[str, list[TaskRow]] = defaultdict(list)
    for row in rows:
        by_clause[row.clause].append(row)
    known = {c.id for c in facts.clauses}
    clauses = [*facts.clauses, *(ClauseFact(c, c) for c in by_clause if c not in known)]
    clauses.sort(key=lambda c: clause_order(c.id))
    granted = sum(1 for e in facts.extensions if e.state == ExtensionState.APPROVED)
    return Report(
        resolution_id=facts.resolution_id,
        body=facts.body,
        number=facts.number,
        adopted=facts.adopted,
        title=" ".join(facts.title.split()),
        as_of=today,
        now=now,
        prepared_by=facts.controller,
        summary=summarise(rows, granted),
        clauses=tuple(clause_row(c, by_clause.get(c.id, []), today) for c in clauses),
        discipline=discipline(rows),
        tasks=rows,
    )


def task_row(
    task: TaskFact,
    owner: PersonFact,
    facts: Facts,
    pending_to: date | None,
    now: datetime,
    tz: ZoneInfo,
) -> TaskRow:
    deadline = task.extended_to or task.deadline
    done_on: date | None = None
    days_late = 0
    if task.state == TaskState.OPEN and is_overdue(deadline, now, tz):
        status = OVERDUE
        days_late = -days_left(deadline, now, tz)
    elif task.state in (TaskState.DONE, TaskState.REPORTED):
        status = DONE if task.state == TaskState.DONE else REPORTED
        moment = task.reported_at or task.closed_at
        done_on = local_date(moment, tz) if moment is not None else None
        days_late = max(0, (done_on - deadline).days) if done_on is not None else 0
    else:
        status = CANCELLED if task.state == TaskState.CANCELLED else OPEN
    return TaskRow(
        id=task.id,
        clause=task.clause,
        owner=owner,
        occurrence=task.occurrence,
        deadline=task.deadline,
        extended_to=task.extended_to,
        pending_to=pending_to if task.state == TaskState.OPEN else None,
        status=status,
        done_on=done_on,
        days_late=days_late,
        evidence=facts.evidence.get(task.id, EvidenceFact()),
    )


def summarise(rows: Iterable[TaskRow], extensions_granted: int) -> Summary:
    counts: dict[str, int] = defaultdict(int)
    total = on_time = late = 0
    for row in rows:
        total += 1
        counts[row.status] += 1
        if row.status == DONE:
            on_time += row.on_time
            late += not row.on_time
    return Summary(
        total=total,
        done=counts[DONE],
        reported=counts[REPORTED],
        open=counts[OPEN],
        overdue=counts[OVERDUE],
        cancelled=counts[CANCELLED],
        on_time=on_time,
        late=late,
        extensions_granted=extensions_granted,
    )


def clause_row(clause: ClauseFact, rows: list[TaskRow], today: date) -> ClauseRow:
    live = [r for r in rows if r.status != CANCELLED]
    counts: dict[str, int] = defaultdict(int)
    for row in live:
        counts[row.status] += 1
    by_owner: dict[str, list[TaskRow]] = defaultdict(list)
    for row in live:
        by_owner[row.owner.id].append(row)
    marks = tuple(_mark(owner_rows, clause.recurring, today) for owner_rows in by_owner.values())
    one_off = not clause.recurring and live
    deadline = min(r.deadline for r in live) if one_off else None
    moved = {r.extended_to for r in live}
    extended_to = next(iter(moved)) if one_off and len(moved) == 1 else None
    return ClauseRow(
        id=clause.id,
        text=" ".join(clause.text.split()),
        informational=clause.informational,
        recurring=clause.recurring,
        until=clause.until,
        marks=() if clause.informational else marks,
        deadline=deadline,
        extended_to=extended_to,
        next_deadline=_next_deadline(live, today) if clause.recurring else None,
        proposal=_proposal(clause, live, today),
        done=counts[DONE],
        reported=counts[REPORTED],
        open=counts[OPEN],
        overdue=counts[OVERDUE],
    )


def _mark(rows: list[TaskRow], recurring: bool, today: date) -> Mark:
    rows = sorted(rows, key=lambda r: r.deadline)
    if not recurring or (len(rows) == 1 and rows[0].occurrence == "once"):
        r = rows[0]
        return Mark(
            r.owner, r.status, r.deadline, r.extended_to, r.pending_to, r.done_on, r.days_late,
            r.evidence, None,
        )  # fmt: skip
    statuses = [r.status for r in rows]
    periods = Periods(
        total=len(rows),
        done=statuses.count(DONE),
        reported=statuses.count(REPORTED),
        overdue=statuses.count(OVERDUE),
    )
    status = next((s for s in (OVERDUE, OPEN, REPORTED) if s in statuses), DONE)
    current = next((r for r in rows if r.status in (OPEN, OVERDUE)), rows[-1])
    done_dates = [r.done_on for r in rows if r.done_on is not None]
    return Mark(
        person=rows[0].owner,
        status=status,
        deadline=current.deadline,
        extended_to=current.extended_to,
        pending_to=current.pending_to,
        done_on=max(done_dates) if done_dates else None,
        days_late=max(r.days_late for r in rows if r.status == OVERDUE) if periods.overdue else 0,
        evidence=_sum_evidence(r.evidence for r in rows),
        periods=periods,
    )


def _sum_evidence(items: Iterable[EvidenceFact]) -> EvidenceFact:
    photos = files = links = 0
    texts: list[str] = []
    for e in items:
        photos, files, links = photos + e.photos, files + e.files, links + e.links
        texts += e.texts
    return EvidenceFact(photos, files, links, tuple(texts))


def _next_deadline(live: list[TaskRow], today: date) -> date | None:
    waiting = sorted(r.effective_deadline for r in live if r.status in (OPEN, OVERDUE))
    if waiting:
        return next((d for d in waiting if d >= today), waiting[-1])
    return max((r.effective_deadline for r in live), default=None)


def _proposal(clause: ClauseFact, live: list[TaskRow], today: date) -> str:
    if clause.informational:
        return PROPOSE_INFO
    if not live:
        return PROPOSE_KEEP
    ongoing = clause.recurring and (clause.until is None or clause.until >= today)
    if all(r.status == DONE for r in live) and not ongoing:
        return PROPOSE_CLOSE
    waiting = [r for r in live if r.status in (OPEN, OVERDUE)]
    later = [r.pending_to for r in waiting if r.pending_to is not None]
    later += [
        r.extended_to for r in waiting if r.extended_to is not None and r.extended_to >= today
    ]
    if later:
        return PROPOSE_EXTEND.format(to=dmy(max(later)))
    return PROPOSE_KEEP


def discipline(rows: Iterable[TaskRow]) -> tuple[Discipline, ...]:
    people: dict[str, PersonFact] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        if row.status == CANCELLED:
            continue
        people[row.owner.id] = row.owner
        c = counts[row.owner.id]
        c[0] += 1
        if row.status == DONE:
            c[1 if row.on_time else 2] += 1
        elif row.status == OVERDUE:
            c[3] += 1
    return tuple(
        Discipline(people[pid], *counts[pid])
        for pid in sorted(people, key=lambda p: (people[p].name, p))
    )
