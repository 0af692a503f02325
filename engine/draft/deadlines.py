"""How a clause is timed, read from its text and from a «Срок: …» line of its own.

Calendar dates are read by ``engine.dates_ru.find_dates`` (one Russian date reader in the
project); this module reads the phrases around them. In order, the first that applies wins:

1. Recurrence: «ежедневно», «еженедельно» (+ «по пятницам»), «ежемесячно» (+ «до 5 числа»),
   «ежеквартально» (+ «до 10 числа месяца, следующего за отчётным кварталом»), «ежегодно»
   (+ «до 1 февраля»); «в течение 2025 года» bounds it (``until``).
2. A deadline: on the clause's own deadline line any date; inside the clause a date after «до»,
   «к», «не позднее», «по», «срок»; «в течение 2025 года» (its end), «в IV квартале 2023 года»,
   «до конца квартала / месяца / года / октября» (the end of that period), «в месячный срок»,
   «в двухнедельный срок», «в течение 10 дней» (counted from adoption). A date without a year is in
   the adoption year, or the next one when that would be before adoption.
3. Informational: «принять к сведению», «признать … удовлетворительной», «утвердить», «одобрить».
4. Otherwise the clause has no date (the stated rule, always marked for review): a general
   attitude («способствовать», «содействовать», «руководствоваться», «учитывать») is
   informational; anything else («продолжить», «обеспечить», «постоянно», …) is a quarterly
   check-in until the end of the year after adoption, as the founding resolution does.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from engine.dates_ru import add_months, find_dates, month_end, month_number, normalize
from engine.draft.model import Line, Timing

_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ORDINAL_QUARTER = {"перв": 1, "втор": 2, "трет": 3, "четверт": 4}
_COUNT_PREFIX = {
    "": 1, "одно": 1, "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6, "семи": 7,
    "десяти": 10, "пятнадцати": 15, "двадцати": 20, "тридцати": 30, "шестидесяти": 60,
    "девяноста": 90,
}  # fmt: skip
_COUNT_WORDS = {
    "одного": 1, "одной": 1, "двух": 2, "трех": 3, "четырех": 4, "пяти": 5, "шести": 6,
    "семи": 7, "десяти": 10, "пятнадцати": 15, "двадцати": 20, "тридцати": 30,
}  # fmt: skip
_WEEKDAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")

_CUE = re.compile(r"(?:\bдо|\bк|не позднее|\bпо|срок[а-я]*\s*[:-]?|\bна)\s*$")
_DAY_OF_MONTH = re.compile(r"(?:до|к|не позднее)?\s*(\d{1,2})\s*-?\s*(?:го\s+)?числа")
_DURING_YEAR = re.compile(r"в\s+течени[еи]\s+(\d{4})\s*(?:года|г\b\.?)")
_DURING_YEAR_WORD = re.compile(r"в\s+течени[еи]\s+(?:текущего|этого)\s+года")
_QUARTER = re.compile(
    r"\b(?:во?|до\s+конца|до\s+окончания|по\s+итогам)\s+(iv|iii|ii|i|[1-4]|перв\w*|втор\w*|трет\w*|"
    r"четверт\w*)[\s-]*(?:м|ом|го|ого)?\s+квартал[а-я]*(?:\s+(\d{4})\s*(?:года|г\b\.?)?)?"
)
_END_OF = re.compile(
    r"\bдо\s+(?:конца|окончания)\s+(?:(?:текущего|этого|отчетного)\s+)?"
    r"(квартала|месяца|года|полугодия|(\d{4})\s*(?:года|г\b\.?)|([а-я]+)(?:\s+(\d{4}))?)"
)
_TERM = re.compile(r"\bв\s+(\d{1,3}-?|[а-я]*?)(дневный|недельный|месячный)\s+срок")
_WITHIN = re.compile(
    r"\bв\s+течени[еи]\s+(\d{1,3}|[а-я]+)?\s*(дн(?:ей|я)|сут\w*|недел[иья]|месяц(?:а|ев)?)(?![а-я])"
)
_INFORMATIONAL = re.compile(
    r"принять\s+к\s+сведению|признать\s+(?:[а-я]+\s+){0,8}удовлетворительн|\bутвердить\b|"
    r"\bодобрить\b|принять\s+к\s+руководству|считать\s+утратившим"
)
_ATTITUDE = re.compile(r"^\s*(?:способствовать|содействовать|руководствоваться|учитывать)\b")


def read_timing(
    text: str, own_line: Line | None, clause_line: Line, adopted: date | None
) -> Timing:
    """The timing of one clause; ``own_line`` is its deadline line, when it has one."""
    sources = [(own_line, True)] if own_line is not None else []
    sources.append((clause_line, False))
    texts = {own_line.number: normalize(own_line.text)} if own_line is not None else {}
    body = normalize(text)
    for line, own in sources:
        said = texts[line.number] if own and line is not None else body
        timing = _recurrence(said, line, adopted)
        if timing is None:
            timing = _deadline(said, line, adopted, own=own)
        if timing is not None:
            return timing
    if _INFORMATIONAL.search(body):
        return Timing(informational=True, line=clause_line, note="информационный пункт")
    if _ATTITUDE.search(body):
        return Timing(
            informational=True,
            line=clause_line,
            note="общее указание без срока",
            check="пункт без срока и без проверяемого результата — сделан информационным; "
            "если нужна отметка, замените informational на every/deadline",
        )
    until = None if adopted is None else date(adopted.year + 1, 12, 31)
    return Timing(
        every="quarterly",
        until=until,
        line=clause_line,
        note="срока нет: ежеквартальная отметка",
        check="в пункте нет срока: предложена ежеквартальная отметка о ходе работы"
        + ("" if until is None else f" до {until:%d.%m.%Y}")
        + "; измените периодичность или сделайте пункт информационным (informational: true)",
    )


def _recurrence(said: str, line: Line | None, adopted: date | None) -> Timing | None:
    until = _until(said)
    day_match = _DAY_OF_MONTH.search(said)
    day = int(day_match[1]) if day_match and 1 <= int(day_match[1]) <= 31 else None
    if re.search(r"\bежедневн", said):
        return Timing(every="daily", until=until, line=line, note="ежедневно")
    if re.search(r"\bеженедельн", said):
        weekday = next((i + 1 for i, w in enumerate(_WEEKDAYS) if re.search(rf"\b{w}", said)), None)
        return Timing(every="weekly", day=weekday, until=until, line=line, note="еженедельно")
    if re.search(r"\bежемесячн", said):
        return Timing(every="monthly", day=day, until=until, line=line, note="ежемесячно")
    if re.search(r"\bежеквартальн", said):
        if day is not None and re.search(r"следующ\w+\s+за\s+(?:отчетн\w+\s+)?квартал", said):
            rule = f"RRULE:FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY={day}"
            return Timing(every=rule, until=until, line=line, note="ежеквартально")
        return Timing(every="quarterly", day=day, until=until, line=line, note="ежеквартально")
    if re.search(r"\bежегодн", said):
        dates = [d for d in find_dates(said) if d.year is None]
        if dates:
            when = dates[0]
            rule = f"RRULE:FREQ=YEARLY;BYMONTH={when.month};BYMONTHDAY={when.day}"
            return Timing(every=rule, until=until, line=line, note="ежегодно")
        month = adopted.month if adopted is not None else 12
        day_of = adopted.day if adopted is not None else 31
        return Timing(
            every=f"RRULE:FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day_of}",
            until=until,
            line=line,
            note="ежегодно",
            check="«ежегодно» без даты: отметка предложена в день принятия каждый год",
        )
    return None


def _until(said: str) -> date | None:
    if m := _DURING_YEAR.search(said):
        return date(int(m[1]), 12, 31)
    return None


def _deadline(said: str, line: Line | None, adopted: date | None, *, own: bool) -> Timing | None:
    for mention in find_dates(said):
        window = max(0, mention.start - 24)
        cue = _CUE.search(said[window : mention.start])
        if not own and cue is None:
            continue
        start = mention.start if cue is None else window + cue.start()
        phrase = said[start : mention.end].strip()
        if mention.year is not None:
            day = mention.on(mention.year)
            return _dated(day, line, phrase, adopted)
        if adopted is None:
            return Timing(
                line=line, note=phrase, check="год срока не указан, а дата принятия не найдена"
            )
        day = mention.on(adopted.year)
        if day is None or day < adopted:
            day = mention.on(adopted.year + 1)
        return _dated(day, line, phrase, adopted, guessed_year=True)
    if m := _DURING_YEAR.search(said):
        return _dated(date(int(m[1]), 12, 31), line, m[0], adopted)
    if adopted is None:
        return None
    if m := _DURING_YEAR_WORD.search(said):
        return _dated(date(adopted.year, 12, 31), line, m[0], adopted)
    if m := _QUARTER.search(said):
        word = m[1]
        quarter = _ROMAN_QUARTER.get(word) or next(
            (q for stem, q in _ORDINAL_QUARTER.items() if word.startswith(stem)), 1
        )
        year = int(m[2]) if m[2] else adopted.year
        end = month_end(year, quarter * 3)
        if end is not None and m[2] is None and end < adopted:
            end = month_end(year + 1, quarter * 3)
        return _dated(end, line, m[0], adopted)
    if m := _END_OF.search(said):
        return _dated(_end_of(m, adopted), line, m[0], adopted)
    if m := _TERM.search(said):
        count = _count(m[1].rstrip("-"), _COUNT_PREFIX)
        return _dated(_after(adopted, count, m[2]), line, m[0], adopted, counted=True)
    if m := _WITHIN.search(said):
        count = 1 if m[1] is None else _count(m[1], _COUNT_WORDS)
        return _dated(_after(adopted, count, m[2]), line, m[0], adopted, counted=True)
    return None


def _end_of(m: re.Match[str], adopted: date) -> date | None:
    what = m[1]
    if what == "квартала":
        return month_end(adopted.year, (adopted.month - 1) // 3 * 3 + 3)
    if what == "месяца":
        return month_end(adopted.year, adopted.month)
    if what == "года":
        return date(adopted.year, 12, 31)
    if what == "полугодия":
        return month_end(adopted.year, 6 if adopted.month <= 6 else 12)
    if m[2]:
        return date(int(m[2]), 12, 31)
    month = month_number(m[3] or "")
    if month is None:
        return None
    year = int(m[4]) if m[4] else adopted.year
    end = month_end(year, month)
    if end is not None and m[4] is None and end < adopted:
        end = month_end(year + 1, month)
    return end


def _count(word: str, table: dict[str, int]) -> int | None:
    if word.isdigit():
        return int(word) if 0 < int(word) <= 1000 else None
    return table.get(word)


def _after(adopted: date, count: int | None, unit: str) -> date | None:
    if count is None:
        return None
    if unit.startswith(("дн", "сут")):
        return adopted + timedelta(days=count)
    if unit.startswith("недел"):
        return adopted + timedelta(days=7 * count)
    return add_months(adopted, count)


def _dated(
    day: date | None,
    line: Line | None,
    phrase: str,
    adopted: date | None,
    *,
    guessed_year: bool = False,
    counted: bool = False,
) -> Timing | None:
    if day is None:
        return None
    check = None
    if adopted is not None and day < adopted:
        check = f"срок {day:%d.%m.%Y} раньше даты принятия {adopted:%d.%m.%Y}"
    elif guessed_year:
        check = f"год в сроке не указан: принят {day.year}"
    note = f"«{phrase}»" + (" от даты принятия" if counted else "")
    return Timing(deadline=day, line=line, note=note, check=check)
