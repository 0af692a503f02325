"""The decree's header, the lines before «ПОСТАНОВИЛИ:»: the adopting body, the adoption date,
the number and the title.

* Body: the first line that starts with a body's name (ПРЕЗИДИУМ, ПЛЕНУМ, ПРАВЛЕНИЕ, …), in any
  case («ПОСТАНОВЛЕНИЕ ПРЕЗИДИУМА» gives «Президиум»).
* Date: the first calendar date in the header, in any usual form («от 05 октября 2023 года»,
  «"27" сентября 2024 года», «14.03.2024»).
* Number: «№ 16-1» (the first one).
* Title: from the first line starting with «О»/«Об»/«Обо» up to the line that ends with a full
  stop, the preamble («Заслушав…», «В соответствии…») or the operative part — layout spaces and
  blank lines in between are ignored, as Word's line-broken titles need.
* A line «ПРОЕКТ»: the text may be a draft, not the adopted decree (marked for review).
"""

from __future__ import annotations

import re
from datetime import date

from engine.dates_ru import find_dates
from engine.draft.model import Header, Line, Sourced

BODIES = {
    "президиум": "presidium", "пленум": "plenum", "правление": "board", "совет": "council",
    "комитет": "committee", "конференция": "conference", "съезд": "congress",
    "собрание": "meeting", "бюро": "bureau", "коллегия": "collegium",
}  # fmt: skip
_BODY_FORMS = {  # the genitive after «ПОСТАНОВЛЕНИЕ»
    "президиума": "президиум", "пленума": "пленум", "правления": "правление",
    "совета": "совет", "комитета": "комитет", "конференции": "конференция",
    "съезда": "съезд", "собрания": "собрание", "коллегии": "коллегия",
}  # fmt: skip
_NUMBER = re.compile(r"№\s*([0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё./-]*)")
_TITLE_START = re.compile(r"^\s*(?:О|Об|Обо)\s+\S")
_PREAMBLE = re.compile(
    r"^\s*(?:Заслушав|Рассмотрев|Обсудив|В соответствии|В целях|В связи|Руководствуясь|"
    r"На основании|Во исполнение|Президиум|Пленум|Комитет\s+[а-я]+ет)",
    re.IGNORECASE,
)
_PROJECT = re.compile(r"^\s*П\s*Р\s*О\s*Е\s*К\s*Т\s*$", re.IGNORECASE)
MAX_TITLE_LINES = 8


def read_header(lines: tuple[Line, ...]) -> Header:
    body = _body(lines)
    adopted, adopted_line = _adopted(lines)
    number = _number(lines)
    project = next((line for line in lines if _PROJECT.match(line.text)), None)
    return Header(body, adopted, adopted_line, number, _title(lines), project)


def _body(lines: tuple[Line, ...]) -> Sourced | None:
    for line in lines:
        words = re.findall(r"[А-Яа-яЁё]+", line.text)
        if not words or len(words) > 6:
            continue
        first = [w.casefold() for w in words[:2]]
        if first[0] == "постановление" and len(first) > 1:
            first = first[1:]
        name = _BODY_FORMS.get(first[0], first[0])
        if name in BODIES:
            return Sourced(name.capitalize(), line)
    return None


def _adopted(lines: tuple[Line, ...]) -> tuple[date | None, Line | None]:
    for line in lines:
        for mention in find_dates(line.text):
            if mention.year is not None and 1900 <= mention.year <= 2200:
                return mention.on(mention.year), line
    return None, None


def _number(lines: tuple[Line, ...]) -> Sourced | None:
    for line in lines:
        if m := _NUMBER.search(line.text):
            return Sourced(m[1].rstrip("./-"), line)
    return None


def _title(lines: tuple[Line, ...]) -> Sourced | None:
    for i, line in enumerate(lines):
        if not _TITLE_START.match(line.text):
            continue
        parts: list[str] = []
        for other in lines[i : i + MAX_TITLE_LINES]:
            text = other.text.strip()
            if other is not line and (_PREAMBLE.match(text) or _NUMBER.search(text)):
                break
            if text:
                parts.append(text)
            if text.endswith("."):
                break
        title = " ".join(" ".join(parts).split()).rstrip(".").strip()
        if title:
            return Sourced(title, line)
    return None
