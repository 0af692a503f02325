"""Long work reports its progress (issue 13, point 11): ``apply`` step by step, ``simulate``
day by day; the bar shows at a terminal only."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from rich.console import Console

from engine.progress import terminal_progress
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.simulate import simulate
from engine.workflow.catalog import load_catalog
from tests.helpers import APPLIED, at, write_workflow


async def test_apply_reports_each_step_up_to_the_total(db: str, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    catalog = load_catalog([write_workflow(tmp_path)])
    await apply_catalog(catalog, at(APPLIED), progress=lambda d, t: calls.append((d, t)))
    # 4 people, 1 group, 1 resolution, 3 tasks
    assert calls[-1] == (9, 9)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


async def test_simulate_reports_the_days_it_has_simulated(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    catalog = load_catalog([write_workflow(tmp_path)])
    await simulate(
        catalog, date(2023, 11, 5), Renderer(), progress=lambda d, t: calls.append((d, t))
    )
    assert calls[-1] == (32, 32)  # 5 October to the end of 5 November
    assert len(calls) > 3


def test_the_bar_shows_at_a_terminal_and_nowhere_else() -> None:
    for terminal in (True, False):
        screen = io.StringIO()
        console = Console(file=screen, force_terminal=terminal, width=80)
        with terminal_progress(console, "Загрузка в базу") as report:
            for n in range(1, 4):
                report(n, 3)
        assert ("Загрузка в базу" in screen.getvalue()) is terminal
