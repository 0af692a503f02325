"""Claiming due outbox rows, so that several dispatchers never take the same row.

A claim marks up to ``limit`` due rows ``sending`` with a fresh token and a lease, then loads
them (with what rendering needs) by that token. A row is due when it is ``pending`` and its
``attempt_at`` has come, or ``sending`` under a lease that has expired (its dispatcher died
between claiming and recording): that row is claimed again, which is the one duplicate a crash
can cause.

- PostgreSQL (several ``resolute run`` instances): in one transaction, ``SELECT id … FOR UPDATE
  SKIP LOCKED`` picks rows no other transaction is claiming, and the UPDATE marks them before the
  commit. Concurrent claimers neither wait for each other nor see each other's rows. Only ids are
  selected: PostgreSQL refuses FOR UPDATE across the outer joins ``select_related`` makes.
- SQLite (one instance): a conditional UPDATE. SQLite has no row locks (tortoise silently drops
  FOR UPDATE there); its one writer at a time, and the UPDATE re-checking that each row is still
  due, keep two claimers in one process apart.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from engine.audit import event_line
from storage.models import Outbox, OutboxStatus, Person, Resolution

log = logging.getLogger("resolute.claims")

CONNECTION = "default"
RELATED = ("person", "task")
# What messages about a task use of its resolution (templates: title, number, adopted).
RESOLUTION_FIELDS = ("id", "title", "number", "adopted", "timezone", "controller_id")


def due(now: datetime) -> Q:
    """Rows a dispatcher may take at ``now``: pending and due, or under an expired lease."""
    return Q(status=OutboxStatus.PENDING, attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def row_locks() -> bool:
    """Whether the database locks rows (PostgreSQL), as opposed to SQLite's one writer."""
    dialect: str = connections.get(CONNECTION).capabilities.dialect
    return dialect == "postgres"


async def claim(now: datetime, *, limit: int, lease: timedelta) -> list[Outbox]:
    """Take up to ``limit`` due rows, oldest ``attempt_at`` first, until ``now + lease``.

    Returns them with person, task, resolution (its main fields) and controller loaded; every
    row carries the claim's token in ``claimed_by``, which each later write of the dispatcher
    checks.
    """
    token = uuid.uuid4().hex
    lease_until = now + lease
    if row_locks():
        async with in_transaction(CONNECTION) as tx:
            taken = await _mark(tx, now, limit, token, lease_until, skip_locked=True)
    else:
        taken = await _mark(connections.get(CONNECTION), now, limit, token, lease_until)
    if not taken:
        return []
    rows = await Outbox.filter(claimed_by=token, status=OutboxStatus.SENDING).select_related(
        *RELATED
    )
    await _attach_resolutions(rows)
    log.info(event_line("outbox.claimed", token=token, rows=len(rows)))
    return rows


async def _attach_resolutions(rows: list[Outbox]) -> None:
    """Each task's resolution and its controller, read once per claim and without the stored
    definition: that lists every owner of every clause (a megabyte for a large organisation),
    and read with each of 200 rows it cost more than everything else a send does."""
    ids = {row.task.resolution_id for row in rows if row.task is not None}
    if not ids:
        return
    resolutions = {
        r.id: r for r in await Resolution.filter(id__in=ids).only(*RESOLUTION_FIELDS)
    }  # (tortoise loads no relation alongside .only(): the controllers come next)
    controllers = {
        p.id: p for p in await Person.filter(id__in={r.controller_id for r in resolutions.values()})
    }
    for resolution in resolutions.values():
        resolution.controller = controllers[resolution.controller_id]
    for row in rows:
        if row.task is not None:
            row.task.resolution = resolutions[row.task.resolution_id]


async def _mark(
    db: BaseDBAsyncClient,
    now: datetime,
    limit: int,
    token: str,
    lease_until: datetime,
    *,
    skip_locked: bool = False,
) -> int:
    """Mark up to ``limit`` due rows as claimed by ``token``; how many were marked."""
    query = Outbox.filter(due(now)).order_by("attempt_at", "id").limit(limit).using_db(db)
    if skip_locked:
        # .only("id"), not .values_list(): tortoise drops FOR UPDATE from values queries.
        query = query.select_for_update(skip_locked=True).only("id")
    ids = [row.id for row in await query]
    if not ids:
        return 0
    # Re-checking "due" makes the UPDATE conditional: on SQLite a row another claimer marked
    # after our SELECT is left alone; on PostgreSQL the rows are ours already (locked).
    return await (
        Outbox.filter(due(now), id__in=ids)
        .using_db(db)
        .update(status=OutboxStatus.SENDING, claimed_by=token, lease_until=lease_until)
    )
