"""The sending loop: claim due outbox rows, send them a few at once, record, release.

A claim is sent only while its lease is safely ahead; a process that dies between a send and its
record leaves the row claimed, and once the lease expires it is sent again: the one duplicate a
crash can cause."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.audit import event_line
from engine.channels.base import ChannelUnavailable, Delivered, DeliveryError
from engine.channels.registry import CHANNELS, Entry, Kind
from engine.isolation import PASS_THROUGH, Failures, is_items_fault
from engine.render import Renderer, RenderError
from engine.service.claims import claim
from engine.service.delivery.content import mail_content, messenger_content, send_copies
from engine.service.delivery.failure import broken, failed
from engine.service.delivery.record import DeliveryReport, Recorder, finish
from engine.service.delivery.route import Links, Outlets, links_of, reroute, switch_channel
from engine.service.schedule import policy_of
from engine.timing import due
from storage.models import Cursor, Outbox, OutboxStatus, TaskState

log = logging.getLogger("resolute.dispatch")

CLAIM_BATCH = 200  # ~7 s at Telegram's 30 messages/s: well inside the lease
LEASE = timedelta(minutes=5)
LEASE_SAFETY_S = LEASE.total_seconds() - 60  # stop sending a claim this long after taking it
PAUSE = "telegram.paused_until"  # set from retry_after: no sends before it

# Sends in flight at once: enough to hide Telegram's round trip. The Pacer still spaces them
# 29 a second per bot and 1.1 s per chat; a crash can leave this many sent but not recorded.
SENDERS = 8


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

    A row whose building or sending raises anything unexpected fails alone (``broken``): the
    other rows of the claim go out, and every send made is recorded before anything propagates.
    """
    failures = failures if failures is not None else Failures()
    report = DeliveryReport()
    paused = await Cursor.get_or_none(name=PAUSE)
    if paused is not None and datetime.fromisoformat(paused.value) > now:
        return report  # Telegram asked us to hold off: everything waits, nothing is lost
    recorder = Recorder(now)
    while True:
        rows = await _claim(now)
        links = await links_of((r.person_id for r in rows), outlets.channels)
        claimed = _Claimed(deque(_interleave_chats(rows)), time.monotonic(), links)
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
    links: Links  # the link rows of the claim's people (messengers after Telegram)
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
    recorder: Recorder,
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
            stop = await _deliver_one(
                row, outlets, claimed.links, renderer, secret, now, report, recorder
            )
        except ChannelUnavailable as exc:
            if not claimed.stopped:
                log.error(event_line("channel.unavailable", error=repr(str(exc))))
            claimed.stopped = True
            claimed.left.append(row)
            return
        except Exception as exc:
            if not is_items_fault(exc):
                raise
            await broken(row, exc, now, report, failures)  # this row's alone: the others go on
            continue
        claimed.rerouted |= report.rerouted > rerouted
        if stop is not None:
            claimed.stopped = True
            claimed.pause_s = max(claimed.pause_s or 0.0, stop)


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
    links: Links,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
    report: DeliveryReport,
    recorder: Recorder,
) -> float | None:
    """Deliver one row; the seconds to hold off everything when the channel asked for it."""
    if row.kind == "reminder" and (stale := _stale_reminder(row, now)) is not None:
        await finish(row, OutboxStatus.SKIPPED, now, error=stale)
        report.skipped += 1
        report.count(row, "skipped")
        return None
    entry = CHANNELS.get(row.channel)
    to = None
    if entry is not None and row.channel in outlets:
        to = entry.address(row.person, links.get(row.person_id)).to
    try:
        if entry is not None and to is not None:
            delivered = await _send(entry, to, row, outlets, renderer, secret, now)
        elif await switch_channel(row, outlets, links, now):
            report.rerouted += 1  # queued for a channel this process does not have
            return None
        else:
            await finish(row, OutboxStatus.UNDELIVERABLE, now, error="нет доступного канала")
            log.info(event_line("message.undeliverable", key=row.key, to=row.person_id))
            report.undeliverable += 1
            report.count(row, "undeliverable")
            return None
    except RenderError as exc:
        # An operator's template mistake: keep the message and retry, so fixing the template
        # lets it go out; the log says what to fix.
        log.error(event_line("message.render_failed", key=row.key, error=repr(str(exc))))
        await failed(row, DeliveryError(str(exc), permanent=False), now, report)
        return None
    except DeliveryError as exc:
        if (exc.recipient_unreachable or exc.content_rejected) and await reroute(
            row, outlets, links, now, exc
        ):
            report.rerouted += 1
            return None
        await failed(row, exc, now, report)
        return exc.retry_after_s
    await recorder.sent(row, delivered.external_id)
    log.info(event_line("message.sent", key=row.key, channel=row.channel, to=row.person_id))
    report.sent += 1
    report.count(row, "sent")
    return None


async def _send(
    entry: Entry,
    to: int | str,
    row: Outbox,
    outlets: Outlets,
    renderer: Renderer,
    secret: bytes,
    now: datetime,
) -> Delivered:
    """One message through the outlet of ``entry``'s channel, as that kind of channel takes it."""
    if entry.kind is Kind.MAIL:
        return await outlets.mailer(entry.name).send(mail_content(row, str(to), renderer, now), now)
    sender = outlets.messenger(entry.name)
    html, buttons = messenger_content(row, renderer, secret, now)
    if entry.copies:
        await send_copies(row, entry.name, sender, int(to))
    return await sender.send(int(to), html, buttons)


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
