"""The report's Russian phrases, shared by every format: headings, marks, evidence, deadlines."""

from __future__ import annotations

from engine.render import dmy, plural, ru_date
from engine.report.facts import EvidenceFact
from engine.report.model import (
    CANCELLED,
    DONE,
    OPEN,
    OVERDUE,
    REPORTED,
    ClauseRow,
    Mark,
    Report,
    TaskRow,
    shorten,
)

REPORT_TEXT = 300  # characters of an owner's report text quoted in a table

STATUS_RU = {
    DONE: "выполнено",
    REPORTED: "на проверке у контролёра",
    OPEN: "в работе",
    OVERDUE: "просрочено",
    CANCELLED: "отменено",
}
# The adopting body's name in the genitive, for «постановления Президиума»: the usual ones.
_GENITIVE = {
    "президиум": "Президиума",
    "комитет": "Комитета",
    "пленум": "Пленума",
    "совет": "Совета",
    "съезд": "Съезда",
    "конференция": "Конференции",
    "правление": "Правления",
}
REPORT_TITLE = "Информация о ходе выполнения постановления"


def heading(report: Report) -> str:
    """«Информация о ходе выполнения постановления Президиума от 5 октября 2023 г. № 16-1 «…»»"""
    body = ""
    if report.body:
        first = report.body.split(maxsplit=1)[0].lower()
        body = f" {_GENITIVE[first]}" if first in _GENITIVE else ""
    return f"{REPORT_TITLE}{body} от {ru_date(report.adopted)} № {report.number} «{report.title}»"


def as_of_line(report: Report) -> str:
    return f"по состоянию на {ru_date(report.as_of)}"


def prepared_line(report: Report) -> str:
    who = report.prepared_by
    return (
        f"Подготовил(а): {who.position}, {who.name}"
        if who.position
        else (f"Подготовил(а): {who.name}")
    )


def evidence_text(evidence: EvidenceFact) -> str:
    """«3 фото, 1 файл, ссылка»; empty when nothing came."""
    parts = []
    if evidence.photos:
        parts.append(f"{evidence.photos} фото")
    if evidence.files:
        parts.append(f"{evidence.files} {plural(evidence.files, 'файл', 'файла', 'файлов')}")
    if evidence.links == 1:
        parts.append("ссылка")
    elif evidence.links:
        parts.append(f"{evidence.links} {plural(evidence.links, 'ссылка', 'ссылки', 'ссылок')}")
    return ", ".join(parts)


def days_text(days: int) -> str:
    return f"{days} {plural(days, 'день', 'дня', 'дней')}"


def deadline_text(clause: ClauseRow) -> str:
    """«20.10.2023», «20.10.2023 → 01.11.2023», «периодически, очередной срок 25.11.2023»."""
    if clause.informational:
        return "—"
    if clause.recurring:
        text = "периодически"
        if clause.next_deadline is not None:
            text += f", очередной срок {dmy(clause.next_deadline)}"
        if clause.until is not None:
            text += f", до {dmy(clause.until)}"
        return text
    if clause.deadline is None:
        return "—"
    if clause.extended_to is not None and clause.extended_to != clause.deadline:
        return f"{dmy(clause.deadline)} → {dmy(clause.extended_to)}"
    return dmy(clause.deadline)


def mark_text(mark: Mark, *, with_texts: bool = True) -> str:
    """One executor's «отметка об исполнении», one line."""
    parts: list[str] = []
    if mark.periods is not None:
        p = mark.periods
        reports = plural(p.total, "отчёта", "отчётов", "отчётов")
        parts.append(f"сдано {p.done} из {p.total} {reports} за период")
        if p.reported:
            parts.append(f"на проверке {p.reported}")
        if p.overdue:
            parts.append(f"просрочено {p.overdue}")
    else:
        parts.append(STATUS_RU[mark.status])
        if mark.done_on is not None:
            parts[-1] += f" {dmy(mark.done_on)}"
        if mark.days_late and mark.status == OVERDUE:
            parts[-1] += " на " + days_text(mark.days_late)
        elif mark.days_late:
            parts.append("с опозданием на " + days_text(mark.days_late))
    if mark.extended_to is not None and mark.extended_to != mark.deadline:
        parts.append(f"срок продлён: {dmy(mark.deadline)} → {dmy(mark.extended_to)}")
    if mark.pending_to is not None:
        parts.append(f"просит продлить до {dmy(mark.pending_to)}")
    evidence = evidence_text(mark.evidence)
    if evidence:
        parts.append(evidence)
    if with_texts and mark.evidence.texts:
        parts.append("«" + shorten(" / ".join(mark.evidence.texts), REPORT_TEXT) + "»")
    return "; ".join(parts)


def executor_line(mark: Mark) -> str:
    return f"{mark.person.name} — {mark_text(mark)}"


def task_state_text(row: TaskRow) -> str:
    return STATUS_RU[row.status]


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{share:.1f} %".replace(".", ",")
