"""Word files for the draft tests, built in code with real numbering.xml definitions."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

W = nsdecls("w")


def _level(ilvl: int, fmt: str, text: str, start: int = 1) -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
    )


def numbered_docx(items: list[tuple[int | None, str]], levels: list[tuple[str, str]]) -> bytes:
    """A .docx whose paragraphs (ilvl, text) are numbered by Word (ilvl None: not in the list);
    ``levels`` are (numFmt, lvlText) of one multilevel list, e.g. ("upperRoman", "%1.")."""
    document = Document()
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
        + "".join(_level(i, fmt, text) for i, (fmt, text) in enumerate(levels))
        + "</w:abstractNum>"
    )
    num = parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)  # abstractNum elements come before num elements
    else:
        numbering.append(abstract)
    numbering.append(num)
    for ilvl, text in items:
        paragraph = document.add_paragraph(text)
        if ilvl is not None:
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(
                parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>')
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def plain_docx(lines: list[str]) -> bytes:
    """A .docx with one paragraph per line, numbers typed in the text."""
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
