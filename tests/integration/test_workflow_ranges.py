"""The furthest values validation lets through are ones apply and tick can compute with: a
deadline on the last allowed date, the longest reminder and escalation, the largest chat id."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.bounds import CHAT_ID_MAX, DATE_MAX, DAYS_MAX
from engine.workflow.catalog import load_catalog
from storage.models import Outbox, Person, Task
from tests.helpers import at, settings

ROSTER = f"""\
people:
  - id: boss
    name: Начальник Н.Н.
    telegram: {CHAT_ID_MAX}
  - id: far
    name: Дальний Д.Д.
    telegram: {-CHAT_ID_MAX}
"""

RESOLUTION = f"""\
resolution:
  id: edge
  title: На пределе
  number: "1"
  adopted: {DATE_MAX - timedelta(days=DAYS_MAX)}
  controller: boss
policy:
  remind: [-{DAYS_MAX}, 0]
  escalate: [{{after: {DAYS_MAX}, every: {DAYS_MAX}, to: controller}}]
clauses:
  - id: A
    text: Сделать к последнему дню
    owners: [far]
    deadline: {DATE_MAX}
  - id: B
    text: Каждый квартал до конца
    owners: [far]
    every: quarterly
    until: {DATE_MAX}
"""


async def test_apply_and_tick_at_the_edges_of_every_range(db: str, tmp_path: Path) -> None:
    (tmp_path / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "edge.yaml").write_text(RESOLUTION, encoding="utf-8")
    catalog = load_catalog([tmp_path])
    adopted = catalog.resolutions[0].meta.adopted

    async with App(settings(db), channels=False) as app:
        await apply_catalog(catalog, at(f"{adopted}T10:00+03:00"))
        assert (await Person.get(id="boss")).telegram_chat_id == CHAT_ID_MAX
        for day in (adopted + timedelta(days=1), DATE_MAX, DATE_MAX + timedelta(days=DAYS_MAX)):
            report = await tick(app, at(f"{day}T12:00+03:00"))
            assert not [p for p in report.problems if "Внутренняя" in p]
        assert await Task.filter(clause_id="A").count() == 1
        assert await Outbox.all().count() > 0
