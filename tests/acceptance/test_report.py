"""``resolute report`` on the founding resolution at three moments of its two months, read back
with independent readers (python-docx, openpyxl, the csv module) and checked against
``status --json`` of the same moment.

Moments: 18 October (before II.4's deadline: one report accepted, one awaiting acceptance, one
extension asked for), 27 October (after it: the extension granted, one member overdue, the first
III.3 reports in, one of them late), 5 December (the end: II.4 done by everyone).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.shared import Pt
from typer.testing import CliRunner

from engine.app import App
from engine.callbacks import Action
from engine.cli import cli
from engine.service import control
from engine.service.apply import apply_catalog
from engine.service.confirm import Piece, attach, owner_says_done
from engine.service.tick import tick
from engine.texts import builtin_texts
from engine.workflow.catalog import load_catalog
from storage.models import Extension, Task
from tests.conftest import REPO
from tests.helpers import at, settings

WORKFLOW = "presidium-2023-16-1"
TEXTS = builtin_texts()
CATALOG = load_catalog([REPO / "workflows"])
NAMES = {p.id: p.name for p in CATALOG.people.values()}
MOMENTS = ("2023-10-18T12:00+03:00", "2023-10-27T12:00+03:00", "2023-12-05T12:00+03:00")
STATE_RU = {
    "done": "выполнено",
    "reported": "на проверке у контролёра",
    "open": "в работе",
    "cancelled": "отменено",
}


async def _task(clause: str, owner: str, occurrence: str = "once") -> Task:
    return await Task.get(
        resolution_id=WORKFLOW, clause_id=clause, owner_id=owner, occurrence=occurrence
    )


async def _report_done(clause: str, owner: str, when: str, occurrence: str = "once") -> None:
    task = await _task(clause, owner, occurrence)
    await owner_says_done(task, at(when), texts=TEXTS, via="telegram")


async def _accept(clause: str, owner: str, when: str, occurrence: str = "once") -> None:
    task = await _task(clause, owner, occurrence)
    outcome = await control.decide_report(Action.ACCEPT, task, task.reports, at(when), texts=TEXTS)
    assert outcome.changed


async def _step(db_url: str, moment: int) -> None:
    """What happened up to MOMENTS[moment], with a tick at each day something happened."""
    async with App(settings(db_url)) as app:  # no channels configured: messages wait

        async def tick_at(when: str) -> None:
            await tick(app, at(when))

        if moment == 0:
            await apply_catalog(CATALOG, at("2023-10-05T18:00+03:00"))
            await tick_at("2023-10-13T09:00+03:00")
            kornilova = await _task("II.4", "kornilova")
            await attach(
                kornilova, "kornilova",
                [Piece("Рекомендации разосланы в организации."),
                 Piece(None, None, "image/jpeg", 1000, reference="p1"),
                 Piece(None, None, "image/jpeg", 1000, reference="p2"),
                 Piece("https://vk.com/wall-1_2", content_type="text/uri-list"),
                 Piece(None, "recommendations.pdf", "application/pdf", 5000, reference="f1")],
                at("2023-10-16T10:00+03:00"), TEXTS, source="telegram",
            )  # fmt: skip
            await _report_done("II.4", "kornilova", "2023-10-16T10:05+03:00")
            await _accept("II.4", "kornilova", "2023-10-17T11:00+03:00")
            await _report_done("II.4", "belousov", "2023-10-18T09:30+03:00")
            tikhonova = await _task("II.4", "tikhonova")
            await control.request_extension(
                tikhonova, date(2023, 11, 1), "Ждём данные от организаций",
                at("2023-10-17T15:00+03:00"), texts=TEXTS,
            )  # fmt: skip
        elif moment == 1:
            request = await Extension.get(task__owner_id="tikhonova")
            task = await _task("II.4", "tikhonova")
            assert (
                await control.decide_extension(
                    Action.APPROVE, request, task, at("2023-10-19T10:00+03:00"), texts=TEXTS
                )
            ).changed
            await _accept("II.4", "belousov", "2023-10-21T10:00+03:00")
            await tick_at("2023-10-22T09:00+03:00")  # III.3's October occurrence exists by now
            await _report_done("III.3", "orlova", "2023-10-24T12:00+03:00", "2023-10-25")
            await _accept("III.3", "orlova", "2023-10-24T15:00+03:00", "2023-10-25")
            await _report_done("III.3", "gromov", "2023-10-26T12:00+03:00", "2023-10-25")
            await _accept("III.3", "gromov", "2023-10-26T15:00+03:00", "2023-10-25")
        else:
            await _report_done("II.4", "smagina", "2023-10-30T12:00+03:00")
            await _accept("II.4", "smagina", "2023-10-30T13:00+03:00")
            await _report_done("II.4", "tikhonova", "2023-10-31T12:00+03:00")
            await _accept("II.4", "tikhonova", "2023-11-01T10:00+03:00")
        await tick_at(MOMENTS[moment])


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def statuses(now: str) -> list[dict[str, object]]:
    rows = json.loads(invoke("status", "--workflow", WORKFLOW, "--json", "--now", now))
    assert rows
    return rows


def report(fmt: str, now: str, folder: Path) -> Path:
    out = folder / f"report.{fmt}"
    printed = invoke("report", WORKFLOW, "--format", fmt, "-o", str(out), "--now", now)
    assert str(out) in printed
    return out


def shown_state(row: dict[str, object]) -> str:
    return "просрочено" if row["overdue"] else STATE_RU[str(row["state"])]


def check_csv(path: Path, rows: list[dict[str, object]]) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, for Russian-locale Excel"
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == len(rows)
    by_key = {(r["Пункт"], r["Код исполнителя"], r["Период"] or "once"): r for r in table}
    for row in rows:
        line = by_key[str(row["clause"]), str(row["owner"]), str(row["occurrence"])]
        assert line["Исполнитель"] == NAMES[str(row["owner"])]
        deadline = line["Новый срок"] or line["Срок"]
        assert "-".join(reversed(deadline.split("."))) == row["deadline"]
        assert line["Состояние"] == shown_state(row)
        if row["overdue"]:
            assert int(line["Дней просрочки"]) == row["days_late"]
    return table


def check_xlsx(path: Path, rows: list[dict[str, object]]) -> dict[tuple[str, str], tuple]:
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Ход выполнения", "Исполнительская дисциплина"]
    sheet, people = book["Ход выполнения"], book["Исполнительская дисциплина"]
    assert sheet.freeze_panes == "A2"
    assert people.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > 40  # the clause text has room
    header = [c.value for c in sheet[1]]
    lines = {
        (r[0], r[2]): dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    once = [r for r in rows if r["occurrence"] == "once"]
    for row in once:
        line = lines[str(row["clause"]), NAMES[str(row["owner"])]]
        assert line["Состояние"] == shown_state(row)
        deadline = line["Новый срок"] or line["Срок"]
        assert isinstance(deadline, datetime), "a real date, not a string"
        assert deadline.date().isoformat() == row["deadline"]
        assert isinstance(line["Дней просрочки"], int)
        assert line["Дней просрочки"] == (
            row["days_late"] if row["overdue"] else line["Дней просрочки"]
        )
    assert ("I", None) in lines
    assert lines["I", None]["Предложение"] == "принято к сведению"
    expected = Counter(str(r["owner"]) for r in rows if r["state"] != "cancelled")
    overdue = Counter(str(r["owner"]) for r in rows if r["overdue"])
    dis_header = [c.value for c in people[1]]
    seen = {}
    for values in people.iter_rows(min_row=2, values_only=True):
        line = dict(zip(dis_header, values, strict=True))
        seen[line["Исполнитель"]] = line
    assert len(seen) == len(expected)
    for owner, count in expected.items():
        line = seen[NAMES[owner]]
        assert line["Поручено"] == count
        assert line["Просрочено сейчас"] == overdue[owner]
    return lines


def check_docx(path: Path, rows: list[dict[str, object]], now: str) -> docx.document.Document:
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    normal = document.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(14))
    assert document.styles["Текст таблицы"].font.size == Pt(12)
    assert round(section.left_margin.mm) == 30
    text = "\n".join(p.text for p in document.paragraphs)
    assert (
        "Информация о ходе выполнения постановления Президиума от 5 октября 2023 г. № 16-1 "
        "«О выполнении Концепции информационной политики" in text
    )
    day = datetime.fromisoformat(now).date()
    assert f"по состоянию на {day.day} " in text
    assert "Подготовил(а): Заведующий организационно-информационным отделом, Смагина Ю.В." in text
    total = len(rows)
    done = sum(r["state"] == "done" for r in rows)
    overdue = sum(bool(r["overdue"]) for r in rows)
    assert f"Всего задач: {total}; выполнено: {done};" in text
    assert f"просрочено на дату справки: {overdue};" in text
    share = f"{100 * done / total:.1f}".replace(".", ",")
    assert f"Коэффициент исполнения: {share} %" in text
    assert len(document.inline_shapes) == 1, "the chart"
    clauses, people = document.tables
    assert next(c.text for c in clauses.rows[0].cells) == "№ пункта"
    ids = [r.cells[0].text for r in clauses.rows[1:]]
    assert ids == ["I", "II.1", "II.2", "II.3", "II.4", "II.5", "III.1", "III.2", "III.3", "III.4"]
    for row in clauses.rows[1:]:
        cells = [c.text for c in row.cells]
        if cells[0] in ("I", "III.4"):
            assert cells[5] == "принято к сведению"
            assert cells[2] == "—"
    assert len(people.rows) - 1 == len({r["owner"] for r in rows})
    return document


def clause_cells(document: docx.document.Document, clause: str) -> list[str]:
    row = next(r for r in document.tables[0].rows[1:] if r.cells[0].text == clause)
    return [c.text for c in row.cells]


@pytest.mark.timeout(180)
def test_report_at_three_moments_matches_status(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESOLUTE_DB_URL", db_url)
    for name in ("RESOLUTE_TELEGRAM_TOKEN", "RESOLUTE_SMTP_HOST", "RESOLUTE_IMAP_HOST"):
        monkeypatch.delenv(name, raising=False)
    seen: dict[int, docx.document.Document] = {}
    for moment, now in enumerate(MOMENTS):
        asyncio.run(_step(db_url, moment))
        rows = statuses(now)
        folder = tmp_path / str(moment)
        folder.mkdir()
        check_csv(report("csv", now, folder), rows)
        lines = check_xlsx(report("xlsx", now, folder), rows)
        seen[moment] = document = check_docx(report("docx", now, folder), rows, now)
        html = report("html", now, folder).read_text(encoding="utf-8")
        assert "<svg" in html
        assert 'id="clauses"' in html
        assert not re.search(
            r"""(src|href)\s*=\s*["']?(https?:|//)|@import|url\(\s*["']?http""", html
        )
        ii_4 = clause_cells(document, "II.4")
        if moment == 0:
            assert ii_4[3] == "20.10.2023"
            assert (
                "выполнено 16.10.2023; 2 фото, 1 файл, ссылка; «Рекомендации разосланы" in ii_4[4]
            )
            assert "на проверке у контролёра 18.10.2023" in ii_4[4]
            assert "просит продлить до 01.11.2023" in ii_4[4]
            assert ii_4[5] == "продлить срок до 01.11.2023"
            assert lines["II.4", NAMES["kornilova"]]["Материалы"] == "2 фото, 1 файл, ссылка"
        elif moment == 1:
            assert "срок продлён: 20.10.2023 → 01.11.2023" in ii_4[4]
            assert "просрочено на 7 дней" in ii_4[4]  # smagina: due 20 October, now the 27th
            assert ii_4[5] == "продлить срок до 01.11.2023"
            iii_3 = clause_cells(document, "III.3")
            assert "сдано 1 из 1 отчёта за период" in iii_3[4]
            assert iii_3[5] == "оставить на контроле"
            assert lines["III.3", NAMES["gromov"]]["Сдано отчётов"] == 1
        else:
            assert ii_4[5] == "снять с контроля"
            assert "с опозданием на 10 дней" in ii_4[4]  # smagina reported on 30 October
            text = "\n".join(p.text for p in document.paragraphs)
            assert "Выполнено в срок:" in text
            assert "Предоставлено отсрочек: 1." in text
