"""The DOCX base document («бланк»): page, margins, fonts, header and footer, as Word keeps them.

The report is appended to the body of ``report/letterhead.docx``: the user's templates folder
first (RESOLUTE_TEMPLATES_DIR, else ./templates), the built-in one after, like the message
templates. An office replaces it with its own letterhead made in Word (logo, address, styles):
whatever its body already holds stays on top, the report follows.

``python -m engine.report.letterhead FILE`` writes the built-in one afresh (how the shipped file
was made).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from engine.render import builtin_templates

NAME = "report/letterhead.docx"
FONT = "Times New Roman"
TABLE_STYLE = "Текст таблицы"  # paragraph style of the tables' text: 12 pt


def find_letterhead(user_dir: Path | None) -> Path | None:
    """The letterhead to use: the user's, else the built-in; None if neither exists."""
    for folder in (user_dir, builtin_templates()):
        if folder is not None and (folder / NAME).is_file():
            return folder / NAME
    return None


def set_font(style: object, size_pt: float) -> None:
    """Times New Roman for Latin and Cyrillic alike (Word looks at w:rFonts/@w:cs and @w:hAnsi)."""
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def ensure_styles(document: DocxDocument) -> None:
    """The table text style, when a letterhead made in Word lacks it."""
    names = {s.name for s in document.styles}
    if TABLE_STYLE not in names:
        style = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        set_font(style, 12)
        style.paragraph_format.first_line_indent = Mm(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0


def make_letterhead(path: Path) -> None:
    """A4 portrait; margins 20/15/20/30 mm (ГОСТ Р 7.0.97-2016 asks at least 20/10/20/20);
    Times New Roman 14, single spacing; page numbers centred in the footer."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    normal = document.styles["Normal"]
    set_font(normal, 14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    for name, size in (("Heading 1", 14), ("Heading 2", 14), ("Title", 14)):
        style = document.styles[name]
        set_font(style, size)
        style.font.bold = True
        style.font.color.rgb = None
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
    ensure_styles(document)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    document.core_properties.title = "Информация о ходе выполнения постановления"
    document.core_properties.author = "resolute"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def _page_field(paragraph: object) -> None:
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


if __name__ == "__main__":
    make_letterhead(Path(sys.argv[1]) if len(sys.argv) > 1 else builtin_templates() / NAME)
