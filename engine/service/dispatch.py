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

import asyncio
import contextlib
import logging
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from engine.audit import event_line
from engine.callbacks import Action, sign
from engine.channels.base import Button, ChannelUnavailable, Delivered, DeliveryError
from engine.channels.email import Mail, deadline_invite
from engine.isolation import ITEM_ATTEMPTS, PASS_THROUGH, TASK_RETRY, Failures, is_items_fault
from engine.render import Renderer, RenderError
from engine.service.claims import claim
from engine.service.schedule import policy_of
from engine.timing import due
from engine.timing.due import reminder_key
from engine.timing.local import days_left
from storage.models import (
    AuditEvent,
    Cursor,
    Outbox,
    OutboxStatus,
    Person,
    Resolution,
    Task,
    TaskState,
)

log = logging.getLogger("resolute.dispatch")
Keyboard = Sequence[Button | Sequence[Button]]  # a Button is a row of its own

BATCH = 1000
CLAIM_BATCH = 200  # ~7 s at Telegram's 30 messages/s: well inside the lease
LEASE = timedelta(minutes=5)
LEASE_SAFETY_S = LEASE.total_seconds() - 60  # stop sending a claim this long after taking it
PAUSE = "telegram.paused_until"  # set from retry_after: no sends before it
NO_CHANNEL = "none"
# Sends in flight at once: enough to hide Telegram's round trip. The Pacer still spaces them
# 29 a second per bot and 1.1 s per chat; a crash can leave this many sent but not recorded.
SENDERS = 8


class Sender(Protocol):
    """A Telegram-like channel: HTML to a chat, with buttons."""

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered: ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> Delivered: ...


class Mailer(Protocol):
    """An e-mail channel."""

    from_address: str

    async def send(self, mail: Mail, now: datetime) -> Delivered: ...


@dataclass(frozen=True)
class Outlets:
    """The channels this process can send through right now."""

    telegram: Sender | None = None
    email: Mailer | None = None

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(
            name for name, outlet in (("telegram", self.telegram), ("email", self.email)) if outlet
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    undeliverable: int = 0
    rerouted: int = 0
    # (channel, kind, outcome) → messages: what `run`'s metrics count (engine/ops/metrics.py)
    outcomes: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def count(self, row: Outbox, outcome: str) -> None:
        self.outcomes[(row.channel, row.kind, outcome)] += 1


class Reachable(Protocol):
    """What routing needs to know of a person (a Person row, or the same fields from a query)."""

    telegram_chat_id: int | None
    telegram_blocked_at: datetime | None
    email: str | None
    email_bounced_at: datetime | None
    channels: list[str] | None


def usable(person: Reachable, channels: frozenset[str]) -> list[str]:
    """The person's channels in their order of preference (default: Telegram, then e-mail)
    that are switched on and can reach them: linked and not blocked, an address not bounced."""
    reachable = {
        "telegram": person.telegram_chat_id is not None and person.telegram_blocked_at is None,
        "email": person.email is not None and person.email_bounced_at is None,
    }
    order = person.channels or ("telegram", "email")
    return [c for c in order if c in channels and reachable.get(c, False)]


def route(person: Reachable, channels: frozenset[str]) -> str:
    """The first channel that can reach the person now, or ``none``."""
    return next(iter(usable(person, channels)), NO_CHANNEL)


async def enqueue_due(
    now: datetime, channels: frozenset[str], *, failures: Failures | None = None
) -> int:
    """Outbox rows for every reminder due at ``now``; returns how many were added.

    A task whose schedule cannot be computed (say, date arithmetic overflowing) fails alone:
    it is recorded in ``failures`` and tried again ``TASK_RETRY`` later."""
    failures = failures if failures is not None else Failures()
    added = 0
    while True:
        tasks = (
            await Task.filter(state=TaskState.OPEN, next_due_at__lte=now)
            .order_by("next_due_at", "id")
            .limit(BATCH)
            .select_related("owner")
        )
        # Only the zone of each resolution: its stored definition is large, and read per task
        # it cost more than all the rest of this loop.
        zones = dict(
            await Resolution.filter(id__in={t.resolution_id for t in tasks}).values_list(
                "id", "timezone"
            )
        )
        rows: list[Outbox] = []
        # Grouped by what was read, so the write below cannot undo an apply that moved the
        # deadline meanwhile (it recomputed next_due_at for the new deadline).
        moves: dict[tuple[datetime | None, date, date | None], list[int]] = defaultdict(list)
        for task in tasks:
            guard = failures.guard(
                "task", task.id, task_id=task.id, resolution_id=task.resolution_id
            )
            with guard:
                row, next_at = _reminder_row(task, zones[task.resolution_id], now, channels)
                if row is not None:
                    rows.append(row)
            if guard.failure is not None:
                next_at = now + TASK_RETRY
            moves[(next_at, task.deadline, task.extended_to)].append(task.id)
        before = await Outbox.filter(key__in=[r.key for r in rows]).count() if rows else 0
        await Outbox.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        added += len(rows) - before
        for (when, deadline, extended_to), ids in moves.items():
            await Task.filter(
                id__in=ids, deadline=deadline, extended_to=extended_to, next_due_at__lte=now
            ).update(next_due_at=when)
        if len(tasks) < BATCH:  # moved tasks are due later than now: none is left
            return added


def _reminder_row(
    task: Task, zone: str, now: datetime, channels: frozenset[str]
) -> tuple[Outbox | None, datetime | None]:
    """The outbox row of the task's live reminder (if one is live) and its next due moment."""
    deadline = task.extended_to or task.deadline
    plan = due.schedule(
        deadline, policy_of(task.policy), zone, task.owner.timezone, task.owner.quiet_hours
    )
    decision = due.reminder_due(plan, now)
    slot = decision.slot
    row = None
    if slot is not None:
        row = Outbox(
            key=reminder_key(task.id, deadline, slot.offset_days),
            task_id=task.id,
            person_id=task.owner_id,
            channel=route(task.owner, channels),
            kind="reminder",
            due_at=slot.due_at,
            attempt_at=slot.due_at,
            payload={"deadline": deadline.isoformat(), "offset": slot.offset_days},
        )
    return row, decision.next_at


async def deliver(
    outlets: Outlets,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
    *,
    failures: Failures | None = None,
) -> DeliveryReport:
    """Send every due outbox row, a claim at a time, SENDERS rows of it at once.

    A claim is sent only while its lease is safely ahead on the real clock; what is left when it
    runs short, or when the channel says to stop (``retry_after``, unusable channel), goes back
    to the queue untouched, so no row is ever sent by two processes. The next claim is taken only
    once every send of the last one has finished: a claim holds up the event loop for a moment,
    and sends waiting for their paced slot meanwhile would go out together after it.

    A row whose building or sending raises anything unexpected fails alone (``_broken``): the
    other rows of the claim go out, and every send made is recorded before anything propagates.
    """
    failures = failures if failures is not None else Failures()
    report = DeliveryReport()
    paused = await Cursor.get_or_none(name=PAUSE)
    if paused is not None and datetime.fromisoformat(paused.value) > now:
        return report  # Telegram asked us to hold off: everything waits, nothing is lost
    recorder = _Recorder(now)
    while True:
        claimed = _Claimed(deque(_interleave_chats(await _claim(now))), time.monotonic())
        size = len(claimed.rows)
        try:
            async with asyncio.TaskGroup() as senders:
                for _ in range(min(SENDERS, size)):
                    senders.create_task(
                        _send_claimed(
                            claimed, outlets, renderer, secret, now, report, recorder, failures
                        )
                    )
        except BaseExceptionGroup as group:  # one sender failed (the database): the others
            # were cancelled; what they sent is recorded if the database still answers (else it
            # goes again after the lease), the rest waits for the lease.
            with contextlib.suppress(*PASS_THROUGH):
                await recorder.flush()
            raise group.exceptions[0] from None
        await _release([*claimed.left, *claimed.rows])
        if claimed.pause_s is not None:
            until = (now + timedelta(seconds=claimed.pause_s)).isoformat()
            await Cursor.update_or_create(name=PAUSE, defaults={"value": until})
        if claimed.stopped:
            return report
        if size < CLAIM_BATCH and not claimed.rerouted:  # all due is claimed (or another has)
            return report
        # else rows moved to another channel go out in this same pass


@dataclass
class _Claimed:
    """One claim's rows, taken one at a time by several senders, and what stopped them."""

    rows: deque[Outbox]  # not taken yet
    claimed_at: float  # time.monotonic()
    stopped: bool = False  # lease running short, channel unusable, or told to pause
    pause_s: float | None = None  # Telegram's retry_after: hold off everything this long
    rerouted: bool = False  # a row moved to another channel: claim again
    left: list[Outbox] = field(default_factory=list)  # taken but untouched: back to the queue


async def _send_claimed(
    claimed: _Claimed,
    outlets: Outlets,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
    report: DeliveryReport,
    recorder: _Recorder,
    failures: Failures,
) -> None:
    """One sender: rows of the claim one after another, until none is left or one says stop.
    The Pacer spaces the messages of SENDERS of these as it would one sender's."""
    while claimed.rows and not claimed.stopped:
        if time.monotonic() - claimed.claimed_at > LEASE_SAFETY_S:
            claimed.stopped = True
            return
        row = claimed.rows.popleft()
        rerouted = report.rerouted
        try:
            stop = await _deliver_one(row, outlets, renderer, secret, now, report, recorder)
        except ChannelUnavailable as exc:
            if not claimed.stopped:
                log.error(event_line("channel.unavailable", error=repr(str(exc))))
            claimed.stopped = True
            claimed.left.append(row)
            return
        except Exception as exc:
            if not is_items_fault(exc):
                raise
            await _broken(row, exc, now, report, failures)  # this row's alone: the others go on
            continue
        claimed.rerouted |= report.rerouted > rerouted
        if stop is not None:
            claimed.stopped = True
            claimed.pause_s = max(claimed.pause_s or 0.0, stop)


class _Recorder:
    """Records sent messages, each as soon as possible after its send: the sender that finds
    no write in progress writes every send recorded meanwhile, in one transaction. (At 1,000
    messages a second, a transaction per message would cost more than the send itself.) A row
    sent but not yet recorded when the process dies is sent again once its lease expires."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._queue: list[tuple[Outbox, str]] = []
        self._writing = False

    async def flush(self) -> None:
        """Write what is queued, when no write is in progress (after the senders stopped)."""
        if self._queue and not self._writing:
            batch, self._queue = self._queue, []
            await _record_sent(batch, self._now)

    async def sent(self, row: Outbox, external_id: str) -> None:
        self._queue.append((row, external_id))
        if self._writing:
            return  # the write in progress takes this one along
        self._writing = True
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await _record_sent(batch, self._now)
                except BaseException:
                    self._queue[:0] = batch  # not recorded: for the next write, if any
                    raise
        finally:
            self._writing = False


async def _record_sent(batch: list[tuple[Outbox, str]], now: datetime) -> None:
    """Mark the rows sent (still under their claim) and write their audit rows, at once."""
    async with in_transaction() as db:
        await db.execute_many(
            _placeholders(
                db,
                "UPDATE outbox SET status=?, sent_at=?, error=NULL, external_id=?,"
                " lease_until=NULL, attempts=? WHERE id=? AND claimed_by=?",
            ),
            [
                [OutboxStatus.SENT.value, now, ext_id, row.attempts + 1, row.id, row.claimed_by]
                for row, ext_id in batch
            ],
        )
        events = [
            AuditEvent(
                at=now,
                event="task.reminded",
                actor="dispatch",
                task_id=row.task.id,
                resolution_id=row.task.resolution_id,
                data={"outbox": row.key, "channel": row.channel},
            )
            for row, _ in batch
            if row.task is not None
        ]
        await AuditEvent.bulk_create(events, using_db=db)


def _placeholders(db: BaseDBAsyncClient, sql: str) -> str:
    """``?`` placeholders as the database wants them: ``$1, $2, …`` on PostgreSQL."""
    if db.capabilities.dialect != "postgres":
        return sql
    numbers = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


def _interleave_chats(rows: list[Outbox]) -> list[Outbox]:
    """Round-robin over recipients, so one person's many messages (paced 1/s per chat) do not
    hold up everybody else's."""
    by_person: dict[str, list[Outbox]] = defaultdict(list)
    for row in rows:
        by_person[row.person_id].append(row)
    queues = list(by_person.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


async def _release(rows: list[Outbox]) -> None:
    if rows:
        await Outbox.filter(id__in=[r.id for r in rows], claimed_by=rows[0].claimed_by).update(
            status=OutboxStatus.PENDING, claimed_by=None, lease_until=None
        )


async def _claim(now: datetime) -> list[Outbox]:
    return await claim(now, limit=CLAIM_BATCH, lease=LEASE)  # SKIP LOCKED on PostgreSQL


async def _deliver_one(
    row: Outbox,
    outlets: Outlets,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
    report: DeliveryReport,
    recorder: _Recorder,
) -> float | None:
    """Deliver one row; the seconds to hold off everything when the channel asked for it."""
    if row.kind == "reminder" and (stale := _stale_reminder(row, now)) is not None:
        await _finish(row, OutboxStatus.SKIPPED, now, error=stale)
        report.skipped += 1
        report.count(row, "skipped")
        return None
    person = row.person
    try:
        if row.channel == "telegram" and outlets.telegram and person.telegram_chat_id is not None:
            html, buttons = _telegram_content(row, renderer, secret, now)
            await _send_copies(row, outlets.telegram, person.telegram_chat_id)
            delivered = await outlets.telegram.send(person.telegram_chat_id, html, buttons)
        elif row.channel == "email" and outlets.email and person.email is not None:
            mail = _mail_content(row, renderer, now)
            delivered = await outlets.email.send(mail, now)
        elif await _switch_channel(row, outlets, now):
            report.rerouted += 1  # queued for a channel this process does not have
            return None
        else:
            await _finish(row, OutboxStatus.UNDELIVERABLE, now, error="нет доступного канала")
            log.info(event_line("message.undeliverable", key=row.key, to=row.person_id))
            report.undeliverable += 1
            report.count(row, "undeliverable")
            return None
    except RenderError as exc:
        # An operator's template mistake: keep the message and retry, so fixing the template
        # lets it go out; the log says what to fix.
        log.error(event_line("message.render_failed", key=row.key, error=repr(str(exc))))
        await _failed(row, DeliveryError(str(exc), permanent=False), now, report)
        return None
    except DeliveryError as exc:
        if (exc.recipient_unreachable or exc.content_rejected) and await _reroute(
            row, outlets, now, exc
        ):
            report.rerouted += 1
            return None
        await _failed(row, exc, now, report)
        return exc.retry_after_s
    await recorder.sent(row, delivered.external_id)
    log.info(event_line("message.sent", key=row.key, channel=row.channel, to=row.person_id))
    report.sent += 1
    report.count(row, "sent")
    return None


async def _reroute(row: Outbox, outlets: Outlets, now: datetime, exc: DeliveryError) -> bool:
    """The channel cannot reach the person any more (marked so), or refused this message's
    content: move the message to their next usable channel (same row, same key: still one
    message). False if there is none."""
    if exc.recipient_unreachable:
        flag = "telegram_blocked_at" if row.channel == "telegram" else "email_bounced_at"
        await Person.filter(id=row.person_id).update(**{flag: now})
        setattr(row.person, flag, now)
    fallback = [c for c in usable(row.person, outlets.channels) if c != row.channel]
    if not fallback:
        return False
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        channel=fallback[0], status=OutboxStatus.PENDING, attempt_at=now, claimed_by=None,
        lease_until=None, error=exc.reason,
    )  # fmt: skip
    log.info(
        event_line(
            "message.rerouted", key=row.key, to=row.person_id, channel=fallback[0],
            reason=repr(exc.reason),
        )
    )  # fmt: skip
    return True


async def _switch_channel(row: Outbox, outlets: Outlets, now: datetime) -> bool:
    """A row queued for a channel that is off here (a notice routed while it was on, say) goes
    to the person's first channel that is on. False if none reaches them."""
    usable_now = usable(row.person, outlets.channels)
    if not usable_now or usable_now[0] == row.channel:
        return False
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        channel=usable_now[0], status=OutboxStatus.PENDING, attempt_at=now, claimed_by=None,
        lease_until=None,
    )  # fmt: skip
    log.info(event_line("message.rerouted", key=row.key, to=row.person_id, channel=usable_now[0]))
    return True


def _stale_reminder(row: Outbox, now: datetime) -> str | None:
    """Why a queued reminder must not go out any more, if it must not (engine/timing/due.py)."""
    task = row.task
    payload = row.payload or {}
    plan = None
    if task is not None and task.state == TaskState.OPEN:
        person = row.person
        plan = due.schedule(
            task.extended_to or task.deadline, policy_of(task.policy), task.resolution.timezone,
            person.timezone, person.quiet_hours,
        )  # fmt: skip
    return due.stale_reminder(plan, payload.get("deadline"), payload.get("offset"), now)


def _telegram_content(
    row: Outbox, renderer: Renderer, secret: bytes, now: datetime
) -> tuple[str, Keyboard]:
    """Text and buttons: reminders are rendered as they are sent (the task may have changed
    since it was queued); digests were fixed when composed."""
    if row.kind == "reminder" and row.task is not None:
        html = render_reminder(renderer, row.task, row.person, now)
        return html, reminder_buttons(secret, row.task.id)
    if row.payload is not None and isinstance(row.payload.get("html"), str):
        rows = row.payload.get("buttons") or ()
        return row.payload["html"], tuple(tuple(Button(t, d) for t, d in r) for r in rows)
    raise RenderError(f"нечего отправить: сообщение {row.key} без содержимого")


def reminder_buttons(secret: bytes, task_id: int) -> tuple[Button, ...]:
    """What an owner can do about an open task: under reminders, /tasks and returned reports."""
    return (
        Button("✅ Выполнено", sign(secret, Action.DONE, task_id)),
        Button("📎 Отправить отчёт", sign(secret, Action.REPORT, task_id)),
        Button("⏳ Нужна отсрочка", sign(secret, Action.EXTEND, task_id)),
    )


async def _send_copies(row: Outbox, telegram: Sender, chat_id: int) -> None:
    """A notice's copies of a user's messages (a report's photos and files), best effort and
    on the first attempt only: they go before the notice, whose buttons then come last."""
    if row.attempts:
        return
    for from_chat, message_id in (row.payload or {}).get("copies", ()):
        try:
            await telegram.copy(chat_id, from_chat, message_id)
        except DeliveryError as exc:
            log.warning(event_line("message.copy_failed", key=row.key, reason=repr(exc.reason)))


def _mail_content(row: Outbox, renderer: Renderer, now: datetime) -> Mail:
    person = row.person
    assert person.email is not None
    if row.kind == "reminder" and row.task is not None:
        task = row.task
        context = reminder_context(task, person, now)
        deadline = context["deadline"]
        subject = f"Напоминание: пункт {task.clause_id}, срок {deadline:%d.%m.%Y}"
        invite = deadline_invite(
            f"{row.key}@resolute",
            deadline,
            f"Срок: пункт {task.clause_id} постановления № {task.resolution.number}",
            task.clause_text,
        )
        return Mail(
            person.email, person.name, subject,
            renderer.render("email/reminder.html", **context),
            renderer.render_text("email/reminder.txt", **context),
            row.key, (invite,),
        )  # fmt: skip
    payload = row.payload or {}
    if all(isinstance(payload.get(k), str) for k in ("subject", "html", "text")):
        html = payload.get("mail_html") or payload["html"]  # a notice has its own for mail
        return Mail(
            person.email, person.name, payload["subject"], html, payload["text"], row.key,
            in_reply_to=payload.get("in_reply_to"),
        )  # fmt: skip
    raise RenderError(f"нечего отправить: письмо {row.key} без содержимого")


def reminder_context(task: Task, person: Person, now: datetime) -> dict[str, Any]:
    resolution = task.resolution
    deadline = task.extended_to or task.deadline
    return {
        "person": person,
        "clause": {"id": task.clause_id, "text": task.clause_text},
        "resolution": resolution,
        "controller": resolution.controller,
        "deadline": deadline,
        "days_left": days_left(deadline, now, ZoneInfo(resolution.timezone)),
        "acceptance": policy_of(task.policy).acceptance,
    }


def render_reminder(renderer: Renderer, task: Task, person: Person, now: datetime) -> str:
    return renderer.render("telegram/reminder.html", **reminder_context(task, person, now))


async def _broken(
    row: Outbox, exc: Exception, now: datetime, report: DeliveryReport, failures: Failures
) -> None:
    """A row whose building or sending raised: recorded with the reason, retried with the
    usual backoff, failed for good at its ``ITEM_ATTEMPTS``-th attempt."""
    failure = failures.add("outbox", row.key, exc, task_id=row.task_id)
    give_up = row.attempts + 1 >= ITEM_ATTEMPTS
    await _failed(
        row, DeliveryError(f"внутренняя ошибка: {failure.reason}", permanent=give_up), now, report
    )


async def _failed(row: Outbox, exc: DeliveryError, now: datetime, report: DeliveryReport) -> None:
    """Record a failed attempt: for good if permanent (or a digest out of attempts), else
    back to the queue with capped exponential backoff (or Telegram's ``retry_after``, which is
    not the message's fault and does not count as an attempt)."""
    retry = due.retry_after_failure(
        row.kind, row.attempts, permanent=exc.permanent, retry_after_s=exc.retry_after_s
    )
    if retry.give_up:
        await _finish(row, OutboxStatus.FAILED, now, error=exc.reason, attempts=retry.attempts)
        log.warning(event_line("message.failed", key=row.key, reason=repr(exc.reason)))
        report.failed += 1
        report.count(row, "failed")
        return
    await Outbox.filter(id=row.id, claimed_by=row.claimed_by).update(
        status=OutboxStatus.PENDING,
        attempts=retry.attempts,
        attempt_at=retry.at(now),
        error=exc.reason,
        claimed_by=None,
        lease_until=None,
    )
    log.info(
        event_line("message.retry", key=row.key, attempt=retry.attempts, after_s=retry.backoff_s)
    )
    report.retrying += 1
    report.count(row, "throttled" if exc.retry_after_s else "retrying")


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
