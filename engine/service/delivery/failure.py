"""A failed send: retried with backoff (engine/timing/due.py decides), or failed for good."""

from __future__ import annotations

import logging
from datetime import datetime

from engine.audit import event_line
from engine.channels.base import DeliveryError
from engine.isolation import ITEM_ATTEMPTS, Failures
from engine.service.delivery.record import DeliveryReport, finish
from engine.timing import due
from storage.models import Outbox, OutboxStatus

log = logging.getLogger("resolute.dispatch")


async def broken(
    row: Outbox, exc: Exception, now: datetime, report: DeliveryReport, failures: Failures
) -> None:
    """A row whose building or sending raised: recorded with the reason, retried with the
    usual backoff, failed for good at its ``ITEM_ATTEMPTS``-th attempt."""
    failure = failures.add("outbox", row.key, exc, task_id=row.task_id)
    give_up = row.attempts + 1 >= ITEM_ATTEMPTS
    await failed(
        row, DeliveryError(f"внутренняя ошибка: {failure.reason}", permanent=give_up), now, report
    )


async def failed(row: Outbox, exc: DeliveryError, now: datetime, report: DeliveryReport) -> None:
    """Record a failed attempt: for good if permanent (or a digest out of attempts), else
    back to the queue with capped exponential backoff (or Telegram's ``retry_after``, which is
    not the message's fault and does not count as an attempt)."""
    retry = due.retry_after_failure(
        row.kind, row.attempts, permanent=exc.permanent, retry_after_s=exc.retry_after_s
    )
    if retry.give_up:
        await finish(row, OutboxStatus.FAILED, now, error=exc.reason, attempts=retry.attempts)
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
