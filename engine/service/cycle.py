"""The outbound half of a tick: what ``tick`` and ``simulate`` both run at a moment ``now``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.render import Renderer
from engine.service.digests import enqueue_digests
from engine.service.dispatch import DeliveryReport, Outlets, deliver, enqueue_due
from engine.service.occurrences import materialize
from storage.models import Resolution

RESOLUTION_FIELDS = (
    "id",
    "timezone",
    "materialized_through",
    "controller_id",
    "number",
    "title",
    "digest_times",
)


@dataclass
class TickReport:
    updates: int = 0
    tasks_created: int = 0
    enqueued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    problems: list[str] = field(default_factory=list)


async def advance(
    report: TickReport, now: datetime, outlets: Outlets, renderer: Renderer, secret: bytes
) -> None:
    """The outbound half of a tick, shared with ``simulate`` (which passes recording outlets):
    create due occurrences, enqueue due reminders and digests, deliver the outbox."""
    channels = outlets.channels
    resolutions = await Resolution.all().values(*RESOLUTION_FIELDS)  # read once per pass
    report.tasks_created += await materialize(now, resolutions)
    report.enqueued += await enqueue_due(now, channels)
    report.enqueued += await enqueue_digests(now, renderer, resolutions, channels)
    delivery = await deliver(outlets, renderer, secret, now)
    for name in vars(delivery):
        setattr(report.delivery, name, getattr(report.delivery, name) + getattr(delivery, name))
