"""A new deadline as a Russian official types it in Telegram: «до 15 ноября», «через две недели».

Hand-written on purpose. ``dateparser`` 1.5 was measured against the forms below: it imports fast
(~0.06 s, ~0.08 s more on the first parse), but it is not predictable enough to decide a deadline.
It read «15.11» and «10.10» as *today*, accepted «00.13.2023» (as today) and a bare «1», and gave
up on «до 15 ноября», «к 15 ноября 2023», «15-го ноября», «до пятницы», every «конец …» form and
any date with words around it («Прошу до 15.11.2023»). Wrapping it would have meant
pre-processing nearly every form anyway.

How a text is read:

* Every form found anywhere in the text counts; words and punctuation around it are ignored. If
  the forms found name different dates («с 10.11 до 15.11»), or one of them names no real date
  («31.02.2024», «через 1.5 месяца», «в следующую пятницу»), the answer is None: the bot asks
  again rather than guess.
* A date written with a year is returned as is, even in the past; without a year it is the
  next such date, unless it passed less than ``RECENT_DAYS`` ago: then it is that past date
  (None if there is none: «29.02» in 2025 is a typo). So «до 10 февраля» typed on 19 February
  is 10 February of this year, which the caller refuses as past — not 10 February of the next
  year, a 355-day extension nobody asked for; «до 20 декабря» typed on 5 January is last
  December's; «до 1 сентября» typed in February is this September.
* Day numbers may be words: «до первого марта», «к двадцать пятому октября».
* «в пятницу», «до пятницы», «к пятнице»: the next Friday strictly after ``today``; «в следующую
  (будущую) пятницу» the Friday of the next calendar week (Monday to Sunday).
* «на неделю», «на две недели», «на 10 дней», «на месяц»: that much after ``deadline`` (the
  current deadline, when the caller gives it; ``today`` if that is later or not given).
* «конец недели» is the coming Sunday (the calendar week ends on Sunday; ``today`` if it is one);
  «конец рабочей недели» the coming Friday (``today`` if it is one). «конец месяца», «конец
  ноября», «конец года» are the last day of that month or year.
* «через N месяцев» keeps the day of the month, clamped to the target month's last day
  (31.01 + 1 month = 29.02); «через полгода» is six months.
* Every result must fall in the years ``today.year - 1`` … ``today.year + 5``; texts longer than
  200 characters are refused unread. Whether a date is acceptable as a new deadline (in the past,
  before the current deadline) is the caller's decision.

Russian date formatting is ``engine.render.ru_date``.

Over 300 lines on purpose: one parser of Russian dates (numeric, month names, weekdays,
relative phrases) whose rules interact; its property tests cover it as a whole.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime

MAX_TEXT_CHARS = 200
RECENT_DAYS = 92  # a day and month without a year that passed less than this ago is this year's
YEARS_BACK = 1
YEARS_AHEAD = 5
_MAX_QUANTITY = 10_000  # «через 99999999999 дней» is refused before any arithmetic

_SOFT = ("ь", "я", "е", "ю", "ем")  # январь, января, январе, январю, январем
_HARD = ("", "а", "е", "у", "ом")  # март, марта, марте, марту, мартом
_MONTH_STEMS = (
    ("январ", _SOFT),
    ("феврал", _SOFT),
    ("март", _HARD),
    ("апрел", _SOFT),
    ("ма", ("й", "я", "е", "ю", "ем")),
    ("июн", _SOFT),
    ("июл", _SOFT),
    ("август", _HARD),
    ("сентябр", _SOFT),
    ("октябр", _SOFT),
    ("ноябр", _SOFT),
    ("декабр", _SOFT),
)
_MONTH_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip
_MONTHS: dict[str, int] = {
    stem + ending: number
    for number, (stem, endings) in enumerate(_MONTH_STEMS, start=1)
    for ending in endings
} | _MONTH_ABBREVIATIONS
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUMBER_WORDS = {
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5,
    "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15,
    "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19,
    "двадцать": 20, "тридцать": 30,
}  # fmt: skip
_UNIT_DAYS = {"день": 1, "дня": 1, "дней": 1, "сутки": 1, "суток": 1}
_UNIT_DAYS |= {"неделю": 7, "неделя": 7, "недели": 7, "недель": 7}
_UNIT_MONTHS = {"месяц": 1, "месяца": 1, "месяцев": 1, "год": 12, "года": 12, "лет": 12}
_UNIT = "|".join(sorted(_UNIT_DAYS.keys() | _UNIT_MONTHS.keys(), key=len, reverse=True))

_WEEKDAYS = (  # Monday first, as date.weekday() counts
    "понедельник(?:а|у)?",
    "вторник(?:а|у)?",
    "сред(?:а|у|ы|е)",
    "четверг(?:а|у)?",
    "пятниц(?:а|у|ы|е)",
    "суббот(?:а|у|ы|е)",
    "воскресень(?:е|я|ю)",
)
_WEEKDAY_MODIFIERS_REFUSED = ("прошл", "кажд")  # which Friday is meant?
_WEEKDAY_NEXT_WEEK = ("следующ", "будущ")

_NOT_NUMERIC = r"(?<![0-9./-])"
_END_NUMERIC = r"(?![0-9]|[./-][0-9])"
_AFTER = re.compile(rf"\bчерез\s+(?:(?P<quantity>\S+?)\s*)?(?P<unit>{_UNIT})(?![а-я])")
_FOR = re.compile(rf"\bна\s+(?:(?P<quantity>\S+?)\s*)?(?P<unit>{_UNIT})(?![а-я])")
_ORDINAL_STEMS = {
    "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7, "восьм": 8,
    "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13,
    "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18,
    "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}  # fmt: skip
_ORDINAL = "|".join(sorted(_ORDINAL_STEMS, key=len, reverse=True))
_ORDINAL_WORDED = re.compile(
    rf"\b(?:(двадцать|тридцать)\s+)?({_ORDINAL})(?:ьего|ьему|ье|ого|ому|ое)\s+"
    rf"({_MONTH})(?![а-я])\.?"
    rf"(?:\s*,?\s*([0-9]{{4}}))?"
)
_ISO = re.compile(rf"{_NOT_NUMERIC}([0-9]{{4}})([./-])([0-9]{{1,2}})\2([0-9]{{1,2}}){_END_NUMERIC}")
_NUMERIC = re.compile(
    rf"{_NOT_NUMERIC}([0-9]{{1,2}})([./-])([0-9]{{1,2}})(?:\2([0-9]{{4}}|[0-9]{{2}}))?{_END_NUMERIC}"
)
_WORDED = re.compile(
    rf"(?<![0-9])([0-9]{{1,2}})(?:\s*-?\s*(?:го|ого|е|ое|му))?\s*({_MONTH})(?![а-я])\.?"
    rf"(?:\s*,?\s*([0-9]{{4}}|[0-9]{{2}}(?=\s*г))(?![0-9]))?"
)
_END_OF = re.compile(
    r"\bкон(?:ец|ца|цу|це)\s+(?:(?:этой|текущей|этого|текущего)\s+)?"
    rf"(?:(рабочей\s+недели|недели|месяца|года)|({_MONTH})(?![а-я])\.?(?:\s*([0-9]{{4}}))?)"
    r"(?![а-я0-9])"
)
_DAY_WORD = re.compile(r"\b(послезавтра|завтра|сегодня)\b")
_WEEKDAY = re.compile(
    r"(?:\b([а-я]+)\s+)?\b(" + "|".join(f"({w})" for w in _WEEKDAYS) + r")(?![а-я])"
)

_Reader = Callable[["re.Match[str]", date], date | None]


def parse_new_date(text: str, today: date, *, deadline: date | None = None) -> date | None:
    """The date that ``text`` names, read relative to ``today`` (the writer's local date) and,
    for «на неделю», to ``deadline`` (the current one).

    None when the text names no date, names several different ones, names an impossible one, or
    is longer than ``MAX_TEXT_CHARS``. Never raises.
    """
    found, _ = _read(text, today, deadline)
    return found


def date_only(text: str, today: date, *, deadline: date | None = None) -> date | None:
    """The date when ``text`` is nothing but a date («20.02.2024», «до 1 марта»): no other
    words than a preposition. None for a sentence that merely mentions one («в отпуске до
    1 марта»), or names none."""
    found, rest = _read(text, today, deadline)
    if found is None:
        return None
    words = re.findall(r"[^\W\d_]+", rest)
    return found if all(w in _FILLER_WORDS for w in words) else None


_FILLER_WORDS = frozenset({"до", "к", "по", "на", "ко", "в", "во", "срок", "новый", "г", "года"})


def _read(text: str, today: date, deadline: date | None) -> tuple[date | None, str]:
    """The one date named (or None) and what is left of the text once the dates are cut out."""
    if isinstance(today, datetime):  # a datetime would not compare with the dates made here
        today = today.date()
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    if len(text) > MAX_TEXT_CHARS:
        return None, text
    rest = _normalize(text)
    base = today if deadline is None or deadline < today else deadline

    def read_for(match: re.Match[str], _: date) -> date | None:
        return _read_after(match, base)

    readers: tuple[tuple[re.Pattern[str], _Reader], ...] = ((_FOR, read_for), *_READERS)
    found: set[date] = set()
    for pattern, read in readers:
        for match in pattern.finditer(rest):
            day = read(match, today)
            if day is None or not _in_window(day, today):
                return None, rest
            found.add(day)
        rest = pattern.sub(lambda m: " " * len(m.group()), rest)
    return (found.pop() if len(found) == 1 else None), rest


def _normalize(text: str) -> str:
    """Lowercase, ё → е, no stress marks, one kind of dash, control and odd spaces a plain space."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = text.replace("\u0301", "").replace("\u0300", "")
    text = re.sub(r"[‐‑‒–—―−]", "-", text)
    return "".join(c if c.isprintable() else " " for c in text)


def _read_after(match: re.Match[str], today: date) -> date | None:
    """«через две недели» after ``today`` (or «на две недели» after the deadline); an amount that
    is not a whole number («1.5», «2-3») refuses the text."""
    quantity, unit = match["quantity"], match["unit"]
    if quantity == "пол":
        return _add_months(today, 6) if unit in ("год", "года") else None
    count = 1 if quantity is None else _count(quantity)
    if count is None:
        return None
    if unit in _UNIT_DAYS:
        return _add_days(today, count * _UNIT_DAYS[unit])
    return _add_months(today, count * _UNIT_MONTHS[unit])


def _count(quantity: str) -> int | None:
    if quantity.isascii() and quantity.isdigit():
        count = int(quantity) if len(quantity) <= len(str(_MAX_QUANTITY)) else None
    else:
        count = _NUMBER_WORDS.get(quantity)
    return count if count is not None and 0 < count <= _MAX_QUANTITY else None


def _read_iso(match: re.Match[str], today: date) -> date | None:
    return _date(int(match[1]), int(match[3]), int(match[4]))


def _read_numeric(match: re.Match[str], today: date) -> date | None:
    day, month, year = int(match[1]), int(match[3]), match[4]
    if year is None:
        return _next_day_month(day, month, today)
    return _date(int(year) + (2000 if len(year) == 2 else 0), month, day)


def _read_ordinal_worded(match: re.Match[str], today: date) -> date | None:
    """«первого марта», «двадцать пятого октября 2024»."""
    tens = {None: 0, "двадцать": 20, "тридцать": 30}[match[1]]
    units = _ORDINAL_STEMS[match[2]]
    if tens and units >= 10:  # «двадцать десятого»: no such number
        return None
    day, month, year = tens + units, _MONTHS[match[3]], match[4]
    if year is None:
        return _next_day_month(day, month, today)
    return _date(int(year), month, day)


def _read_worded(match: re.Match[str], today: date) -> date | None:
    day, month, year = int(match[1]), _MONTHS[match[2]], match[3]
    if year is None:
        return _next_day_month(day, month, today)
    return _date(int(year) + (2000 if len(year) == 2 else 0), month, day)


def _read_end_of(match: re.Match[str], today: date) -> date | None:
    period, month_word, year = match[1], match[2], match[3]
    if month_word is not None:
        month = _MONTHS[month_word]
        if year is not None:
            return _month_end(int(year), month)
        return _nearest(
            [_month_end(year, month) for year in (today.year - 1, today.year, today.year + 1)],
            today,
        )
    if period == "недели":
        return _add_days(today, (6 - today.weekday()) % 7)
    if period == "месяца":
        return _month_end(today.year, today.month)
    if period == "года":
        return _date(today.year, 12, 31)
    return _add_days(today, (4 - today.weekday()) % 7)  # рабочей недели


def _read_day_word(match: re.Match[str], today: date) -> date | None:
    return _add_days(today, {"сегодня": 0, "завтра": 1, "послезавтра": 2}[match[1]])


def _read_weekday(match: re.Match[str], today: date) -> date | None:
    modifier = match[1] or ""
    if modifier.startswith(_WEEKDAY_MODIFIERS_REFUSED):
        return None
    weekday = next(i for i in range(7) if match[i + 3] is not None)
    if modifier.startswith(_WEEKDAY_NEXT_WEEK):  # that day of the next calendar week
        return _add_days(today, 7 - today.weekday() + weekday)
    return _add_days(today, (weekday - today.weekday() - 1) % 7 + 1)


def _next_day_month(day: int, month: int, today: date) -> date | None:
    """A day and month without a year: the nearest such date to ``today``."""
    return _nearest(
        [_date(year, month, day) for year in (today.year - 1, today.year, today.year + 1)], today
    )


def _nearest(candidates: list[date | None], today: date) -> date | None:
    """The earliest candidate not more than ``RECENT_DAYS`` before ``today``: a date that has
    just passed is meant as that one (a mistake the caller refuses), not as next year's."""
    since = today.toordinal() - RECENT_DAYS
    return next((d for d in candidates if d is not None and d.toordinal() >= since), None)


def _add_days(start: date, days: int) -> date | None:
    ordinal = start.toordinal() + days
    return date.fromordinal(ordinal) if ordinal <= date.max.toordinal() else None


def _add_months(start: date, months: int) -> date | None:
    year, month0 = divmod(start.year * 12 + start.month - 1 + months, 12)
    if year > MAXYEAR:
        return None
    return _date(year, month0 + 1, min(start.day, calendar.monthrange(year, month0 + 1)[1]))


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= year <= MAXYEAR or not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _in_window(day: date, today: date) -> bool:
    return today.year - YEARS_BACK <= day.year <= today.year + YEARS_AHEAD


# In this order: «через 1.5 месяца» must not leave «1.5» to the numeric reader, nor «2023-11-15»
# «11-15»; each reader's matches are blanked out before the next reader looks.
_READERS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (_AFTER, _read_after),
    (_ISO, _read_iso),
    (_NUMERIC, _read_numeric),
    (_ORDINAL_WORDED, _read_ordinal_worded),
    (_WORDED, _read_worded),
    (_END_OF, _read_end_of),
    (_DAY_WORD, _read_day_word),
    (_WEEKDAY, _read_weekday),
)


# --- Dates written in documents (``resolute draft``) -----------------------------------------
# The same readers, without the ``today`` window: a decree names its own dates, with or without
# a year, and the caller decides what a date without a year means.

_QUOTED_DAY = re.compile(r"[\"«“„'”]\s*([0-9]{1,2})\s*[\"»”“']")  # «"27" сентября 2024 года»
_DOC_NUMBER = re.compile(r"(?<![a-z])no\.?\s*[0-9][0-9a-zа-я./-]*")  # «№ 16-1» (NFKC: «No 16-1»)


@dataclass(frozen=True)
class DateMention:
    """A calendar date written in a text; ``start``/``end`` index ``normalize(text)``."""

    start: int
    end: int
    day: int
    month: int
    year: int | None

    def on(self, year: int) -> date | None:
        """This day and month in ``year`` (None for «29 февраля» in a common year)."""
        return _date(year, self.month, self.day)


def normalize(text: str) -> str:
    """The text as every reader here sees it (lowercase, ё → е, one kind of dash)."""
    return _normalize(text)


def find_dates(text: str) -> list[DateMention]:
    """Every written calendar date in ``text``, in order: «2024-03-14», «14.03.2024», «14.03»,
    «14 марта 2024 г.», «"27" сентября». Impossible dates («31.02.2024») are left out. Unlike
    ``parse_new_date`` there is no length limit and no window around today."""
    rest = _QUOTED_DAY.sub(lambda m: f" {m[1]:>2}" + " " * (len(m[0]) - 3), normalize(text))
    rest = _DOC_NUMBER.sub(lambda m: " " * len(m.group()), rest)
    found: list[DateMention] = []
    for pattern, kind in ((_ISO, "iso"), (_NUMERIC, "numeric"), (_WORDED, "worded")):
        for m in pattern.finditer(rest):
            year: int | None
            if kind == "iso":
                day, month, year = int(m[4]), int(m[3]), int(m[1])
            else:
                day = int(m[1])
                month = int(m[3]) if kind == "numeric" else _MONTHS[m[2]]
                raw = m[4] if kind == "numeric" else m[3]
                year = None if raw is None else int(raw) + (2000 if len(raw) == 2 else 0)
            if _date(year or 2000, month, day) is not None:  # 2000 is a leap year: 29.02 passes
                found.append(DateMention(m.start(), m.end(), day, month, year))
        rest = pattern.sub(lambda m: " " * len(m.group()), rest)
    return sorted(found, key=lambda d: d.start)


def month_number(word: str) -> int | None:
    """1–12 for a Russian month name in any case («октября», «окт.»), else None."""
    return _MONTHS.get(normalize(word).rstrip("."))


def add_months(start: date, months: int) -> date | None:
    """``start`` plus whole months, the day clamped to the target month (31.01 + 1 → 29.02)."""
    return _add_months(start, months)


def month_end(year: int, month: int) -> date | None:
    return _month_end(year, month)
