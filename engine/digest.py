"""What goes into one recipient's digest: pure, from task views, a date and the last digest.

A digest goes out only when there is news since the last one: a task escalated to the
recipient (for the first time or again), a report awaiting the controller, a request for more
time, a task done. The
rest (still overdue, unreachable officials, due within 7 days) is context that rides along.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from engine.isolation import Failures
from engine.reach import Reach
from engine.timing.escalation import Step, escalated_between, first_escalation
from engine.workflow.catalog import clause_order

DUE_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task as the digest sees it."""

    task_id: int
    resolution_id: str
    resolution_title: str
    clause_id: str
    clause_text: str
    owner_id: str
    owner_name: str
    owner_organisation: str | None
    deadline: date
    state: str  # open | reported | done | cancelled
    reported_at: datetime | None
    closed_at: datetime | None
    controller_id: str
    steps: tuple[Step, ...]
    owner_reachable: bool
    extension_to: date | None = None  # a pending request for more time: the date asked for
    extension_at: datetime | None = None  # when it was asked
    owner_reach: Reach | None = None  # how the owner can be reached, for «Нет связи»

    @property
    def unreachable_listed(self) -> bool:
        return self.owner_reach.listed if self.owner_reach is not None else not self.owner_reachable

    def overdue_on(self, day: date) -> bool:
        return self.state == "open" and day > self.deadline


@dataclass(frozen=True, slots=True)
class Item:
    task: TaskView
    days_late: int = 0


@dataclass
class Digest:
    recipient_id: str
    day: date
    newly_overdue: list[Item] = field(default_factory=list)
    still_overdue: list[Item] = field(default_factory=list)
    awaiting_acceptance: list[Item] = field(default_factory=list)
    extension_requests: list[Item] = field(default_factory=list)
    unreachable: list[Item] = field(default_factory=list)  # one per person
    done_since: list[Item] = field(default_factory=list)
    due_soon: list[Item] = field(default_factory=list)
    news: bool = False

    def sections(self) -> list[tuple[str, list[Item]]]:
        return [
            ("newly_overdue", self.newly_overdue),
            ("still_overdue", self.still_overdue),
            ("awaiting_acceptance", self.awaiting_acceptance),
            ("extension_requests", self.extension_requests),
            ("unreachable", self.unreachable),
            ("done_since", self.done_since),
            ("due_soon", self.due_soon),
        ]


def _order(item: Item) -> tuple[object, ...]:
    task = item.task
    return (task.resolution_id, clause_order(task.clause_id), task.deadline, task.owner_name)


def compose(
    recipient: str,
    day: date,
    tasks: Iterable[TaskView],
    *,
    last_day: date | None,
    last_at: datetime,
    failures: Failures | None = None,
) -> Digest | None:
    """The digest of ``day`` for ``recipient``, or None when there is no news since the last
    digest, sent on ``last_day`` (None: never) at ``last_at`` (for a first digest: a day before
    this one, so that "done since" does not replay all history). A task whose dates cannot be
    worked out (an escalation beyond the calendar) is left out and recorded in ``failures``;
    the rest of the digest stands."""
    digest = Digest(recipient, day)
    unreachable: dict[str, Item] = {}
    failures = failures if failures is not None else Failures()
    for task in tasks:
        with failures.guard("task", task.task_id, task_id=task.task_id):
            _place(digest, unreachable, task, recipient, day, last_day, last_at)
    digest.unreachable = sorted(unreachable.values(), key=lambda i: i.task.owner_name)
    for _, items in digest.sections():
        if items is not digest.unreachable:
            items.sort(key=_order)
    return digest if digest.news else None


def _place(
    digest: Digest,
    unreachable: dict[str, Item],
    task: TaskView,
    recipient: str,
    day: date,
    last_day: date | None,
    last_at: datetime,
) -> None:
    """Put one task in the sections of ``digest`` where it belongs (if any)."""
    controls = task.controller_id == recipient
    if task.overdue_on(day):
        first = first_escalation(task.deadline, task.steps, recipient)
        if first is not None and first <= day:
            item = Item(task, (day - task.deadline).days)
            if last_day is None or first > last_day:
                digest.newly_overdue.append(item)
                digest.news = True
            else:
                digest.still_overdue.append(item)
                if escalated_between(task.deadline, task.steps, recipient, last_day, day):
                    digest.news = True  # a repeating step fired again
    if not controls:
        return
    if task.state == "reported":
        digest.awaiting_acceptance.append(Item(task))
        if task.reported_at is not None and task.reported_at > last_at:
            digest.news = True
    elif task.state == "done" and task.closed_at is not None:
        if task.closed_at > last_at:
            digest.done_since.append(Item(task))
            digest.news = True
    elif task.state == "open":
        if task.extension_to is not None:
            digest.extension_requests.append(Item(task))
            if task.extension_at is not None and task.extension_at > last_at:
                digest.news = True
        if task.unreachable_listed:
            unreachable.setdefault(task.owner_id, Item(task))
        if day <= task.deadline <= day + timedelta(days=DUE_SOON_DAYS):
            digest.due_soon.append(Item(task, (task.deadline - day).days))
