"""What happened to each outbox row: sent (recorded in batches), finished, counted."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from storage.models import AuditEvent, Outbox, OutboxStatus

log = logging.getLogger("resolute.dispatch")


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


class Recorder:
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


async def finish(
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
