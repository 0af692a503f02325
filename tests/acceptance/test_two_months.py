"""The founding resolution through two months of daily ticks, against ``simulate``.

Nobody confirms anything, which is what ``simulate`` assumes; so the messages the ticks actually
sent must be exactly the timeline ``resolute simulate`` prints, and the controller's digests must
come on the days the binding timing rules give, with nothing on the days in between.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox
from tests.conftest import REPO
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import app_for, at, settings

WORKFLOWS = REPO / "workflows"
CATALOG = load_catalog([WORKFLOWS])
SMAGINA = CATALOG.people["smagina"].telegram
FIRST, LAST = "2023-10-05", "2023-12-05"


async def run_two_months(db_url: str, api: FakeBotAPI) -> list[tuple[str, ...]]:
    async with app_for(settings(db_url, api.url)) as app:
        await apply_catalog(CATALOG, at(f"{FIRST}T18:00+03:00"))
        day = datetime.fromisoformat(f"{FIRST}T00:00+03:00")
        while day <= datetime.fromisoformat(f"{LAST}T00:00+03:00"):
            for hours, minutes in ((9, 0), (9, 30), (15, 0)):
                await tick(app, day + timedelta(hours=hours, minutes=minutes))
            day += timedelta(days=1)
        rows = await Outbox.all().select_related("task")
        return [
            (
                row.due_at.isoformat(),
                row.channel,
                row.person_id,
                row.kind,
                row.task.clause_id if row.task else "",
                row.task.occurrence if row.task else "",
            )
            for row in rows
        ]


async def test_two_months_of_ticks_match_simulate_and_digest_days(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeBotAPI() as api:
        for person in CATALOG.people.values():
            if person.telegram is not None:
                api.add_chat(person.telegram)
        actual = await run_two_months(db_url, api)

    digests = [m.plain_text for m in api.messages_to(SMAGINA) if "Сводка" in m.plain_text]
    assert [d.splitlines()[0] for d in digests] == [
        "Сводка по исполнению постановлений на 21 октября 2023 г.",  # II.4 due 20 Oct, after 1d
        "Сводка по исполнению постановлений на 26 октября 2023 г.",  # III.3, October
        "Сводка по исполнению постановлений на 26 ноября 2023 г.",  # III.3, November
    ]
    oct_21, oct_26, nov_26 = digests
    newly = oct_21.split("Просрочено впервые")[1]
    committee = [CATALOG.people[p].name for p in CATALOG.groups["committee"].members]
    assert all(name in newly for name in committee)
    assert "II.4" in newly
    assert "III.3" not in oct_21
    assert "III.3" in oct_26.split("Просрочено впервые")[1].split("По-прежнему")[0]
    assert "II.4" in oct_26.split("По-прежнему просрочено")[1]
    assert "просрочено на 6 дней" in oct_26
    still = nov_26.split("По-прежнему просрочено")[1]
    assert "II.4" in still
    assert "срок 25.10.2023, просрочено на 32 дня" in still
    assert "Нет связи с исполнителями" in nov_26

    env = {**os.environ, "RESOLUTE_DB_URL": f"sqlite://{tmp_path / 'unused.sqlite3'}"}
    result = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).with_name("resolute")), "simulate", str(WORKFLOWS),
         "--until", LAST, "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    planned = [
        (p["at"], p["channel"], p["recipient"], p["kind"], p["clause"], p["occurrence"])
        for p in json.loads(result.stdout)
        if p["at"] >= datetime.fromisoformat(f"{FIRST}T18:00+03:00").isoformat()
    ]
    assert Counter(planned) == Counter(actual)
    # II.4: 4 committee members x 4 reminders; III.3: 9 chairs x 2 reminders, in October and
    # in November; 3 digests.
    assert len(actual) == 4 * 4 + 9 * 2 * 2 + 3
    assert not (tmp_path / "unused.sqlite3").exists()  # simulate writes no database
