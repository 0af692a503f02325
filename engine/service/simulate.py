"""``resolute simulate``: every message that would go out, by running the engine itself.

The workflow is applied to a throw-away in-memory database, and the same ``advance`` a tick
runs is called at every moment something can become due (a reminder slot, a digest time, a new
local day, a retry), with a sender that records instead of sending. Nobody confirms anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.channels.base import Button, Delivered
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.cycle import TickReport, advance
from engine.service.digests import Slot, slots_of
from engine.timing.local import at_local, local_date
from engine.workflow.catalog import Catalog
from storage.db import database
from storage.models import Outbox, OutboxStatus, Resolution, Task, TaskState

SIMULATION_SECRET = b"simulation-only-not-a-real-secret"


@dataclass(frozen=True)
class Planned:
    """One message of the timeline."""

    at: datetime  # UTC
    channel: str  # telegram, or "none" when nothing reaches the person
    recipient: str
    recipient_name: str
    kind: str  # reminder | digest
    workflow: str
    clause: str
    occurrence: str
    key: str

    def as_json(self) -> dict[str, str]:
        return {
            "at": self.at.isoformat(),
            "channel": self.channel,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "kind": self.kind,
            "workflow": self.workflow,
            "clause": self.clause,
            "occurrence": self.occurrence,
            "key": self.key,
        }


class RecordingSender:
    """Accepts every message, as if every linked official had pressed Start."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: int, html: str, buttons: tuple[Button, ...] = ()) -> Delivered:
        self.count += 1
        return Delivered(f"{chat_id}:{self.count}")


async def simulate(
    catalog: Catalog, until: date, renderer: Renderer, *, start: datetime | None = None
) -> list[Planned]:
    """The timeline from ``start`` (default: the earliest adoption) through the end of ``until``."""
    zones = [ZoneInfo(r.meta.timezone) for r in catalog.resolutions]
    if not zones:
        return []
    begin = start or min(
        at_local(r.meta.adopted, time(0), ZoneInfo(r.meta.timezone)) for r in catalog.resolutions
    )
    end = max(at_local(until + timedelta(days=1), time(0), z) for z in zones)
    async with database("sqlite://:memory:"):
        await apply_catalog(catalog, begin)
        sender = RecordingSender()
        report = TickReport()
        slots = slots_of(await Resolution.all().values("timezone", "digest_times"))
        now = begin
        while now < end:
            await advance(report, now, sender, renderer, SIMULATION_SECRET)
            now = await _next_event(now, slots)
        return await _timeline(end)


async def _next_event(now: datetime, slots: set[Slot]) -> datetime:
    """The earliest moment after ``now`` at which a tick could have something to do.

    Digest times come every day, so a tick runs at least daily and creates the day's
    occurrences; a reminder of a task created that way keeps its own slot time as ``due_at``.
    """
    candidates: list[datetime] = []
    reminder = await (
        Task.filter(state=TaskState.OPEN, next_due_at__gt=now)
        .order_by("next_due_at")
        .limit(1)
        .values("next_due_at")
    )
    retry = await (
        Outbox.filter(status=OutboxStatus.PENDING, attempt_at__gt=now)
        .order_by("attempt_at")
        .limit(1)
        .values("attempt_at")
    )
    candidates += [row["next_due_at"] for row in reminder] + [row["attempt_at"] for row in retry]
    for slot in slots:
        today = local_date(now, ZoneInfo(slot.timezone))
        for day in (today, today + timedelta(days=1)):
            if (instant := slot.instant(day)) > now:
                candidates.append(instant)
                break
    return min(c if c.tzinfo else c.replace(tzinfo=UTC) for c in candidates)


async def _timeline(end: datetime) -> list[Planned]:
    rows = (
        await Outbox.filter(due_at__lt=end)
        .select_related("person", "task")
        .order_by("due_at", "kind", "person_id", "key")
    )
    return [
        Planned(
            at=row.due_at,
            channel=row.channel,
            recipient=row.person_id,
            recipient_name=row.person.name,
            kind=row.kind,
            workflow=row.task.resolution_id if row.task else "",
            clause=row.task.clause_id if row.task else "",
            occurrence=row.task.occurrence if row.task else "",
            key=row.key,
        )
        for row in rows
    ]
