"""MAX's feeds into the one inbound pipeline (``inbound.take``): long polling and the webhook.

Polling (``tick``, development): ``GET /updates`` from the marker kept in the database (cursor
``max.marker``), saved after each batch is recorded, so a restart neither skips nor replays an
update (an update recorded before a crash is not acted on twice: ``take`` records once, under
``max:update:<derived id>``). One instance polls: ``run`` under the leader lock ``MAX_POLLER``,
``tick`` only when it can take that lock at once (engine/service/leader.py).

Webhook (``run`` with RESOLUTE_MAX_WEBHOOK_URL): any instance may receive; each push goes
through the same ``take``, so a redelivered update does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path

from engine.channels.max import Received as MaxReceived
from engine.channels.max.messenger import MaxMessenger
from engine.isolation import Failures
from engine.service.answers import Front
from engine.service.inbound import Context, answering, take
from engine.service.leader import MAX_POLLER, AdvisoryLock
from storage.models import Cursor

log = logging.getLogger("resolute.inbound")
MARKER = "max.marker"


async def pull_max(
    max_: MaxMessenger,
    secret: bytes,
    now: datetime | Callable[[], datetime],
    *,
    wait_s: int = 0,
    templates_dir: Path | None = None,
    failures: Failures | None = None,
    front: Front | None = None,
) -> int:
    """Read and handle every pending MAX update; returns how many were new (see the module
    docstring). ``wait_s`` > 0 long-polls; ``front`` as for ``pull_telegram``."""
    async with answering(max_, front) as front:
        failures = failures if failures is not None else Failures()
        context = Context(max_, secret, front, templates_dir)
        cursor = await Cursor.get_or_none(name=MARKER)
        marker = int(cursor.value) if cursor else None
        handled = 0
        while True:
            updates, next_marker = await max_.updates(marker, timeout_s=wait_s)
            wait_s = 0
            moment = now() if callable(now) else now
            for update in updates:
                with failures.guard("update", update.update_id):
                    if await take(context, update, moment):
                        handled += 1
            await failures.save(moment)
            moved = next_marker is not None and next_marker != marker
            if moved:
                marker = next_marker
                await Cursor.update_or_create(name=MARKER, defaults={"value": str(marker)})
            if not updates or not moved:  # nothing more, or nothing said where to go on from
                return handled


async def pull_max_once(
    max_: MaxMessenger,
    db_url: str,
    secret: bytes,
    now: datetime,
    *,
    templates_dir: Path | None = None,
    failures: Failures | None = None,
) -> int | None:
    """``tick``'s poll: only if no other instance polls MAX (it holds the lock); None then."""
    lock = AdvisoryLock.for_url(db_url, MAX_POLLER)
    if lock is not None and not await lock.try_acquire():
        log.info("tick.max_polled_elsewhere")
        return None
    try:
        return await pull_max(max_, secret, now, templates_dir=templates_dir, failures=failures)
    finally:
        if lock is not None:
            await lock.release()


def webhook_receiver(
    context: Context, clock: Callable[[], datetime], after: Callable[[int], None] | None = None
) -> Callable[[Sequence[MaxReceived]], Awaitable[None]]:
    """What the webhook hands its pushes to: each taken once; ``after(new)`` follows (``run``
    starts a pass, so what the update queued goes out now). A failure propagates: the webhook
    answers 500 and MAX delivers the update again."""

    async def on_updates(received: Sequence[MaxReceived]) -> None:
        new = 0
        for item in received:
            if await take(context, item.engine(), clock()):
                new += 1
        if after is not None:
            after(new)

    return on_updates
