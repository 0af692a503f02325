"""The report as CSV, one row per task: UTF-8 with a BOM and «;» between fields, the way
Russian-locale Excel opens a file by double-click without asking."""

from __future__ import annotations

import csv
import io

from engine.render import dmy
from engine.report.model import Report
from engine.report.wording import STATUS_RU

HEADER = (
    "Пункт",
    "Исполнитель",
    "Код исполнителя",
    "Период",
    "Срок",
    "Новый срок",
    "Состояние",
    "Выполнено",
    "Дней просрочки",
    "Материалов",
)


def write_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in report.tasks:
        writer.writerow(
            (
                row.clause,
                row.owner.name,
                row.owner.id,
                "" if row.occurrence == "once" else row.occurrence,
                dmy(row.deadline),
                dmy(row.extended_to) if row.extended_to else "",
                STATUS_RU[row.status],
                dmy(row.done_on) if row.done_on else "",
                row.days_late,
                row.evidence.count,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
