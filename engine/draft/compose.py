"""A decree file → a ``Draft``: read, split header and operative part, time and match each
clause. Pure apart from reading the file; the roster comes in as an argument."""

from __future__ import annotations

import re
from pathlib import Path

from engine.draft.addressees import UNMATCHED, Roster
from engine.draft.clauses import find_marker, read_operative
from engine.draft.deadlines import read_timing
from engine.draft.header import BODIES, read_header
from engine.draft.model import Decree, Draft, DraftClause, Header, Owner
from engine.draft.reading import read_decree

_TRANSLIT = dict(
    zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
        "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
        "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
        strict=True)
)  # fmt: skip


def draft_file(path: Path, roster: Roster) -> Draft:
    """Draft the resolution in ``path``; DecreeError when it holds no recognisable decree."""
    return draft_decree(read_decree(path), roster)


def draft_decree(decree: Decree, roster: Roster) -> Draft:
    marker = find_marker(decree.lines, decree.path)
    header = read_header(decree.lines[:marker])
    operative = read_operative(decree.lines, marker, decree.path)
    adopted = header.adopted
    clauses = []
    for clause in operative.clauses:
        timing = read_timing(clause.text, clause.deadline_line, clause.line, adopted)
        if timing.informational:
            owners: tuple[Owner, ...] = ()
            if clause.addressee is not None and not roster.empty:
                owners = tuple(o for o in roster.match(clause.addressee.value) if o.matched)
        elif clause.addressee is None:
            owners = (
                Owner(
                    UNMATCHED + "исполнитель не указан",
                    False,
                    check="в постановлении не сказано, кому адресован пункт: укажите исполнителя",
                ),
            )
        else:
            owners = roster.match(clause.addressee.value)
        clauses.append(DraftClause(clause, owners, timing))
    if operative.control is None:
        controller = Owner(
            UNMATCHED + "контролёр не указан",
            False,
            check="в постановлении нет строки «Контроль … возложить на …»: укажите контролёра",
        )
    else:
        controller = roster.person(operative.control.value)
    notes: tuple[str, ...] = ()
    if roster.empty:
        notes = ("Список людей и групп не задан (--roster): исполнители не сопоставлены.",)
    return Draft(
        decree=decree,
        header=header,
        resolution_id=resolution_id(header),
        controller=controller,
        control_line=None if operative.control is None else operative.control.line,
        clauses=tuple(clauses),
        notes=notes,
    )


def resolution_id(header: Header) -> str:
    """«presidium-2023-16-1»: the body in English, the year, the number."""
    body = BODIES.get(header.body.value.casefold(), "") if header.body else ""
    parts = [body or "resolution"]
    if header.adopted is not None:
        parts.append(str(header.adopted.year))
    if header.number is not None:
        parts.append(_slug(header.number.value))
    elif header.adopted is not None:
        parts.append(header.adopted.strftime("%m-%d"))
    ident = "-".join(p for p in parts if p)
    return re.sub(r"-{2,}", "-", ident)[:64].strip("-")


def _slug(text: str) -> str:
    text = "".join(_TRANSLIT.get(c, c) for c in text.casefold())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
