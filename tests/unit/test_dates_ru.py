"""A new deadline typed in Russian: every form an official uses, the edges, and garbage.

Pinned rules (engine/dates_ru.py): with a year a date is returned as is; without one it is the next
such date, unless it passed less than RECENT_DAYS ago (then that one); weekdays are strictly after
today; «конец недели» is Sunday, «конец рабочей недели» Friday; several different dates,
impossible dates, years outside today.year-1 … today.year+5 and texts over 200 characters give
None; nothing raises.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.dates_ru import MAX_TEXT_CHARS, RECENT_DAYS, date_only, parse_new_date

FRIDAY = date(2023, 10, 13)

FORMS = [
    # numeric
    ("15.11.2023", date(2023, 11, 15)),
    ("15.11.23", date(2023, 11, 15)),
    ("15.11", date(2023, 11, 15)),
    ("15/11/2023", date(2023, 11, 15)),
    ("15-11-2023", date(2023, 11, 15)),
    ("2023-11-15", date(2023, 11, 15)),
    ("5.1.2024", date(2024, 1, 5)),
    ("01.10.2023", date(2023, 10, 1)),  # written with a year: as is, even in the past
    ("01.10", date(2023, 10, 1)),  # without one, just passed: that one (the caller refuses it)
    ("01.09", date(2023, 9, 1)),
    ("01.07", date(2024, 7, 1)),  # passed longer ago than RECENT_DAYS: the next one
    ("13.10", FRIDAY),  # on or after today
    ("29.02", date(2024, 2, 29)),
    ("до 15.11.2023 г.", date(2023, 11, 15)),
    ("15.11.2023, пожалуйста", date(2023, 11, 15)),
    ("Срок: 15.11.", date(2023, 11, 15)),
    # month names
    ("15 ноября", date(2023, 11, 15)),
    ("до 15 ноября", date(2023, 11, 15)),
    ("к 15 ноября 2023", date(2023, 11, 15)),
    ("15 ноября 2023 г.", date(2023, 11, 15)),
    ("15 ноября 2023 года", date(2023, 11, 15)),
    ("15 ноября, 2023", date(2023, 11, 15)),
    ("15 ноября 23 г.", date(2023, 11, 15)),
    ("15-го ноября", date(2023, 11, 15)),
    ("к 15-му ноября", date(2023, 11, 15)),
    ("15ноября", date(2023, 11, 15)),
    ("15 НОЯБРЯ", date(2023, 11, 15)),
    ("15 Ноября", date(2023, 11, 15)),
    ("15 ноябрь", date(2023, 11, 15)),
    ("15 ноя", date(2023, 11, 15)),
    ("15 нояб.", date(2023, 11, 15)),
    ("1 янв", date(2024, 1, 1)),
    ("1 января", date(2024, 1, 1)),
    ("28 февр.", date(2024, 2, 28)),
    ("8 марта", date(2024, 3, 8)),
    ("8 мар", date(2024, 3, 8)),
    ("1 апреля", date(2024, 4, 1)),
    ("9 мая", date(2024, 5, 9)),
    ("12 июня", date(2024, 6, 12)),
    ("1 июля", date(2024, 7, 1)),
    ("30 августа", date(2023, 8, 30)),
    ("1 сент.", date(2023, 9, 1)),
    ("20 октября", date(2023, 10, 20)),
    ("31 дек", date(2023, 12, 31)),
    ("31 декабря", date(2023, 12, 31)),
    ("1 сентября 2022", date(2022, 9, 1)),
    # relative
    ("через неделю", date(2023, 10, 20)),
    ("через 2 недели", date(2023, 10, 27)),
    ("через две недели", date(2023, 10, 27)),
    ("через 10 дней", date(2023, 10, 23)),
    ("через три дня", date(2023, 10, 16)),
    ("через один день", date(2023, 10, 14)),
    ("через сутки", date(2023, 10, 14)),
    ("через месяц", date(2023, 11, 13)),
    ("через 2 месяца", date(2023, 12, 13)),
    ("через три месяца", date(2024, 1, 13)),
    ("через полгода", date(2024, 4, 13)),
    ("через пол года", date(2024, 4, 13)),
    ("через год", date(2024, 10, 13)),
    ("ЧЕРЕЗ  НЕДЕЛЮ", date(2023, 10, 20)),
    ("Прошу продлить через две недели.", date(2023, 10, 27)),
    # days, weekdays, ends
    ("сегодня", FRIDAY),
    ("завтра", date(2023, 10, 14)),
    ("послезавтра", date(2023, 10, 15)),
    ("в пятницу", date(2023, 10, 20)),  # strictly after today, a Friday
    ("до пятницы", date(2023, 10, 20)),
    ("к пятнице", date(2023, 10, 20)),
    ("в понедельник", date(2023, 10, 16)),
    ("ко вторнику", date(2023, 10, 17)),
    ("в среду", date(2023, 10, 18)),
    ("до четверга", date(2023, 10, 19)),
    ("в субботу", date(2023, 10, 14)),
    ("в воскресенье", date(2023, 10, 15)),
    ("в эту среду", date(2023, 10, 18)),
    ("конец месяца", date(2023, 10, 31)),
    ("до конца месяца", date(2023, 10, 31)),
    ("к концу месяца", date(2023, 10, 31)),
    ("в конце этого месяца", date(2023, 10, 31)),
    ("конец недели", date(2023, 10, 15)),  # Sunday
    ("до конца рабочей недели", FRIDAY),  # Friday: today
    ("до конца года", date(2023, 12, 31)),
    ("до конца ноября", date(2023, 11, 30)),
    ("до конца февраля", date(2024, 2, 29)),
    ("до конца сентября", date(2023, 9, 30)),  # just passed: that one
    ("до конца июня", date(2024, 6, 30)),  # passed long ago: the next one
    ("до конца сентября 2023", date(2023, 9, 30)),
    # words and punctuation around
    ("Прошу до 15 ноября, пожалуйста", date(2023, 11, 15)),
    ("Прошу продлить срок до 15.11.2023 г. в связи с отпуском", date(2023, 11, 15)),
    ("  до\u00a015\u00a0ноября!!! ", date(2023, 11, 15)),
    ("до 15 ноя\u0301бря", date(2023, 11, 15)),  # a stress mark, copied from a dictionary
    ("до 15 ноя\u0301бря\u0301", date(2023, 11, 15)),
    ("до 15 нояб🙏", date(2023, 11, 15)),
    ("«15 ноября»", date(2023, 11, 15)),
    ("до 15 ноября (среда)", None),  # two different dates: 15 November and next Wednesday
    ("завтра, т.е. 14.10", date(2023, 10, 14)),  # two forms, one date
    ("через бота, до 20.10", date(2023, 10, 20)),  # «через» without an amount is a plain word
    ("среди прочего, до 20.10", date(2023, 10, 20)),
    ("ёлки, до 1 мая", date(2024, 5, 1)),
]

REFUSED = [
    "",
    " ",
    "привет",
    "15",
    "1",
    "15 11",
    "ноябрь",
    "31.02.2024",
    "00.13.2023",
    "32.01.2024",
    "15.00",
    "0 ноября",
    "31 ноября",
    "30 февраля",
    "2023-02-30",
    "15.11.202",
    "15.11.20234",
    "15.11/2023",
    "8.800.555",
    "с 10.11 до 15.11",
    "15.11 или 16.11",
    "через 1.5 месяца",
    "через 2-3 дня",
    "через пару недель",
    "через несколько дней",
    "через 0 дней",
    "через полдня",
    "через 99999999999 дней",
    "через 99999 лет",
    "в прошлую среду",
    "каждую пятницу",
    "до конца следующего месяца",
    "конец следующей недели",
    "вчера",
    "15.11.2021",  # before today.year - 1
    "15.11.2029",  # after today.year + 5
    "через 10 лет",
    "к 15 ноября 2030",
    "до 15.11.2023" + " " * MAX_TEXT_CHARS,
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_forms(text: str, expected: date | None) -> None:
    assert parse_new_date(text, FRIDAY) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_new_date(text, FRIDAY) is None


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("15.01", date(2023, 12, 20), date(2024, 1, 15)),
        ("15 января", date(2023, 12, 20), date(2024, 1, 15)),
        ("20.12", date(2023, 12, 20), date(2023, 12, 20)),
        ("19.12", date(2023, 12, 20), date(2023, 12, 19)),  # yesterday: refused by the caller
        ("10.02", date(2024, 2, 19), date(2024, 2, 10)),  # not 10.02.2025 (issue 13)
        ("до 10 февраля", date(2024, 2, 19), date(2024, 2, 10)),
        ("до 20 декабря", date(2024, 1, 5), date(2023, 12, 20)),
        ("до 1 сентября", date(2024, 2, 19), date(2024, 9, 1)),
        ("через месяц", date(2024, 1, 31), date(2024, 2, 29)),
        ("через месяц", date(2023, 1, 31), date(2023, 2, 28)),
        ("через 2 месяца", date(2023, 12, 31), date(2024, 2, 29)),
        ("через месяц", date(2023, 12, 15), date(2024, 1, 15)),
        ("через полгода", date(2023, 8, 31), date(2024, 2, 29)),
        ("через год", date(2024, 2, 29), date(2025, 2, 28)),
        ("через неделю", date(2023, 12, 28), date(2024, 1, 4)),
        ("29.02", date(2024, 3, 1), date(2024, 2, 29)),  # yesterday: refused by the caller
        ("29.02", date(2024, 9, 1), None),  # 2025 has none: a typo, not 2028
        ("29.02", date(2023, 3, 1), date(2024, 2, 29)),
        ("конец месяца", date(2024, 2, 10), date(2024, 2, 29)),
        ("конец месяца", date(2023, 10, 31), date(2023, 10, 31)),
        ("до конца года", date(2023, 12, 31), date(2023, 12, 31)),
        ("конец недели", date(2023, 10, 15), date(2023, 10, 15)),  # Sunday: today
        ("конец недели", date(2023, 10, 16), date(2023, 10, 22)),
        ("конец рабочей недели", date(2023, 10, 14), date(2023, 10, 20)),  # Saturday
        ("конец рабочей недели", date(2023, 10, 16), date(2023, 10, 20)),
        ("в пятницу", date(2023, 10, 12), date(2023, 10, 13)),
        ("в воскресенье", date(2023, 10, 15), date(2023, 10, 22)),
        ("15.11.2022", date(2023, 10, 13), date(2022, 11, 15)),
        ("15.11.2028", date(2023, 10, 13), date(2028, 11, 15)),
        ("через 5 лет", date(2023, 10, 13), date(2028, 10, 13)),
        ("через 6 лет", date(2023, 10, 13), None),
        ("завтра", date.max, None),
        ("через 10000 дней", date.max, None),
        ("через 10000 лет", date.max, None),
        ("1.1", date.min, date(1, 1, 1)),
        ("31.12", date.max, date.max),
        ("в пятницу", date.max, None),
    ],
)
def test_edges(text: str, today: date, expected: date | None) -> None:
    assert parse_new_date(text, today) == expected


def test_today_may_be_a_datetime() -> None:
    assert parse_new_date("завтра", datetime(2023, 10, 13, 23, 59)) == date(2023, 10, 14)


def test_limit_counts_the_text_as_written() -> None:
    text = "до 15.11.2023"
    assert parse_new_date(text.ljust(MAX_TEXT_CHARS), FRIDAY) == date(2023, 11, 15)
    assert parse_new_date(text.ljust(MAX_TEXT_CHARS + 1), FRIDAY) is None


NASTY = [
    "\x00",
    "\x0015.11.2023",
    "15\x0011\x002023",
    "\u200b15.11.2023\u200b",
    "\u202e3202.11.51",
    "\ufeff",
    "\r\n\t",
    "🎉",
    "🎉" * 200,
    "👍🏽 до 15 ноября 👍🏽",
    "١٥.١١.٢٠٢٣",  # Arabic-Indic digits
    "１５．１１．２０２３",  # fullwidth
    "๑๕ ноября",
    "15" * 100,
    "9" * 200,
    "9" * 5000,
    "." * 200,
    "-" * 200,
    "через " * 33,
    "через 99999999999 дней",
    "через 99999999999999999999999999999999999999 месяцев",
    "через -1 день",
    "через 1e9 дней",
    "через ∞ дней",
    "через NaN дней",
    "99.99.9999",
    "9999-99-99",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "31.12.9999",
    "00.00.00",
    "-15.11.2023",
    "15..11..2023",
    "15.11.2023.15.11.2023",
    "2023-11-15-2023",
    "ﷺ" * 200,
    "ß" * 200,
    "İ15 ноября",
    "<script>alert(1)</script>",
    "'; DROP TABLE tasks; --",
    "%s%s%s%n",
    "{0}{1}",
    "\\d+",
    "(((((((((((((((((((((((((((((((((((((((((((((",
    "конец",
    "конец " * 30,
    "до до до до до",
    "в в в в пятницу",
    "пятница" * 25,
    "ноябрь ноября ноябре",
    "15 ноября" * 20,
    "\udcff",  # a lone surrogate, as a broken client might send
    "15.11.2023\udcff",
]


@pytest.mark.parametrize("text", NASTY)
@pytest.mark.parametrize("today", [FRIDAY, date.min, date.max])
def test_nasty_input_never_raises(text: str, today: date) -> None:
    result = parse_new_date(text, today)
    assert result is None or isinstance(result, date)


def test_random_texts_never_raise() -> None:
    """Seeded, so a failure repeats: texts glued from the parser's own vocabulary and noise."""
    pieces = [
        "15", "31", "0", "99999999999", ".", "/", "-", "11", "2023", "23", " ", "через", "до",
        "к", "ноября", "нояб.", "ноя", "недели", "две", "пол", "года", "месяц", "конец",
        "рабочей", "пятницу", "следующую", "завтра", "г.", "-го", "ё", "Ё", "\x00", "🎉", "\n",
    ]  # fmt: skip
    rng = random.Random(20231013)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        today = rng.choice([FRIDAY, date(2024, 2, 29), date(2023, 12, 31), date.min, date.max])
        result = parse_new_date(text, today)
        assert result is None or isinstance(result, date), text


# --- issue 13: the phrases officials type, and the year a date without one belongs to --------

TUESDAY = date(2024, 2, 20)
DEADLINE = date(2024, 2, 21)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("на неделю", date(2024, 2, 28)),  # counted from the current deadline
        ("на две недели", date(2024, 3, 6)),
        ("Прошу продлить на 10 дней", date(2024, 3, 2)),
        ("на месяц", date(2024, 3, 21)),
        ("на полгода", date(2024, 8, 21)),
        ("до первого марта", date(2024, 3, 1)),
        ("к третьему марта", date(2024, 3, 3)),
        ("до двадцать пятого марта 2024", date(2024, 3, 25)),
        ("до тридцать первого марта", date(2024, 3, 31)),
        ("в следующую пятницу", date(2024, 3, 1)),  # the Friday of next week, not the 23rd
        ("в будущий понедельник", date(2024, 2, 26)),
        ("в пятницу", date(2024, 2, 23)),
        ("до двадцать десятого марта", None),
        ("до тридцать первого февраля", None),
    ],
)
def test_phrases_of_issue_13(text: str, expected: date | None) -> None:
    assert parse_new_date(text, TUESDAY, deadline=DEADLINE) == expected


def test_for_a_week_counts_from_today_when_the_deadline_has_passed() -> None:
    assert parse_new_date("на неделю", TUESDAY, deadline=date(2024, 2, 10)) == date(2024, 2, 27)
    assert parse_new_date("на неделю", TUESDAY) == date(2024, 2, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20.02.2024", date(2024, 2, 20)),
        ("до 1 марта", date(2024, 3, 1)),
        ("  к 15.03.  ", date(2024, 3, 15)),
        ("через неделю", date(2024, 2, 27)),
        ("в отпуске до 1 марта", None),  # a reason that mentions a date is still a reason
        ("Ждём данные от первичных организаций", None),
        ("", None),
    ],
)
def test_date_only_tells_a_date_from_a_reason(text: str, expected: date | None) -> None:
    assert date_only(text, TUESDAY) == expected


@given(
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)),
    day=st.integers(1, 31),
    month=st.integers(1, 12),
)
def test_a_date_without_a_year_is_recent_or_ahead_never_a_year_late(
    today: date, day: int, month: int
) -> None:
    """Property: «DD.MM» is never more than RECENT_DAYS back, never beyond a year ahead, and
    falls on that day and month."""
    found = parse_new_date(f"{day:02d}.{month:02d}", today)
    if found is None:
        return
    assert (found.day, found.month) == (day, month)
    assert -RECENT_DAYS <= (found - today).days <= 366


@given(today=st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_next_weekday_is_in_the_next_calendar_week(today: date) -> None:
    found = parse_new_date("в следующую пятницу", today)
    assert found is not None
    assert found.weekday() == 4
    assert found.isocalendar()[:2] == (today + timedelta(days=7)).isocalendar()[:2]


@given(text=st.text(max_size=60), today=st.dates(), deadline=st.none() | st.dates())
def test_any_text_never_raises(text: str, today: date, deadline: date | None) -> None:
    for result in (
        parse_new_date(text, today, deadline=deadline),
        date_only(text, today, deadline=deadline),
    ):
        assert result is None or isinstance(result, date)
