"""One pass as of ``now``: read inbound, create due occurrences, enqueue and send what is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from engine.app import App
from engine.channels.base import ChannelUnavailable
from engine.service.digests import enqueue_digests
from engine.service.dispatch import DeliveryReport, deliver, enqueue_due
from engine.service.inbound import pull_telegram
from engine.service.occurrences import materialize

log = logging.getLogger("resolute.tick")


@dataclass
class TickReport:
    updates: int = 0
    tasks_created: int = 0
    enqueued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    problems: list[str] = field(default_factory=list)


async def tick(app: App, now: datetime) -> TickReport:
    report = TickReport()
    if app.telegram is not None:
        try:
            report.updates = await pull_telegram(app.telegram, app.secret, now)
        except ChannelUnavailable as exc:
            report.problems.append(str(exc))
            log.warning("tick.inbound_unavailable reason=%r", str(exc))
    report.tasks_created = await materialize(now)
    report.enqueued = await enqueue_due(now, telegram_on=app.telegram is not None)
    report.enqueued += await enqueue_digests(
        now, app.renderer, telegram_on=app.telegram is not None
    )
    report.delivery = await deliver(app.telegram, app.renderer, app.secret, now)
    return report
