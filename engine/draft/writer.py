"""A ``Draft`` as a commented resolution YAML in the form of ``workflows/*.yaml``.

Every inferred value gets a comment with its source line («# строка 23: «…»»), every guess a
«# ПРОВЕРЬТЕ: …» comment. Unmatched owners and controller are written as «НЕ НАЙДЕН: …» strings,
which are not identifiers: ``resolute validate`` rejects them, naming the addressee, so nothing
starts until a person decides. Texts are whitespace-collapsed and otherwise verbatim.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from engine.draft.model import Draft, DraftClause, Line, Owner, Sourced, Timing

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/resolute.schema.json"
WIDTH = 96
QUOTE_CHARS = 72
CHECK = "ПРОВЕРЬТЕ"


def write_draft(draft: Draft, *, timezone: str = "Europe/Moscow") -> str:
    out = _Out(draft.decree.unit)
    h = draft.header
    out.raw(SCHEMA_LINE)
    out.raw(f"# Черновик постановления: `resolute draft` из {Path(draft.decree.path).name}.")
    out.raw("# У каждого выведенного значения — строка-источник; «ПРОВЕРЬТЕ:» — догадки,")
    out.raw("# которые нужно подтвердить или исправить. Затем: resolute validate <список> <файл>.")
    if h.project is not None:
        out.comment(0, out.source(h.project))
        out.comment(0, f"{CHECK}: документ помечен «ПРОЕКТ» — убедитесь, что это принятый текст")
    out.raw("")
    out.raw("resolution:")
    out.value(1, "id", _quote(draft.resolution_id), source=h.number or h.body)
    title = h.title or Sourced("", None, "заголовок («О …») не найден: впишите его")
    out.value(1, "title", _text(title.value or "УКАЖИТЕ ЗАГОЛОВОК", 2), source=title)
    number = h.number or Sourced("", None, "номер («№ …») не найден: впишите его")
    out.value(1, "number", _quote(number.value or "б/н"), source=number)
    if h.adopted is not None:
        out.value(1, "adopted", h.adopted.isoformat(), source=Sourced("", h.adopted_line))
    else:
        out.comment(1, f"{CHECK}: дата принятия не найдена: впишите её в виде 2023-10-05")
        out.raw('  adopted: "УКАЖИТЕ ДАТУ ПРИНЯТИЯ"')
    out.raw(f"  timezone: {timezone}")
    out.owner(1, "controller", draft.controller, draft.control_line)
    if h.body is not None:
        out.value(1, "body", _quote(h.body.value), source=h.body)
    out.raw("")
    out.raw("policy:")
    out.raw("  remind: [-7d, -1d, 0d]")
    out.raw('  remind_at: "09:00"')
    out.raw("  escalate:")
    out.raw("    - {after: 1d, to: controller}")
    out.raw('  digest_at: "09:30"')
    out.raw("  acceptance: controller")
    out.raw("")
    out.raw("clauses:")
    for clause in draft.clauses:
        _clause(out, clause)
    return "\n".join(out.lines) + "\n"


def _clause(out: _Out, item: DraftClause) -> None:
    c = item.clause
    out.raw("")
    out.comment(1, out.source(c.line))
    if c.check:
        out.comment(1, f"{CHECK}: {c.check}")
    out.raw(f"  - id: {_quote(c.id)}")
    out.raw(f"    text: {_text(c.text, 3)}")
    if item.owners:
        where = c.addressee.line if c.addressee is not None else None
        if where is not None and where != c.line:
            out.comment(2, out.source(where))
        if where is not None and where in out.explained:
            out.comment(2, f"исполнители — как в пункте {out.explained[where]}")
            out.raw("    owners: [" + ", ".join(_quote(o.id) for o in item.owners) + "]")
            _timing(out, item.timing, c.line)
            return
        if where is not None:
            out.explained[where] = c.id
        for owner in item.owners:
            if owner.note:
                out.comment(2, owner.note)
            if owner.check:
                out.comment(2, f"{CHECK}: {owner.check}")
        out.raw("    owners: [" + ", ".join(_quote(o.id) for o in item.owners) + "]")
    _timing(out, item.timing, c.line)


def _timing(out: _Out, t: Timing, clause_line: Line) -> None:
    if t.line is not None and t.line != clause_line:
        out.comment(2, out.source(t.line))
    if t.note:
        out.comment(2, t.note)
    if t.check:
        out.comment(2, f"{CHECK}: {t.check}")
    if t.informational:
        out.raw("    informational: true")
    elif t.every is not None:
        out.raw(f"    every: {_quote(t.every)}")
        if t.day is not None:
            out.raw(f"    day: {t.day}")
        if t.until is not None:
            out.raw(f"    until: {t.until.isoformat()}")
    elif t.deadline is not None:
        out.raw(f"    deadline: {t.deadline.isoformat()}")
    else:
        out.raw('    deadline: "УКАЖИТЕ СРОК"')


class _Out:
    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.lines: list[str] = []
        self.explained: dict[Line, str] = {}  # an addressee line → the clause that explains it

    def raw(self, text: str) -> None:
        self.lines.append(text)

    def comment(self, level: int, text: str) -> None:
        indent = "  " * level + "# "
        parts = textwrap.wrap(" ".join(text.split()), WIDTH - len(indent), break_long_words=False)
        self.lines.append(indent + parts[0])
        self.lines.extend(indent + "  " + part for part in parts[1:])

    def source(self, line: Line) -> str:
        return f"{self.unit} {line.number}: «{_shorten(line.text)}»"

    def value(self, level: int, key: str, rendered: str, *, source: Sourced | None) -> None:
        if source is not None and source.line is not None:
            self.comment(level, self.source(source.line))
        if source is not None and source.check:
            self.comment(level, f"{CHECK}: {source.check}")
        self.raw("  " * level + f"{key}: {rendered}")

    def owner(self, level: int, key: str, owner: Owner, line: Line | None) -> None:
        if line is not None:
            self.comment(level, self.source(line))
        if owner.note:
            self.comment(level, owner.note)
        if owner.check:
            self.comment(level, f"{CHECK}: {owner.check}")
        self.raw("  " * level + f"{key}: {_quote(owner.id)}")


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _text(text: str, level: int) -> str:
    """A folded block (``>-``) for long texts, wrapped at spaces; quoted when short."""
    text = " ".join(text.split())
    indent = "  " * level
    if len(text) + len(indent) < WIDTH - 10:
        return _quote(text)
    wrapped = textwrap.wrap(
        text, WIDTH - len(indent), break_long_words=False, break_on_hyphens=False
    )
    return ">-\n" + "\n".join(indent + part for part in wrapped)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def count_checks(text: str) -> int:
    """How many «ПРОВЕРЬТЕ» comments a written draft holds."""
    return sum(1 for line in text.splitlines() if line.lstrip().startswith(f"# {CHECK}:"))
