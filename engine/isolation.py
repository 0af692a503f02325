"""One bad item fails alone: the guard every per-item loop of a pass runs its items under.

An *item* is one outbox row, one Telegram update, one task's schedule, one recipient's digest,
one resolution's occurrences. Whatever one of them raises (a template dividing by zero, date
arithmetic overflowing on a far-off deadline, a name the mail builder chokes on) is caught,
logged as ``item.failed kind=… key=… reason=…`` (the traceback at DEBUG), written as an
``item.failed`` audit row when the pass ends, and the pass goes on with the next item.

What is *not* an item's fault passes through and stops the pass as before: the database being
unreachable (exit 3; nothing is half-recorded) and cancellation (SIGTERM, a timeout).

The retry/give-up rule, by kind (README "One bad item fails alone"):
- ``outbox`` row: the failure counts as an attempt; retried with the usual backoff, failed for
  good (status ``failed``, the reason in ``error``) after ``ITEM_ATTEMPTS`` attempts;
- ``task`` (its reminder schedule): retried ``TASK_RETRY`` later, for as long as it fails;
  re-applying a corrected workflow recomputes the schedule at once;
- ``digest`` (one recipient, one day): given up for that day; the next day's digest is tried;
- ``resolution`` (its recurring occurrences): retried at every pass;
- ``update`` (one Telegram update): recorded once as ``error`` or ``unreadable``, never retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

log = logging.getLogger("resolute.isolation")


def _line(event: str, **fields: str) -> str:
    """Like engine.audit.event_line, which this core module cannot import (it brings storage)."""
    return " ".join([event, *(f"{k}={v}" for k, v in fields.items())])


ITEM_ATTEMPTS = 3  # an outbox row that raised this many times is failed for good
TASK_RETRY = timedelta(hours=1)
REASON_CHARS = 500
# Not one item's fault: the whole pass stops (the database); a constraint one item's data
# violates (IntegrityError, an OperationalError too) stays that item's fault.
PASS_THROUGH: tuple[type[BaseException], ...] = (DBConnectionError, OperationalError)


def reason_of(exc: BaseException) -> str:
    """A short, loggable account of an exception: its type and message, capped."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("\r", " ")
    return text[:REASON_CHARS]


def is_items_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is one item's failure (to isolate) rather than the pass's (to raise)."""
    if not isinstance(exc, Exception):
        return False
    return isinstance(exc, IntegrityError) or not isinstance(exc, PASS_THROUGH)


@dataclass(frozen=True)
class Failure:
    kind: str  # outbox | task | digest | resolution | update
    key: str
    reason: str
    task_id: int | None = None
    resolution_id: str | None = None


@dataclass
class Failures:
    """The items that failed in one pass. ``guard`` isolates one item; ``save`` writes the
    audit rows (one write for the pass, not one per failure)."""

    items: list[Failure] = field(default_factory=list)
    _saved: int = 0

    def guard(
        self,
        kind: str,
        key: object,
        *,
        task_id: int | None = None,
        resolution_id: str | None = None,
    ) -> _Guard:
        return _Guard(self, kind, str(key), task_id, resolution_id)

    def add(
        self,
        kind: str,
        key: object,
        exc: BaseException,
        *,
        task_id: int | None = None,
        resolution_id: str | None = None,
    ) -> Failure:
        failure = Failure(kind, str(key), reason_of(exc), task_id, resolution_id)
        self.items.append(failure)
        log.error(_line("item.failed", kind=kind, key=failure.key, reason=repr(failure.reason)))
        log.debug("item.failed traceback", exc_info=exc)
        return failure

    async def save(self, now: datetime) -> None:
        fresh = self.items[self._saved :]
        if not fresh:
            return
        from storage.models import AuditEvent  # the core uses the guard without the database

        await AuditEvent.bulk_create(
            [
                AuditEvent(
                    at=now,
                    event="item.failed",
                    actor="isolation",
                    task_id=f.task_id,
                    resolution_id=f.resolution_id,
                    data={"kind": f.kind, "key": f.key, "reason": f.reason},
                )
                for f in fresh
            ]
        )
        self._saved = len(self.items)

    def summary(self) -> str | None:
        """A line for the person running ``tick``, or None when nothing failed."""
        if not self.items:
            return None
        return (
            f"Не удалось обработать элементов: {len(self.items)} (остальное выполнено); "
            "причины — в журнале (событие item.failed)."
        )


class _Guard:
    """``with failures.guard("task", 42):`` — an item's exception is recorded and swallowed."""

    def __init__(
        self,
        failures: Failures,
        kind: str,
        key: str,
        task_id: int | None,
        resolution_id: str | None,
    ) -> None:
        self._failures = failures
        self._kind = kind
        self._key = key
        self._task_id = task_id
        self._resolution_id = resolution_id
        self.failure: Failure | None = None

    def __enter__(self) -> _Guard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or not is_items_fault(exc):
            return False
        self.failure = self._failures.add(
            self._kind, self._key, exc, task_id=self._task_id, resolution_id=self._resolution_id
        )
        return True
