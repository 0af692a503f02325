"""What ``resolute run`` reports about itself after every pass: the heartbeat row, the
Prometheus metrics and the ``/healthz`` answer. run.py calls ``after_pass``; nothing here
decides anything about delivery."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from tortoise.exceptions import BaseORMException

from engine.audit import event_line
from engine.ops.health import Backlog, stale_after
from engine.ops.heartbeat import Beat, instance_name, record_beat
from engine.ops.metrics import Liveness, Metrics, MetricsServer
from engine.service.cycle import TickReport
from engine.settings import Settings
from storage.models import Outbox, OutboxStatus

log = logging.getLogger("resolute.run")


class PassObserver:
    def __init__(self, settings: Settings, started_at: datetime) -> None:
        self.settings = settings
        self.instance = instance_name()
        self.started_at = started_at
        self.metrics = Metrics()
        self.liveness = Liveness(stale_after(settings.run_interval_s).total_seconds())
        self.polls_telegram = False
        self.polls_max = False
        self.reads_mail = False

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[MetricsServer | None]:
        """The metrics endpoint for the block, when ``RESOLUTE_METRICS_PORT`` is set."""
        port = self.settings.metrics_port
        if port is None:
            yield None
            return
        server = MetricsServer(self.metrics, self.liveness, self.settings.metrics_host, port)
        try:
            await server.__aenter__()
        except OSError as exc:  # the port is taken: the service runs on, without metrics
            log.error(event_line("run.metrics_unavailable", port=port, error=repr(str(exc))))
            yield None
            return
        log.info(event_line("run.metrics", host=self.settings.metrics_host, port=port))
        try:
            yield server
        finally:
            await server.__aexit__(None, None, None)

    def inbound(self, channel: str, updates: int) -> None:
        if updates:
            self.metrics.inbound.labels(channel).inc(updates)

    async def after_pass(
        self, report: TickReport, now: datetime, duration_s: float, error: str | None
    ) -> None:
        m = self.metrics
        m.count_delivery(report.delivery.outcomes)
        m.pass_seconds.observe(duration_s)
        m.last_pass.set(now.timestamp() + duration_s)
        if error is not None:
            m.pass_errors.inc()
        self.liveness.passed(error)
        await record_beat(
            Beat(self.instance, self.started_at, now, duration_s,
                 self.polls_telegram, self.reads_mail, error, polls_max=self.polls_max)
        )  # fmt: skip
        if self.settings.metrics_port is not None:
            await self._measure_backlog(now)

    async def _measure_backlog(self, now: datetime) -> None:
        try:
            unsent = Outbox.filter(
                status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING), due_at__lte=now
            )
            due = await unsent.count()
            oldest = await unsent.order_by("due_at").limit(1).values("due_at")
        except (BaseORMException, OSError) as exc:
            log.warning(event_line("run.backlog_unavailable", error=repr(str(exc))))
            return
        oldest_at = oldest[0]["due_at"] if oldest else None
        age_s = (now - oldest_at).total_seconds() if oldest_at else None
        self.metrics.set_backlog(Backlog(due, oldest_at), age_s)
