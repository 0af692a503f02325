"""1. Dispatch throughput: due Telegram reminders end to end (claim from the database → render →
send through python-telegram-bot → record) against the loopback Bot API with no limits.

The fake Bot API runs in another process; the figures are this process's wall and CPU time
(all its threads). Pacing is switched off here (the fake enforces nothing): this measures what
the engine costs per message, i.e. how far below Telegram's ceiling it stays.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import (
    APPLIED,
    MINUS_7,
    TOKEN,
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
from engine.channels.pacing import Pacer
from engine.service.apply import apply_catalog
from engine.service.delivery import deliver, enqueue_due
from engine.workflow.catalog import load_catalog

FIRST_CHAT = 10_000_000
TARGET_PER_S = 1000


async def measure(backend: str) -> Result:
    result = await Result.begin("dispatch", backend)
    n = 60 if smoke() else 5000
    print(f"dispatch throughput, {backend}: {n:,} due Telegram reminders", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_workflow(Path(tmp) / "wf", n, telegram_base=FIRST_CHAT)
        catalog = load_catalog([folder])
        async with fresh_database(backend, Path(tmp)) as db_url:
            with Server("botapi", "--token", TOKEN, "--chats", f"{FIRST_CHAT}:{n}") as server:
                url = server.ready["url"]
                s = settings(db_url, telegram_token=TOKEN, telegram_api_url=url)
                async with App(s) as app:
                    assert app.telegram is not None
                    app.telegram.pacer = Pacer(per_second=1e9, chat_interval_s=0.0)  # no limits
                    await apply_catalog(catalog, APPLIED)
                    with Stopwatch() as queued:
                        added = await enqueue_due(MINUS_7, app.outlets.channels)
                    before = server.stats()
                    with Stopwatch() as sent, profiled(f"dispatch-{backend}"):
                        report = await deliver(app.outlets, app.renderer, app.secret, MINUS_7)
                    after = server.stats()
    if report.sent != n or after["sent"] != n or added != n:
        raise RuntimeError(f"expected {n} sent, got {report} / fake {after['sent']} / {added}")
    result.add("messages", n)
    result.add("throughput", n / sent.wall_s, "messages/s", at_least=TARGET_PER_S)
    result.add("CPU per message", sent.cpu_s / n * 1000, "ms")
    result.add("enqueue (due tasks → outbox rows)", added / queued.wall_s, "rows/s")
    server_cpu = after["cpu_s"] - before["cpu_s"]
    result.add("fake Bot API's CPU per message (other process)", server_cpu / n * 1000, "ms")
    result.add("engine CPU at Telegram's 30 messages/s", sent.cpu_s / n * 30 * 100, "% of one core")
    return result


def main() -> None:
    run_benchmark(measure)


if __name__ == "__main__":
    main()
