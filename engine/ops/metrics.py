"""Prometheus metrics and ``/healthz`` for ``resolute run`` (``RESOLUTE_METRICS_PORT``).

prometheus-client keeps the numbers and writes the exposition format; aiohttp (already the
Telegram transport) serves them from the service's own event loop, on loopback unless
``RESOLUTE_METRICS_HOST`` says otherwise. One ``Metrics`` per service, with a registry of its
own: nothing global, so tests and several services in one process do not share counters.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from engine.ops.health import Backlog

PASS_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages = Counter(
            "resolute_messages", "Delivery outcomes by channel and message kind "
            "(sent, failed, retrying, throttled, undeliverable, skipped).",
            ["channel", "kind", "outcome"], registry=r,
        )  # fmt: skip
        self.throttled = Counter(
            "resolute_telegram_throttled", "Telegram 429 answers (retry_after).", registry=r
        )
        self.inbound = Counter(
            "resolute_inbound_updates", "New inbound updates handled.", ["channel"], registry=r
        )
        self.pass_seconds = Histogram(
            "resolute_pass_duration_seconds", "Duration of one service pass.",
            buckets=PASS_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.pass_errors = Counter("resolute_pass_errors", "Passes that failed.", registry=r)
        self.last_pass = Gauge(
            "resolute_last_pass_timestamp_seconds", "When the last pass ended (Unix time).",
            registry=r,
        )  # fmt: skip
        self.backlog = Gauge(
            "resolute_outbox_backlog", "Messages due and not sent yet.", registry=r
        )
        self.backlog_oldest = Gauge(
            "resolute_outbox_backlog_oldest_seconds", "Age of the oldest message due.",
            registry=r,
        )  # fmt: skip

    def count_delivery(self, outcomes: Mapping[tuple[str, str, str], int]) -> None:
        for (channel, kind, outcome), n in outcomes.items():
            self.messages.labels(channel, kind, outcome).inc(n)
            if outcome == "throttled" and channel == "telegram":
                self.throttled.inc(n)

    def set_backlog(self, backlog: Backlog, age_s: float | None) -> None:
        self.backlog.set(backlog.due)
        self.backlog_oldest.set(age_s or 0.0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class Liveness:
    """What ``/healthz`` answers from: the service's own view of its passes (monotonic)."""

    stale_after_s: float
    last_pass_monotonic: float | None = None
    last_error: str | None = None

    def passed(self, error: str | None) -> None:
        self.last_pass_monotonic = time.monotonic()
        self.last_error = error

    def status(self) -> tuple[int, dict[str, object]]:
        if self.last_pass_monotonic is None:
            return 503, {"status": "starting"}
        age_s = time.monotonic() - self.last_pass_monotonic
        body: dict[str, object] = {"last_pass_age_s": round(age_s, 1)}
        if self.last_error is not None:
            body["last_error"] = self.last_error
        if age_s > self.stale_after_s:
            return 503, {"status": "stale", **body}
        return 200, {"status": "ok", **body}


class MetricsServer:
    """``GET /metrics`` and ``GET /healthz``; ``async with`` binds and unbinds the port."""

    def __init__(self, metrics: Metrics, liveness: Liveness, host: str, port: int) -> None:
        self.metrics = metrics
        self.liveness = liveness
        self.host = host
        self.port = port
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)

    async def __aenter__(self) -> MetricsServer:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _healthz(self, request: web.Request) -> web.Response:
        status, body = self.liveness.status()
        return web.Response(
            status=status, text=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
        )  # fmt: skip
