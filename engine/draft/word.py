"""A Word ``.docx`` as paragraph texts, with the numbers Word's automatic numbering shows.

python-docx drops list numbers from ``paragraph.text``: they live in the paragraph's (or its
style's) ``w:numPr`` — ``w:numId`` and ``w:ilvl`` — and in ``numbering.xml``: ``w:num`` points to
a ``w:abstractNum`` (and may override a level's start), whose ``w:lvl`` gives ``w:start``,
``w:numFmt``, ``w:lvlText`` (``%1.%2.``) and ``w:lvlRestart``. Counters belong to the abstract
list, so a list continues across the ordinary paragraphs between its items, and a ``w:num`` with
a ``w:startOverride`` restarts it. Tables are read row by row (a row as one line: headers often
put the date and the number in two cells of one row).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.oxml.ns import qn

_MAX_LEVELS = 9
_TYPED_NUMBER = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.|\d{1,3}\)|[IVXLC]{1,7}\.)\s")
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip
_RUSSIAN = "абвгдежзиклмнопрстуфхцчшщэюя"  # Word's russianLower skips ё, й, ъ, ы, ь


@dataclass(frozen=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # restart after this (1-based) level; 0: never
    legal: bool = False  # w:isLgl: every number of the label in decimal


@dataclass
class Numbering:
    """numbering.xml, read once: the levels of each abstract list, and each num's overrides."""

    abstract_of: dict[str, str]  # numId → abstractNumId
    levels: dict[str, dict[int, Level]]  # abstractNumId → ilvl → Level
    overrides: dict[str, dict[int, int]]  # numId → ilvl → start override
    counters: dict[str, list[int | None]]
    started: set[tuple[str, int]]  # (numId, ilvl) whose override has been applied

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the list at this level and return the label Word shows, or None."""
        abstract = self.abstract_of.get(num_id)
        if abstract is None or abstract not in self.levels:
            return None
        levels = self.levels[abstract]
        ilvl = max(0, min(ilvl, _MAX_LEVELS - 1))
        level = levels.get(ilvl, Level())
        counters = self.counters.setdefault(abstract, [None] * _MAX_LEVELS)
        override = self.overrides.get(num_id, {}).get(ilvl)
        if override is not None and (num_id, ilvl) not in self.started:
            self.started.add((num_id, ilvl))
            counters[ilvl] = override
        else:
            current = counters[ilvl]
            counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, _MAX_LEVELS):
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart != 0 and ilvl < restart):
                counters[deeper] = None
        if level.fmt in ("bullet", "none"):
            return None
        label = level.text
        for n in range(_MAX_LEVELS, 0, -1):  # %10 does not exist; %1 after %9 is safe
            if f"%{n}" in label:
                shown = levels.get(n - 1, Level())
                value = counters[n - 1]
                value = shown.start if value is None else value
                fmt = "decimal" if level.legal else shown.fmt
                label = label.replace(f"%{n}", _format(value, fmt))
        return label.strip() or None


def docx_paragraphs(data: bytes) -> list[str]:
    """Every body paragraph's text, prefixed with its automatic number; a table row per line."""
    document = Document(io.BytesIO(data))
    numbering = _read_numbering(document)
    styles = _style_numbering(document)
    texts: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            texts.append(_paragraph_text(child, numbering, styles))
        elif child.tag == qn("w:tbl"):
            for row in child.iter(qn("w:tr")):
                cells = [
                    " ".join(_paragraph_text(p, numbering, styles) for p in tc.iter(qn("w:p")))
                    for tc in row.iter(qn("w:tc"))
                ]
                texts.append("   ".join(c.strip() for c in cells if c.strip()))
    return texts


def _paragraph_text(p: Any, numbering: Numbering, styles: dict[str, tuple[str, int]]) -> str:
    parts: list[str] = []
    for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        parts.append((node.text or "") if node.tag == qn("w:t") else " ")
    text = "".join(parts)
    num_id, ilvl = _num_pr(p, styles)
    if num_id is None or num_id == "0":
        return text
    label = numbering.label(num_id, ilvl)
    if label and _TYPED_NUMBER.match(text):
        return text  # the number is typed as well: keep the decree's own
    return f"{label} {text}" if label else text


def _num_pr(p: Any, styles: dict[str, tuple[str, int]]) -> tuple[str | None, int]:
    ppr = p.find(qn("w:pPr"))
    style_id = None
    if ppr is not None:
        num_pr = ppr.find(qn("w:numPr"))
        style = ppr.find(qn("w:pStyle"))
        style_id = style.get(qn("w:val")) if style is not None else None
        if num_pr is not None:
            num = num_pr.find(qn("w:numId"))
            lvl = num_pr.find(qn("w:ilvl"))
            inherited = styles.get(style_id or "", (None, 0))
            num_id = num.get(qn("w:val")) if num is not None else inherited[0]
            ilvl = _int(lvl.get(qn("w:val")) if lvl is not None else None, inherited[1])
            return num_id, ilvl
    if style_id is not None and style_id in styles:
        return styles[style_id]
    return None, 0


def _style_numbering(document: Any) -> dict[str, tuple[str, int]]:
    """styleId → (numId, ilvl) for paragraph styles that number, following ``w:basedOn``."""
    own: dict[str, tuple[str | None, int | None]] = {}
    based: dict[str, str] = {}
    root = document.styles.element
    for style in root.iter(qn("w:style")):
        sid = style.get(qn("w:styleId"))
        if sid is None:
            continue
        base = style.find(qn("w:basedOn"))
        if base is not None and base.get(qn("w:val")):
            based[sid] = base.get(qn("w:val"))
        num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is not None:
            num = num_pr.find(qn("w:numId"))
            lvl = num_pr.find(qn("w:ilvl"))
            own[sid] = (
                num.get(qn("w:val")) if num is not None else None,
                _int(lvl.get(qn("w:val")), 0) if lvl is not None else None,
            )
    result: dict[str, tuple[str, int]] = {}
    for sid in set(own) | set(based):
        num_id: str | None = None
        ilvl: int | None = None
        seen: set[str] = set()
        current: str | None = sid
        while current is not None and current not in seen:
            seen.add(current)
            n, lv = own.get(current, (None, None))
            num_id = num_id if num_id is not None else n
            ilvl = ilvl if ilvl is not None else lv
            current = based.get(current)
        if num_id is not None:
            result[sid] = (num_id, ilvl or 0)
    return result


def _read_numbering(document: Any) -> Numbering:
    numbering = Numbering({}, {}, {}, {}, set())
    try:
        root = document.part.numbering_part.element
    except (NotImplementedError, KeyError, AttributeError):
        return numbering  # no numbering.xml: nothing is numbered automatically
    links: dict[str, str] = {}  # abstractNumId → numStyleLink (the levels live elsewhere)
    for abstract in root.iter(qn("w:abstractNum")):
        aid = abstract.get(qn("w:abstractNumId"))
        link = abstract.find(qn("w:numStyleLink"))
        if link is not None and link.get(qn("w:val")):
            links[aid] = link.get(qn("w:val"))
        levels: dict[int, Level] = {}
        for lvl in abstract.iter(qn("w:lvl")):
            levels[_int(lvl.get(qn("w:ilvl")), 0)] = _level(lvl)
        numbering.levels[aid] = levels
    for num in root.iter(qn("w:num")):
        nid = num.get(qn("w:numId"))
        abstract_ref = num.find(qn("w:abstractNumId"))
        if nid is None or abstract_ref is None:
            continue
        numbering.abstract_of[nid] = abstract_ref.get(qn("w:val"))
        for override in num.iter(qn("w:lvlOverride")):
            start = override.find(qn("w:startOverride"))
            if start is not None:
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                numbering.overrides.setdefault(nid, {})[ilvl] = _int(start.get(qn("w:val")), 1)
    if links:
        styles = _style_numbering(document)
        for aid, style in links.items():
            target = numbering.abstract_of.get(styles.get(style, ("", 0))[0])
            if target is not None:
                numbering.levels[aid] = numbering.levels.get(target, {})
    return numbering


def _level(lvl: Any) -> Level:
    def val(tag: str) -> str | None:
        node = lvl.find(qn(tag))
        return None if node is None else node.get(qn("w:val"))

    restart = val("w:lvlRestart")
    legal = lvl.find(qn("w:isLgl"))
    return Level(
        start=_int(val("w:start"), 1),
        fmt=val("w:numFmt") or "decimal",
        text=val("w:lvlText") or "",
        restart=None if restart is None else _int(restart, 0),
        legal=legal is not None and legal.get(qn("w:val"), "true") not in ("0", "false"),
    )


def _format(value: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman") and 0 < value < 4000:
        roman = ""
        for amount, letters in _ROMAN:
            while value >= amount:
                roman, value = roman + letters, value - amount
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter") and value > 0:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("russianLower", "russianUpper") and value > 0:
        letter = _RUSSIAN[(value - 1) % len(_RUSSIAN)] * ((value - 1) // len(_RUSSIAN) + 1)
        return letter.upper() if fmt == "russianUpper" else letter
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
