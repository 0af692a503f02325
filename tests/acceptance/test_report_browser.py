"""The HTML report in a real headless browser (Chromium from the distribution's packages): it
prints to PDF on A4, and a screenshot shows the chart's bars and the table. Fails if the chart or
the table goes missing from the page. Skipped where Chromium is absent, except under CI=true."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from matplotlib import image

from engine.report import chart
from engine.report.facts import ClauseFact, EvidenceFact, Facts, PersonFact, TaskFact
from engine.report.html_writer import write_html
from engine.report.model import build_report
from storage.models import TaskState

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
)  # fmt: skip


@pytest.fixture
def browser() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is missing (CI=true: .ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def sample_html() -> str:
    people = {
        "a": PersonFact("a", "Иванов И.И.", "Председатель"),
        "b": PersonFact("b", "Петрова П.П."),
        "c": PersonFact("c", "Контролёва К.К.", "Заведующий отделом"),
    }
    moment = datetime(2023, 10, 19, 7, tzinfo=UTC)
    tasks = tuple(
        TaskFact(n, clause, owner, "once", date(2023, 10, 20), None, state, reported, None)
        for n, (clause, owner, state, reported) in enumerate(
            [
                ("II.4", "a", TaskState.DONE, moment),
                ("II.4", "b", TaskState.OPEN, None),
                ("II.5", "a", TaskState.REPORTED, moment),
                ("II.5", "b", TaskState.OPEN, None),
            ]
        )
    )
    facts = Facts(
        "r", "О мерах по улучшению", "16-1", date(2023, 10, 5), "Europe/Moscow",
        "Президиум организации", people["c"],
        (ClauseFact("I", "Принять к сведению.", informational=True),
         ClauseFact("II.4", "Разработать рекомендации. " * 20), ClauseFact("II.5", "Мониторинг.")),
        people, tasks, {0: EvidenceFact(2, 1, 1, ("Сделано",))},
    )  # fmt: skip
    return write_html(build_report(facts, datetime(2023, 10, 25, 9, tzinfo=UTC)))


def run(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    result = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=50, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_html_report_prints_on_a4_and_shows_chart_and_table(browser: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(sample_html(), encoding="utf-8")
    url = page.as_uri()

    pdf = tmp_path / "report.pdf"
    run(browser, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes, "a PDF with pages"
    for width, height in boxes:  # A4 is 595 x 842 points
        assert (round(float(width)), round(float(height))) == (595, 842)

    dom = run(browser, tmp_path, "--dump-dom", url).stdout
    assert dom.count('<tr data-clause="') == 3
    assert re.search(r'<figure id="chart"><svg', dom)
    assert "Иванов И.И." in dom

    shot = tmp_path / "shot.png"
    run(browser, tmp_path, "--window-size=900,1270", f"--screenshot={shot}", url)
    pixels = (image.imread(shot)[..., :3] * 255).round().astype(int)

    def share_of(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        close = (abs(pixels - rgb).max(axis=-1) <= 12).mean()
        return float(close)

    colours = {legend: c for _, legend, c in chart.SERIES}
    assert share_of(colours["выполнено"]) > 0.002, "the chart's 'done' bars are on screen"
    assert share_of(colours["просрочено"]) > 0.002, "the chart's 'overdue' bars are on screen"
    # The table's ruling: many near-black pixels in long horizontal runs below the chart.
    dark = (pixels.max(axis=-1) < 60).sum(axis=1)
    assert (dark > 500).sum() >= 4, "the table's borders are drawn"
