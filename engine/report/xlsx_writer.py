"""The report as a workbook (XlsxWriter): the clause table and the executors' table on two
sheets, real dates and numbers, a frozen header, widths that fit, values (no formulas)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from engine.report.model import Report
from engine.report.wording import STATUS_RU, evidence_text

CLAUSE_SHEET = "Ход выполнения"
DISCIPLINE_SHEET = "Исполнительская дисциплина"
CLAUSE_HEADER = (  # (title, width in characters)
    ("№ пункта", 9),
    ("Содержание", 60),
    ("Исполнитель", 28),
    ("Организация", 30),
    ("Состояние", 22),
    ("Срок", 12),
    ("Новый срок", 12),
    ("Выполнено", 12),
    ("Дней просрочки", 10),
    ("Сдано отчётов", 10),
    ("Отчётов за период", 10),
    ("Материалы", 22),
    ("Отчёт", 50),
    ("Предложение", 24),
)
DISCIPLINE_HEADER = (
    ("Исполнитель", 28),
    ("Организация", 30),
    ("Поручено", 10),
    ("Выполнено в срок", 12),
    ("Выполнено с опозданием", 14),
    ("Просрочено сейчас", 12),
)
Cell = str | int | date | None


def write_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    book.set_properties({"title": f"Ход выполнения постановления № {report.number}"})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "dd.mm.yyyy", "valign": "top"})
    rows: list[Sequence[Cell]] = []
    for clause in report.clauses:
        if not clause.marks:
            rows.append([clause.id, clause.text, *[None] * 11, clause.proposal])
        for mark in clause.marks:
            p = mark.periods
            rows.append([
                clause.id, clause.text, mark.person.name, mark.person.organisation,
                STATUS_RU[mark.status], mark.deadline, mark.extended_to, mark.done_on,
                mark.days_late, p.done if p else None, p.total if p else None,
                evidence_text(mark.evidence), " / ".join(mark.evidence.texts) or None,
                clause.proposal,
            ])  # fmt: skip
    _sheet(book.add_worksheet(CLAUSE_SHEET), CLAUSE_HEADER, rows, head, wrap, day)
    people = [
        [d.person.name, d.person.organisation, d.assigned, d.on_time, d.late, d.overdue]
        for d in report.discipline
    ]
    _sheet(book.add_worksheet(DISCIPLINE_SHEET), DISCIPLINE_HEADER, people, head, wrap, day)
    book.close()
    return buffer.getvalue()


def _sheet(
    sheet: Worksheet,
    header: Sequence[tuple[str, int]],
    rows: Sequence[Sequence[Cell]],
    head: object,
    wrap: object,
    day: object,
) -> None:
    for col, (title, width) in enumerate(header):
        sheet.set_column(col, col, width, wrap)
        sheet.write_string(0, col, title, head)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, col, value, day)
            elif isinstance(value, int):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, value[:32_000], wrap)  # Excel's cell limit: 32,767
