"""Turn due reminders into outbox rows, then deliver the outbox.

Two steps, both restartable at any point:
1. ``enqueue_due``: tasks whose ``next_due_at`` has come get an outbox row for their live reminder
   slot. The row's key is derived from the slot, under a unique constraint, so a second row for
   the same reminder cannot exist, however many ticks or instances run.
2. ``deliver``: rows are claimed (a conditional UPDATE with a claim token and a lease), sent, and
   recorded. A process that dies between a send and its record leaves the row claimed; once the
   lease expires it is sent again. That is the one duplicate a crash can cause.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from engine.audit import event_line
from engine.callbacks import Action, sign
from engine.channels.base import Button, Delivered, DeliveryError
from engine.render import Renderer, RenderError
from engine.service.schedule import policy_of, slots_for
from engine.timing.local import days_left
from engine.timing.reminders import live_slot, next_slot_after
from storage.models import AuditEvent, Outbox, OutboxStatus, Person, Task, TaskState

log = logging.getLogger("resolute.dispatch")

BATCH = 1000
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
NO_CHANNEL = "none"


class Sender(Protocol):
    async def send(
        self, chat_id: int, html: str, buttons: tuple[Button, ...] = ()
    ) -> Delivered: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    undeliverable: int = 0


def reminder_key(task_id: int, deadline: object, offset_days: int) -> str:
    """One reminder per (task, deadline, offset): the key that makes a second send impossible."""
    return f"reminder:{task_id}:{deadline}:{offset_days:+d}d"


def route(person: Person, telegram_on: bool) -> str:
    """The first channel of the person's order that can reach them now."""
    for channel in person.channels or ("telegram", "email"):
        if channel == "telegram" and telegram_on and person.telegram_chat_id is not None:
            return "telegram"
    return NO_CHANNEL


async def enqueue_due(now: datetime, *, telegram_on: bool) -> int:
    """Outbox rows for every reminder due at ``now``; returns how many were added."""
    added = 0
    while True:
        tasks = (
            await Task.filter(state=TaskState.OPEN, next_due_at__lte=now)
            .order_by("next_due_at", "id")
            .limit(BATCH)
            .select_related("owner", "resolution")
        )
        rows: list[Outbox] = []
        moves: dict[datetime | None, list[int]] = defaultdict(list)
        for task in tasks:
            deadline = task.extended_to or task.deadline
            slots = slots_for(
                deadline,
                policy_of(task.policy),
                task.resolution.timezone,
                task.owner.timezone,
                task.owner.quiet_hours,
            )
            slot = live_slot(slots, now)
            if slot is not None:
                channel = route(task.owner, telegram_on)
                rows.append(
                    Outbox(
                        key=reminder_key(task.id, deadline, slot.offset_days),
                        task_id=task.id,
                        person_id=task.owner_id,
                        channel=channel,
                        kind="reminder",
                        due_at=slot.due_at,
                        attempt_at=slot.due_at,
                    )
                )
            moves[next_slot_after(slots, now)].append(task.id)
        before = await Outbox.filter(key__in=[r.key for r in rows]).count() if rows else 0
        await Outbox.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        added += len(rows) - before
        for when, ids in moves.items():
            await Task.filter(id__in=ids).update(next_due_at=when)
        if len(tasks) < BATCH:  # moved tasks are due later than now: none is left
            return added


async def deliver(
    sender: Sender | None, renderer: Renderer, secret: bytes, now: datetime
) -> DeliveryReport:
    """Send every claimed, due outbox row."""
    report = DeliveryReport()
    while True:
        rows = await _claim(now)
        for row in rows:
            await _deliver_one(row, sender, renderer, secret, now, report)
        if len(rows) < BATCH:  # all that was due is claimed (or another instance has it)
            return report


async def _claim(now: datetime) -> list[Outbox]:
    due = Q(status=OutboxStatus.PENDING, attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )
    ids = (
        await Outbox.filter(due)
        .order_by("attempt_at", "id")
        .limit(BATCH)
        .values_list("id", flat=True)
    )
    if not ids:
        return []
    token = uuid.uuid4().hex
    await Outbox.filter(due, id__in=list(ids)).update(
        status=OutboxStatus.SENDING, claimed_by=token, lease_until=now + LEASE
    )
    return await Outbox.filter(claimed_by=token, status=OutboxStatus.SENDING).select_related(
        "person", "task", "task__resolution", "task__resolution__controller"
    )


async def _deliver_one(
    row: Outbox,
    sender: Sender | None,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
    report: DeliveryReport,
) -> None:
    task = row.task
    if row.kind == "reminder" and (task is None or task.state != TaskState.OPEN):
        await _finish(row, OutboxStatus.SKIPPED, now, error="задача уже закрыта")
        report.skipped += 1
        return
    chat_id = row.person.telegram_chat_id
    if sender is None or row.channel != "telegram" or chat_id is None:
        await _finish(row, OutboxStatus.UNDELIVERABLE, now, error="нет доступного канала связи")
        log.info(event_line("message.undeliverable", key=row.key, to=row.person_id))
        report.undeliverable += 1
        return
    try:
        html, buttons = _content(row, renderer, secret, now)
    except RenderError as exc:
        # An operator's template mistake: keep the message and retry, so fixing the template
        # lets it go out; the log says what to fix.
        log.error(event_line("message.render_failed", key=row.key, error=repr(str(exc))))
        await _failed(row, DeliveryError(str(exc), permanent=False), now, report)
        return
    try:
        delivered = await sender.send(chat_id, html, buttons)
    except DeliveryError as exc:
        if exc.recipient_unreachable:
            await Person.filter(id=row.person_id).update(telegram_blocked_at=now)
        await _failed(row, exc, now, report)
        return
    await _finish(row, OutboxStatus.SENT, now, external_id=delivered.external_id)
    if task is not None:
        await AuditEvent.create(
            at=now,
            event="task.reminded",
            actor="dispatch",
            task_id=task.id,
            resolution_id=task.resolution_id,
            data={"outbox": row.key, "channel": row.channel},
        )
    log.info(event_line("message.sent", key=row.key, channel=row.channel, to=row.person_id))
    report.sent += 1


def _content(
    row: Outbox, renderer: Renderer, secret: bytes, now: datetime
) -> tuple[str, tuple[Button, ...]]:
    """The text and buttons of an outbox row: reminders are rendered as they are sent (the task
    may have changed since); digests were fixed when enqueued."""
    if row.kind == "reminder" and row.task is not None:
        html = render_reminder(renderer, row.task, row.person, now)
        return html, (Button("✅ Выполнено", sign(secret, Action.DONE, row.task.id)),)
    if row.payload is not None and isinstance(row.payload.get("html"), str):
        return row.payload["html"], ()
    raise RenderError(f"нечего отправить: сообщение {row.key} без содержимого")


def render_reminder(renderer: Renderer, task: Task, person: Person, now: datetime) -> str:
    resolution = task.resolution
    deadline = task.extended_to or task.deadline
    return renderer.render(
        "telegram/reminder.html",
        person=person,
        clause={"id": task.clause_id, "text": task.clause_text},
        resolution=resolution,
        controller=resolution.controller,
        deadline=deadline,
        days_left=days_left(deadline, now, ZoneInfo(resolution.timezone)),
        acceptance=policy_of(task.policy).acceptance,
    )


async def _failed(row: Outbox, exc: DeliveryError, now: datetime, report: DeliveryReport) -> None:
    attempts = row.attempts + 1
    if exc.permanent or attempts >= MAX_ATTEMPTS:
        await _finish(row, OutboxStatus.FAILED, now, error=exc.reason, attempts=attempts)
        log.warning(event_line("message.failed", key=row.key, reason=repr(exc.reason)))
        report.failed += 1
        return
    backoff_s = exc.retry_after_s or min(30 * 2 ** (attempts - 1), 3600)
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        status=OutboxStatus.PENDING,
        attempts=attempts,
        attempt_at=now + timedelta(seconds=backoff_s),
        error=exc.reason,
        claimed_by=None,
        lease_until=None,
    )
    log.info(event_line("message.retry", key=row.key, attempt=attempts, after_s=backoff_s))
    report.retrying += 1


async def _finish(
    row: Outbox,
    status: OutboxStatus,
    now: datetime,
    *,
    error: str | None = None,
    external_id: str | None = None,
    attempts: int | None = None,
) -> None:
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        status=status,
        sent_at=now if status == OutboxStatus.SENT else None,
        error=error,
        external_id=external_id,
        lease_until=None,
        attempts=attempts if attempts is not None else row.attempts + 1,
    )
