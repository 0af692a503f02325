"""The report as a Word document, appended to the organisation's letterhead (python-docx)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from docx.table import Table

from engine.errors import ConfigError
from engine.report import chart
from engine.report.letterhead import TABLE_STYLE, ensure_styles, find_letterhead
from engine.report.model import ClauseRow, Report, shorten
from engine.report.wording import (
    as_of_line,
    deadline_text,
    heading,
    mark_text,
    prepared_line,
    share_text,
)

CLAUSE_COLUMNS = (  # (title, width in mm): 165 mm between the letterhead's margins
    ("№ пункта", 14),
    ("Содержание", 44),
    ("Исполнитель(и)", 30),
    ("Срок", 22),
    ("Отметка об исполнении", 35),
    ("Предложение", 20),
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
DISCIPLINE_COLUMNS = (
    ("Исполнитель", 65),
    ("Поручено", 25),
    ("Выполнено в срок", 25),
    ("Выполнено с опозданием", 25),
    ("Просрочено сейчас", 25),
)


def write_docx(report: Report, templates_dir: Path | None = None) -> bytes:
    letterhead = find_letterhead(templates_dir)
    try:
        document = Document(str(letterhead)) if letterhead is not None else Document()
    except Exception as exc:  # a damaged or non-Word file in the templates folder
        raise ConfigError(
            f"Бланк {letterhead}: не удалось открыть как документ Word ({exc})."
        ) from None
    ensure_styles(document)
    _heading(document, report)
    _summary(document, report)
    document.add_picture(io.BytesIO(chart.png(report.clauses)), width=Mm(160))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _clauses(document, report.clauses)
    _discipline(document, report)
    _appendix(document, report.clauses)
    document.add_paragraph()
    document.add_paragraph(prepared_line(report))
    document.core_properties.title = shorten(heading(report), 250)  # Word's limit: 255
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _centered(document: DocxDocument, text: str, *, bold: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(text).bold = bold


def _heading(document: DocxDocument, report: Report) -> None:
    if report.body:
        _centered(document, report.body, bold=True)
        document.add_paragraph()
    _centered(document, heading(report), bold=True)
    _centered(document, as_of_line(report))
    document.add_paragraph()


def _summary(document: DocxDocument, report: Report) -> None:
    s = report.summary
    lines = (
        f"Всего задач: {s.total}; выполнено: {s.done}; на проверке у контролёра: {s.reported}; "
        f"в работе: {s.open}; просрочено на дату справки: {s.overdue}; отменено: {s.cancelled}.",
        f"Коэффициент исполнения: {share_text(s.share_done)} "
        "(выполнено ÷ все задачи, кроме отменённых).",
        f"Выполнено в срок: {s.on_time}; с опозданием: {s.late}. "
        f"Предоставлено отсрочек: {s.extensions_granted}.",
    )
    for line in lines:
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.first_line_indent = Mm(12.5)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _table(document: DocxDocument, columns: Sequence[tuple[str, int]]) -> Table:
    table: Table = document.add_table(rows=1, cols=len(columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    header = table.rows[0]
    _repeat_header(header._tr)
    for column, (_, width) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)
    for cell, (title, width) in zip(header.cells, columns, strict=True):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.style = document.styles[TABLE_STYLE]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(title).bold = True
    return table


def _row(
    document: DocxDocument,
    table: Table,
    columns: Sequence[tuple[str, int]],
    values: Sequence[Sequence[str]],
) -> None:
    """One row; each value a list of lines. Written as XML: python-docx's cell API looks the
    style up and scans the cell on every call, which for a thousand executors took minutes."""
    style_id = document.styles[TABLE_STYLE].style_id
    cells = []
    for (_, width_mm), lines in zip(columns, values, strict=True):
        text = "<w:br/>".join(
            f'<w:t xml:space="preserve">{escape(_XML_INVALID.sub("", line))}</w:t>'
            for line in lines
        )
        cells.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{Mm(width_mm).twips}" w:type="dxa"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{escape(style_id)}"/></w:pPr><w:r>{text}</w:r></w:p>'
            "</w:tc>"
        )
    table._tbl.append(parse_xml(f"<w:tr {nsdecls('w')}>{''.join(cells)}</w:tr>"))


def _clauses(document: DocxDocument, clauses: Sequence[ClauseRow]) -> None:
    document.add_paragraph()
    _centered(document, "Ход выполнения по пунктам постановления", bold=True)
    table = _table(document, CLAUSE_COLUMNS)
    for clause in clauses:
        numbered = len(clause.marks) > 1
        names = [f"{i}) {m.person.name}" if numbered else m.person.name
                 for i, m in enumerate(clause.marks, 1)]  # fmt: skip
        marks = [f"{i}) {mark_text(m)}" if numbered else mark_text(m)
                 for i, m in enumerate(clause.marks, 1)]  # fmt: skip
        text = clause.short_text + (" (полный текст — в приложении)" if clause.shortened else "")
        _row(
            document,
            table,
            CLAUSE_COLUMNS,
            (
                [clause.id],
                [text],
                names or ["—"],
                [deadline_text(clause)],
                marks or ["—"],
                [clause.proposal],
            ),
        )


def _discipline(document: DocxDocument, report: Report) -> None:
    document.add_paragraph()
    _centered(document, "Исполнительская дисциплина", bold=True)
    table = _table(document, DISCIPLINE_COLUMNS)
    for d in report.discipline:
        name = d.person.name + (f", {d.person.organisation}" if d.person.organisation else "")
        _row(
            document,
            table,
            DISCIPLINE_COLUMNS,
            ([name], [str(d.assigned)], [str(d.on_time)], [str(d.late)], [str(d.overdue)]),
        )


def _appendix(document: DocxDocument, clauses: Sequence[ClauseRow]) -> None:
    long = [c for c in clauses if c.shortened]
    if not long:
        return
    document.add_paragraph()
    _centered(document, "Приложение. Полные тексты пунктов", bold=True)
    for clause in long:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.add_run(f"{clause.id}. ").bold = True
        paragraph.add_run(clause.text)


def _borders(table: Table) -> None:
    """Single lines around every cell, without relying on the letterhead's table styles."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)


def _repeat_header(tr: object) -> None:
    """The header row repeats on every page the table runs over."""
    properties = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)
