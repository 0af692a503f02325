"""The outbound half of a tick: what ``tick`` and ``simulate`` both run at a moment ``now``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from engine.isolation import PASS_THROUGH, Failures
from engine.render import Renderer
from engine.service.delivery import DeliveryReport, Outlets, deliver, enqueue_due
from engine.service.digests import enqueue_digests
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
    failures: Failures = field(default_factory=Failures)  # items that failed alone this pass


async def advance(
    report: TickReport, now: datetime, outlets: Outlets, renderer: Renderer, secret: bytes
) -> None:
    """The outbound half of a tick, shared with ``simulate`` (which passes recording outlets):
    create due occurrences, enqueue due reminders and digests, deliver the outbox.

    Each step isolates its items (engine/isolation.py): what fails is recorded in
    ``report.failures`` (and as ``item.failed`` audit rows) and the pass goes on."""
    channels = outlets.channels
    failures = report.failures
    resolutions = await Resolution.all().values(*RESOLUTION_FIELDS)  # read once per pass
    try:
        report.tasks_created += await materialize(now, resolutions, failures=failures)
        report.enqueued += await enqueue_due(now, channels, failures=failures)
        report.enqueued += await enqueue_digests(
            now, renderer, resolutions, channels, failures=failures
        )
        delivery = await deliver(outlets, renderer, secret, now, failures=failures)
    finally:
        with contextlib.suppress(*PASS_THROUGH):
            await failures.save(now)
    if (summary := failures.summary()) is not None and summary not in report.problems:
        report.problems.append(summary)
    for name in vars(delivery):
        setattr(report.delivery, name, getattr(report.delivery, name) + getattr(delivery, name))
