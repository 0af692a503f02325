"""One controller's digest of N overdue items (owners unreachable): messages sent and time.

    python -m bench.digest_size [N]

SQLite in a temporary folder, the loopback Bot API of the tests, the Pacer on a fake clock (so
the figure is the engine's own time; Telegram's one message a second per chat adds
``parts × 1.1 s`` on a real bot, which the script prints too).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from engine.app import App
from engine.channels.pacing import Pacer
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import at, settings


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _workflow(folder: Path, n: int) -> Path:
    people = "\n".join(f"  - {{id: p{i}, name: Исполнитель {i:05d} И.И.}}" for i in range(n))
    (folder / "roster.yaml").write_text(
        f"people:\n{people}\n  - {{id: control, name: Контролёва К.К., telegram: 999}}\n"
        f"groups:\n  - {{id: all, members: [{', '.join(f'p{i}' for i in range(n))}]}}\n",
        encoding="utf-8",
    )
    (folder / "r.yaml").write_text(
        'resolution: {id: r-1, title: О мерах, number: "1-1", adopted: 2023-10-05,'
        " controller: control}\nclauses:\n  - {id: A.1, text: Представить отчёт., owners: [all],"
        " deadline: 2023-10-20}\n",
        encoding="utf-8",
    )
    return folder


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _workflow(Path(tmp), n)
        async with FakeBotAPI() as api:
            api.add_chat(999)
            async with App(settings(f"sqlite://{tmp}/db.sqlite3", api.url)) as app:
                assert app.telegram is not None
                clock = _FakeClock()
                app.telegram.pacer = Pacer(clock=clock, sleep=clock.sleep)
                await apply_catalog(load_catalog([folder]), at("2023-10-06T10:00+03:00"))
                await tick(app, at("2023-10-21T08:00+03:00"))  # reminders: nobody reachable
                started = time.perf_counter()
                report = await tick(app, at("2023-10-21T09:30+03:00"))
                elapsed = time.perf_counter() - started
                parts = await Outbox.filter(kind="digest").count()
            chars = sum(len(m.plain_text) for m in api.messages_to(999))
    print(
        f"items={n} digest_messages={parts} sent={report.delivery.sent} chars={chars} "
        f"tick_s={elapsed:.2f} telegram_pacing_s={parts * 1.1:.0f} problems={report.problems}"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
