"""The operative part: from «ПОСТАНОВИЛИ:» (ПОСТАНОВЛЯЕТ, ПОСТАНОВИЛ, РЕШИЛИ…) to the end.

* Numbering: Roman sections «II.», Arabic «2.», «2.1.», and «1)» / «а)» items. The draft keeps the
  decree's own numbers: «1.» under «II.» is II.1, «1)» under «II.» is II.1, «1)» under «3.» is 3.1,
  «2.1.» is 2.1 (II.2.1 inside a Roman section).
* An item whose text ends with a colon («Комитету Межрегиональной организации:») is an addressee
  heading, not a clause: its phrase (after «Поручить», «Рекомендовать»…) owns the items under it;
  an unnumbered line ending with a colon does the same for the items after it. A clause that
  starts with its own dative phrase before the verb («Комитету разработать…»), or that names
  «Ответственный: …», has its own addressee.
* A line of its own starting with «Срок», «/срок», «до …», «ежемесячно»… right after a clause is
  that clause's deadline line. Other unnumbered lines continue the clause above.
* «Контроль за (ис)полнением … возложить на …» names the controller and is not a clause.
* Unnumbered clauses (no item is numbered) get ids 1, 2, … in order, marked for review.
* A signature («Председатель … Е.А. Корнилова») or «Приложение» ends the operative part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.draft.addressees import is_addressee_start, is_infinitive
from engine.draft.model import Clause, DecreeError, Line, Operative, Sourced

MARKER = re.compile(
    r"(?:^|\s)(ПОСТАНОВИЛИ|ПОСТАНОВЛЯЕТ|ПОСТАНОВИЛ|ПОСТАНОВЛЯЮ|РЕШИЛИ|РЕШИЛ|РЕШАЕТ|ПРИКАЗЫВАЮ)"
    r"\s*:|^\s*(?:постановили|постановляет|постановил|решили|решил|решает)\s*:",
    re.IGNORECASE,
)
_ROMAN = re.compile(r"^\s*(?P<num>[IVXLХІ]{1,7})\s*[.)]\s*(?P<rest>.*)$")
_DOTTED = re.compile(
    r"^\s*(?P<num>\d{1,3}(?:\.\d{1,3})*)\.(?=\s|$|[А-ЯЁA-Z«\"(])\s*(?P<rest>.*)$"
    r"|^\s*(?P<num2>\d{1,3}(?:\.\d{1,3})+)\s+(?P<rest2>.*)$"
)
_PAREN = re.compile(r"^\s*(?P<num>\d{1,3}|[а-яё])\)\s*(?P<rest>.*)$")
_DEADLINE_LINE = re.compile(
    r"^\s*[/(«\"-]?\s*(?:срок[а-я]*\b|до\s+\d|до\s+конца|не\s+позднее|в\s+течение|"
    r"ежемесячно|ежеквартально|ежегодно|еженедельно|ежедневно|постоянно)",
    re.IGNORECASE,
)
_RESPONSIBLE = re.compile(r"\bответственн[а-я]*\s*(?:за\s+исполнение\s*)?[:–—-]\s*(?P<who>[^);]+)",
                          re.IGNORECASE)  # fmt: skip
_CONTROL = re.compile(r"контроль\s+(?:за|над)\s+(?:ис|вы)?полнени", re.IGNORECASE)
_CONTROLLER = re.compile(
    r"(?:возложить|возлагается|возложен[а-я]*)\s+на\s+(?P<who>.+?)\s*$", re.IGNORECASE
)
_INSTRUCTION = re.compile(
    r"^\s*(?:поручить|рекомендовать|предложить|обязать|просить|предписать)\s+", re.IGNORECASE
)
_SIGNATURE = re.compile(
    r"^\s*(?:Председатель|Председательствующий|Секретарь|Руководитель|Директор|Глава|Ректор|"
    r"Заместитель)\b[^.]*?\s(?:[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+|[А-ЯЁ][а-яё]+\s+[А-ЯЁ]\.\s?"
    r"[А-ЯЁ]\.)\s*$|^\s*(?:Приложени[ея](?:\s|$|:|№)|М\.\s?П\.)"
)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_TRANSLIT = dict(zip("абвгдежзиклмнопрстуфхцчшэюя", "abvgdejziklmnoprstufhcxwqyz", strict=True))
_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
MAX_INLINE_ADDRESSEE_WORDS = 12


@dataclass
class _Node:
    id: str
    text: str
    line: Line
    kind: str  # roman | dotted | paren | plain
    parent: _Node | None
    lines: list[Line] = field(default_factory=list)
    deadline_line: Line | None = None
    addressee: Sourced | None = None  # from a heading (for children) or the clause itself
    heading: bool = False
    control: bool = False
    children: int = 0


def find_marker(lines: tuple[Line, ...], path: str) -> int:
    """Index of the line with «ПОСТАНОВИЛИ:»; DecreeError when there is none."""
    for i, line in enumerate(lines):
        if MARKER.search(line.text):
            return i
    raise DecreeError(
        f"{path}:1: не найдена постановляющая часть: нет строки «ПОСТАНОВИЛИ:», «ПОСТАНОВЛЯЕТ:» "
        "или «ПОСТАНОВИЛ:» — это не постановление или его текст неполон"
    )


def read_operative(lines: tuple[Line, ...], marker: int, path: str) -> Operative:
    marker_line = lines[marker]
    after = MARKER.split(marker_line.text, maxsplit=1)[-1].strip()
    body = list(lines[marker + 1 :])
    if after:
        body.insert(0, Line(marker_line.number, after))
    nodes = _nodes(body)
    control = next((n for n in nodes if n.control), None)
    clauses = tuple(_clauses(nodes))
    if not clauses:
        raise DecreeError(
            f"{path}:{marker_line.number}: после «{MARKER.search(marker_line.text)[0].strip()}» "  # type: ignore[index]
            "нет ни одного пункта"
        )
    controller = None
    if control is not None:
        text = " ".join([control.text, *(line.text for line in control.lines)])
        m = _CONTROLLER.search(" ".join(text.split()))
        controller = Sourced(m["who"] if m else text, control.line)
    return Operative(marker_line, clauses, controller)


def _nodes(body: list[Line]) -> list[_Node]:
    nodes: list[_Node] = []
    section: _Node | None = None
    item: _Node | None = None
    floating: Sourced | None = None  # an unnumbered «Кому:» heading
    current: _Node | None = None
    plain_count = 0
    for line in body:
        text = line.text.strip()
        if not text:
            continue
        if _SIGNATURE.match(text):
            break
        numbered = _numbered(text)
        if numbered is None:
            if current is not None and _DEADLINE_LINE.match(text) and current.deadline_line is None:
                current.deadline_line = line
                continue
            if _CONTROL.search(text):
                current = _Node("control", text, line, "plain", None, control=True)
                nodes.append(current)
                continue
            if current is not None and (m := _RESPONSIBLE.search(text)) and len(text) < 200:
                current.addressee = Sourced(m["who"].strip(" .,"), line)
                continue
            if text.endswith(":") and len(text) < 300:
                floating = _heading_addressee(text, line)
                current = None
                continue
            if current is not None and not current.control and current.kind != "plain":
                current.lines.append(line)
                continue
            if current is not None and current.control:
                current.lines.append(line)
                continue
            plain_count += 1
            current = _Node(str(plain_count), text, line, "plain", None)
            current.addressee = _inline_addressee(text, line)
            if floating is not None and current.addressee is None:
                current.addressee = floating
            nodes.append(current)
            continue
        kind, number, rest = numbered
        parent: _Node | None
        if kind == "roman":
            ident, parent = number, None
        elif kind == "dotted":
            inside = section.id + "." if section is not None else ""
            ident, parent = inside + number, section
            if "." in number:
                top = inside + number.rsplit(".", 1)[0]
                parent = next((n for n in reversed(nodes) if n.id == top), section)
        else:
            parent = item or section
            ident = f"{parent.id}.{number}" if parent is not None else number
        node = _Node(ident, rest, line, kind, parent)
        if kind == "roman":
            section, item, floating = node, None, None
        elif kind == "dotted":
            item = node
        if parent is not None:
            parent.children += 1
        if _CONTROL.search(rest):
            node.control = True
        elif rest.endswith(":"):
            node.heading = True
            node.addressee = _heading_addressee(rest, line)
        else:
            node.addressee = _inline_addressee(rest, line)
            if (m := _RESPONSIBLE.search(rest)) is not None:
                node.addressee = Sourced(m["who"].strip(" .,"), line)
            if node.addressee is None and floating is not None and parent is None:
                node.addressee = floating
        nodes.append(node)
        current = node
    return nodes


def _clauses(nodes: list[_Node]) -> list[Clause]:
    seen: dict[str, int] = {}
    numbered = any(n.kind != "plain" for n in nodes)
    result: list[Clause] = []
    for node in nodes:
        if node.control or node.heading:
            continue
        if node.children and not _has_verb(node.text):
            continue  # a section title («II. Организационные вопросы») over its items
        text = " ".join(" ".join([node.text, *(line.text for line in node.lines)]).split())
        if not text:
            continue
        check = None
        ident = _safe_id(node.id)
        if node.kind == "plain" and numbered:
            check = "пункт без номера: номер присвоен по порядку"
        elif node.kind == "plain":
            check = "в постановлении нет нумерации: номер присвоен по порядку"
        if ident in seen:
            seen[ident] += 1
            ident = f"{ident}-{seen[ident]}"
            check = "номер пункта повторяется: к нему добавлен суффикс"
        seen.setdefault(ident, 1)
        result.append(
            Clause(
                id=ident,
                text=text,
                line=node.line,
                addressee=_inherited(node),
                deadline_line=node.deadline_line,
                extra_lines=tuple(node.lines),
                check=check,
            )
        )
    return result


def _inherited(node: _Node) -> Sourced | None:
    current: _Node | None = node
    while current is not None:
        if current.addressee is not None:
            return current.addressee
        current = current.parent
    return None


def _numbered(text: str) -> tuple[str, str, str] | None:
    if (m := _ROMAN.match(text)) and (roman := _roman(m["num"])) is not None:
        return "roman", roman, m["rest"].strip()
    if m := _DOTTED.match(text):
        number = m["num"] or m["num2"]
        return "dotted", number, (m["rest"] if m["num"] else m["rest2"]).strip()
    if m := _PAREN.match(text):
        number = m["num"]
        if not number.isdigit():
            number = _TRANSLIT.get(number.casefold().replace("ё", "е"), "x")
        return "paren", number, m["rest"].strip()
    return None


def _roman(raw: str) -> str | None:
    """The Roman numeral in Latin letters (Cyrillic Х and І accepted), or None if not one."""
    text = raw.replace("Х", "X").replace("І", "I")
    values = [_ROMAN_VALUES[c] for c in text]
    total = sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))
    if not 0 < total < 90 or _to_roman(total) != text:
        return None
    return text


def _to_roman(value: int) -> str:
    out = ""
    for amount, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"),
                            (1, "I")):  # fmt: skip
        while value >= amount:
            out, value = out + letters, value - amount
    return out


def _heading_addressee(text: str, line: Line) -> Sourced | None:
    phrase = _INSTRUCTION.sub("", text.rstrip(":").strip()).strip()
    words = _WORD.findall(phrase)
    if not words or not is_addressee_start(words[0]):
        return None
    return Sourced(phrase, line)


def _inline_addressee(text: str, line: Line) -> Sourced | None:
    """«Комитету Межрегиональной организации разработать…»: the words before the verb."""
    phrase = _INSTRUCTION.sub("", text)
    words = list(_WORD.finditer(phrase))
    if not words or not is_addressee_start(words[0][0]):
        return None
    for count, word in enumerate(words[: MAX_INLINE_ADDRESSEE_WORDS + 1]):
        if is_infinitive(word[0]):
            return Sourced(phrase[: word.start()].strip(" ,"), line) if count else None
    return None


def _has_verb(text: str) -> bool:
    return any(is_infinitive(w) for w in _WORD.findall(text)[: MAX_INLINE_ADDRESSEE_WORDS + 4])


def _safe_id(ident: str) -> str:
    """A clause id the schema accepts (Latin letters, digits, dots)."""
    ident = re.sub(r"[^A-Za-z0-9._-]", "", ident).strip(".")
    return ident or "1"
