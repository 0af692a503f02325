"""2. Rate-limit compliance: a wave of reminders to many chats against a Bot API that answers 429
past 30 messages a second per bot or one a second per chat (over sliding one-second windows, as
Telegram does). The engine paces itself (29/s, 1.1 s per chat): it must get close to the
ceiling and never be refused.
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
    run_benchmark,
    settings,
    smoke,
    write_workflow,
)
from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.delivery import deliver, enqueue_due
from engine.workflow.catalog import load_catalog

FIRST_CHAT = 20_000_000
CEILING_PER_S = 30
TARGET_PER_S = 0.95 * CEILING_PER_S


async def measure(backend: str) -> Result:
    result = await Result.begin("ratelimit", backend)
    chats, per_chat = (20, 3) if smoke() else (1000, 3)
    n = chats * per_chat
    print(
        f"rate-limit compliance, {backend}: {n:,} messages to {chats:,} chats, "
        f"the fake enforcing {CEILING_PER_S}/s per bot and 1/s per chat",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_workflow(Path(tmp) / "wf", chats, clauses=per_chat, telegram_base=FIRST_CHAT)
        catalog = load_catalog([folder])
        async with fresh_database(backend, Path(tmp)) as db_url:
            with Server(
                "botapi", "--token", TOKEN, "--chats", f"{FIRST_CHAT}:{chats}", "--limits", "30,1"
            ) as server:
                s = settings(db_url, telegram_token=TOKEN, telegram_api_url=server.ready["url"])
                async with App(s) as app:
                    await apply_catalog(catalog, APPLIED)
                    await enqueue_due(MINUS_7, app.outlets.channels)
                    with Stopwatch() as sent:
                        report = await deliver(app.outlets, app.renderer, app.secret, MINUS_7)
                stats = server.stats()
    result.add("messages", n)
    result.add("sent in one pass", report.sent)
    result.add("429 answers", stats["too_many_requests"], at_most=0)
    # The rate the Bot API saw: from its first acceptance to its last.
    span_s = (stats["last_at"] - stats["first_at"]) if stats["sent"] > 1 else 0.0
    seen = (stats["sent"] - 1) / span_s if span_s else 0.0
    if smoke():
        result.add("achieved rate at the Bot API", seen, "messages/s")
    else:
        result.add("achieved rate at the Bot API", seen, "messages/s", at_least=TARGET_PER_S)
    result.add("achieved rate, whole pass (claims included)", report.sent / sent.wall_s, "msg/s")
    result.add("busiest one-second window", stats["busiest_second"], "messages", at_most=30)
    if stats["closest_in_chat_s"] is not None:
        result.add("closest two messages to one chat", stats["closest_in_chat_s"], "s", at_least=1)
    result.add("CPU per message", sent.cpu_s / max(report.sent, 1) * 1000, "ms")
    if smoke():
        result.note("smoke size: too few messages for the rate to settle; no target applies")
    return result


def main() -> None:
    run_benchmark(measure)


if __name__ == "__main__":
    main()
