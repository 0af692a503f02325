"""3. E-mail: reminders end to end (claim → render the HTML and text parts and the .ics → send
through aiosmtplib → record) to a loopback aiosmtpd in another process, over the app's pool of
reused connections.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import (
    APPLIED,
    MINUS_7,
    Result,
    Server,
    Stopwatch,
    fresh_database,
    profiled,
    run_benchmark,
    settings,
    smoke,
    write_workflow,
)
from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.delivery import deliver, enqueue_due
from engine.workflow.catalog import load_catalog

TARGET_PER_S = 250


async def measure(backend: str) -> Result:
    result = await Result.begin("email", backend)
    n = 40 if smoke() else 2000
    print(f"e-mail, {backend}: {n:,} reminders through aiosmtplib to aiosmtpd", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_workflow(Path(tmp) / "wf", n, telegram_base=None, email=True)
        catalog = load_catalog([folder])
        async with fresh_database(backend, Path(tmp)) as db_url:
            with Server("smtp") as server:
                s = settings(
                    db_url,
                    smtp_host=server.ready["host"],
                    smtp_port=server.ready["port"],
                    smtp_security="none",
                    smtp_from="Контроль исполнения <robot@example.org>",
                    smtp_timeout_s=10.0,
                )
                async with App(s) as app:
                    await apply_catalog(catalog, APPLIED)
                    await enqueue_due(MINUS_7, app.outlets.channels)
                    before = server.stats()
                    with Stopwatch() as sent, profiled(f"email-{backend}"):
                        report = await deliver(app.outlets, app.renderer, app.secret, MINUS_7)
                    after = server.stats()
                pool = s.smtp_pool_size
    if report.sent != n or after["received"] != n:
        raise RuntimeError(f"expected {n} sent, got {report} / server {after['received']}")
    result.add("messages", n)
    result.add("throughput", n / sent.wall_s, "messages/s", at_least=TARGET_PER_S)
    result.add("CPU per message", sent.cpu_s / n * 1000, "ms")
    result.add("connections (reused)", pool)
    server_cpu = after["cpu_s"] - before["cpu_s"]
    result.add("aiosmtpd's CPU per message (other process)", server_cpu / n * 1000, "ms")
    return result


def main() -> None:
    run_benchmark(measure)


if __name__ == "__main__":
    main()
