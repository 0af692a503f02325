"""Recurring clauses: every/day/until → the deadlines of the occurrences.

Pinned rules: occurrences fall strictly after the adoption day, up to min(until, through)
inclusive; monthly/quarterly ``day: N`` is day N or the month's last day when shorter (quarterly:
of March, June, September, December); no ``day`` means the last day; weekly ``day: N`` is ISO
weekday N (1 = Monday, default Friday); an ``RRULE:…`` string is taken as is.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import pytest

from engine.timing.occurrences import (
    check_rule,
    lead_days,
    occurrence_deadlines,
    recurrence_rule,
)

SEMIANNUAL = "RRULE:FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=25"


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def occurrences(
    every: str, day: int | None, adopted: date, through: date, until: date | None = None
) -> list[date]:
    return occurrence_deadlines(recurrence_rule(every, day), adopted, until, through)


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --------------------------------------------------------------------------------------------
# recurrence_rule + occurrence_deadlines
# --------------------------------------------------------------------------------------------

OCCURRENCE_CASES = [
    # id, every, day, adopted, until, through, expected deadlines
    (
        "daily-over-leap-day",
        "daily",
        None,
        d(2024, 2, 27),
        None,
        d(2024, 3, 2),
        [d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1), d(2024, 3, 2)],
    ),
    (
        "daily-day-is-ignored",
        "daily",
        25,
        d(2024, 2, 27),
        None,
        d(2024, 2, 29),
        [d(2024, 2, 28), d(2024, 2, 29)],
    ),
    # 1 Jan 2024 is a Monday.
    (
        "weekly-1-monday",
        "weekly",
        1,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 8), d(2024, 1, 15)],
    ),
    (
        "weekly-2-tuesday",
        "weekly",
        2,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 2), d(2024, 1, 9), d(2024, 1, 16)],
    ),
    (
        "weekly-3-wednesday",
        "weekly",
        3,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 3), d(2024, 1, 10), d(2024, 1, 17)],
    ),
    (
        "weekly-4-thursday",
        "weekly",
        4,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 4), d(2024, 1, 11), d(2024, 1, 18)],
    ),
    (
        "weekly-5-friday",
        "weekly",
        5,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 5), d(2024, 1, 12), d(2024, 1, 19)],
    ),
    (
        "weekly-6-saturday",
        "weekly",
        6,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 6), d(2024, 1, 13), d(2024, 1, 20)],
    ),
    (
        "weekly-7-sunday",
        "weekly",
        7,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 7), d(2024, 1, 14), d(2024, 1, 21)],
    ),
    (
        "weekly-default-friday",
        "weekly",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 1, 21),
        [d(2024, 1, 5), d(2024, 1, 12), d(2024, 1, 19)],
    ),
    (
        "monthly-25-spec-clause",
        "monthly",
        25,
        d(2023, 10, 5),
        None,
        d(2024, 3, 31),
        [
            d(2023, 10, 25),
            d(2023, 11, 25),
            d(2023, 12, 25),
            d(2024, 1, 25),
            d(2024, 2, 25),
            d(2024, 3, 25),
        ],
    ),
    (
        "monthly-31-leap-year",
        "monthly",
        31,
        d(2023, 12, 31),
        None,
        d(2024, 6, 30),
        [
            d(2024, 1, 31),
            d(2024, 2, 29),
            d(2024, 3, 31),
            d(2024, 4, 30),
            d(2024, 5, 31),
            d(2024, 6, 30),
        ],
    ),
    (
        "monthly-31-common-year",
        "monthly",
        31,
        d(2023, 1, 1),
        None,
        d(2023, 4, 30),
        [d(2023, 1, 31), d(2023, 2, 28), d(2023, 3, 31), d(2023, 4, 30)],
    ),
    (
        "monthly-30-february-leap",
        "monthly",
        30,
        d(2024, 1, 30),
        None,
        d(2024, 3, 31),
        [d(2024, 2, 29), d(2024, 3, 30)],
    ),
    (
        "monthly-29-february-common",
        "monthly",
        29,
        d(2023, 1, 31),
        None,
        d(2023, 3, 31),
        [d(2023, 2, 28), d(2023, 3, 29)],
    ),
    (
        "monthly-28",
        "monthly",
        28,
        d(2024, 1, 31),
        None,
        d(2024, 3, 31),
        [d(2024, 2, 28), d(2024, 3, 28)],
    ),
    (
        "monthly-1",
        "monthly",
        1,
        d(2024, 1, 15),
        None,
        d(2024, 3, 31),
        [d(2024, 2, 1), d(2024, 3, 1)],
    ),
    (
        "monthly-no-day-last-day",
        "monthly",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 4, 30),
        [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31), d(2024, 4, 30)],
    ),
    (
        "quarterly-30",
        "quarterly",
        30,
        d(2024, 1, 1),
        None,
        d(2024, 12, 31),
        [d(2024, 3, 30), d(2024, 6, 30), d(2024, 9, 30), d(2024, 12, 30)],
    ),
    (
        "quarterly-31-short-quarter-ends",
        "quarterly",
        31,
        d(2024, 1, 1),
        None,
        d(2024, 12, 31),
        [d(2024, 3, 31), d(2024, 6, 30), d(2024, 9, 30), d(2024, 12, 31)],
    ),
    (
        "quarterly-no-day-last-day",
        "quarterly",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 12, 31),
        [d(2024, 3, 31), d(2024, 6, 30), d(2024, 9, 30), d(2024, 12, 31)],
    ),
    (
        "quarterly-15",
        "quarterly",
        15,
        d(2023, 10, 5),
        None,
        d(2024, 9, 30),
        [d(2023, 12, 15), d(2024, 3, 15), d(2024, 6, 15), d(2024, 9, 15)],
    ),
    (
        "rrule-semiannual",
        SEMIANNUAL,
        None,
        d(2023, 10, 5),
        None,
        d(2025, 1, 1),
        [d(2023, 12, 25), d(2024, 6, 25), d(2024, 12, 25)],
    ),
    (
        "rrule-every-other-month",
        "RRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=10",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 7, 31),
        [d(2024, 1, 10), d(2024, 3, 10), d(2024, 5, 10), d(2024, 7, 10)],
    ),
    (
        "rrule-first-monday",
        "RRULE:FREQ=MONTHLY;BYDAY=1MO",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 3, 31),
        [d(2024, 2, 5), d(2024, 3, 4)],
    ),
    # until / through cut off, inclusive; the earlier of the two wins.
    (
        "until-inclusive",
        "monthly",
        25,
        d(2023, 10, 5),
        d(2024, 1, 25),
        d(2024, 12, 31),
        [d(2023, 10, 25), d(2023, 11, 25), d(2023, 12, 25), d(2024, 1, 25)],
    ),
    (
        "until-day-before-occurrence",
        "monthly",
        25,
        d(2023, 10, 5),
        d(2024, 1, 24),
        d(2024, 12, 31),
        [d(2023, 10, 25), d(2023, 11, 25), d(2023, 12, 25)],
    ),
    (
        "through-inclusive",
        "monthly",
        25,
        d(2023, 10, 5),
        None,
        d(2023, 11, 25),
        [d(2023, 10, 25), d(2023, 11, 25)],
    ),
    (
        "through-day-before-occurrence",
        "monthly",
        25,
        d(2023, 10, 5),
        None,
        d(2023, 11, 24),
        [d(2023, 10, 25)],
    ),
    (
        "through-earlier-than-until",
        "monthly",
        25,
        d(2023, 10, 5),
        d(2024, 12, 31),
        d(2023, 11, 30),
        [d(2023, 10, 25), d(2023, 11, 25)],
    ),
    (
        "until-in-rrule-string",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=25;UNTIL=20231130",
        None,
        d(2023, 10, 5),
        None,
        d(2024, 12, 31),
        [d(2023, 10, 25), d(2023, 11, 25)],
    ),
    # The adoption day itself is never an occurrence.
    (
        "adopted-on-occurrence-day-monthly",
        "monthly",
        25,
        d(2023, 10, 25),
        None,
        d(2023, 12, 31),
        [d(2023, 11, 25), d(2023, 12, 25)],
    ),
    (
        "adopted-on-occurrence-day-weekly",
        "weekly",
        1,
        d(2024, 1, 1),
        None,
        d(2024, 1, 8),
        [d(2024, 1, 8)],
    ),
    (
        "adopted-on-occurrence-day-daily",
        "daily",
        None,
        d(2024, 1, 1),
        None,
        d(2024, 1, 2),
        [d(2024, 1, 2)],
    ),
    (
        "adopted-on-occurrence-day-rrule",
        SEMIANNUAL,
        None,
        d(2024, 6, 25),
        None,
        d(2024, 12, 31),
        [d(2024, 12, 25)],
    ),
    # Nothing to do.
    ("through-is-adoption-day", "daily", None, d(2024, 1, 1), None, d(2024, 1, 1), []),
    ("through-before-adoption", "daily", None, d(2024, 1, 10), None, d(2024, 1, 1), []),
    ("until-is-adoption-day", "daily", None, d(2024, 1, 1), d(2024, 1, 1), d(2024, 12, 31), []),
    ("until-before-adoption", "monthly", 25, d(2024, 1, 1), d(2023, 12, 31), d(2024, 12, 31), []),
    ("no-occurrence-in-window", "monthly", 25, d(2024, 1, 1), None, d(2024, 1, 24), []),
]


@pytest.mark.parametrize(
    ("every", "day", "adopted", "until", "through", "expected"),
    [case[1:] for case in OCCURRENCE_CASES],
    ids=[case[0] for case in OCCURRENCE_CASES],
)
def test_occurrence_deadlines(
    every: str,
    day: int | None,
    adopted: date,
    until: date | None,
    through: date,
    expected: list[date],
) -> None:
    got = occurrences(every, day, adopted, through, until)
    assert got == expected
    assert all(type(x) is date for x in got), "plain dates, not datetimes"


def test_rrule_string_is_taken_as_is() -> None:
    assert recurrence_rule(SEMIANNUAL, None) == SEMIANNUAL
    assert recurrence_rule(SEMIANNUAL, 3) == SEMIANNUAL


@pytest.mark.parametrize("day", [None, *range(1, 32)], ids=lambda x: f"day-{x}")
def test_monthly_day_property_over_2023_and_2024(day: int | None) -> None:
    """For adoptions through two years: day N of each month, or its last day; one per month."""
    for n in range(0, 731, 5):
        adopted = d(2023, 1, 1) + timedelta(days=n)
        through = adopted + timedelta(days=100)
        got = occurrences("monthly", day, adopted, through)
        assert got == sorted(set(got)), adopted
        assert all(adopted < x <= through for x in got), adopted
        for x in got:
            want = min(day or 31, last_day(x.year, x.month))
            assert x.day == want, (adopted, x)
        months = {(x.year, x.month) for x in got}
        assert len(months) == len(got), adopted
        # Nothing missed: every month whose occurrence is in the window is there.
        first = adopted.replace(day=1)
        month = first
        while month <= through:
            occurrence = month.replace(day=min(day or 31, last_day(month.year, month.month)))
            assert (occurrence in got) == (adopted < occurrence <= through), (adopted, occurrence)
            month = (month + timedelta(days=32)).replace(day=1)


@pytest.mark.parametrize("day", [None, 1, 15, 28, 29, 30, 31], ids=lambda x: f"day-{x}")
def test_quarterly_falls_in_quarter_end_months_only(day: int | None) -> None:
    got = occurrences("quarterly", day, d(2022, 12, 31), d(2025, 12, 31))
    assert len(got) == 12
    assert {x.month for x in got} == {3, 6, 9, 12}
    for x in got:
        assert x.day == min(day or 31, last_day(x.year, x.month))


@pytest.mark.parametrize("day", [1, 2, 3, 4, 5, 6, 7], ids=lambda x: f"day-{x}")
def test_weekly_day_is_iso_weekday_over_a_year(day: int) -> None:
    got = occurrences("weekly", day, d(2023, 12, 31), d(2024, 12, 31))
    assert len(got) in (52, 53)
    assert all(x.isoweekday() == day for x in got)
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(got))


# --------------------------------------------------------------------------------------------
# check_rule
# --------------------------------------------------------------------------------------------


def _shorthands() -> list[tuple[str, int | None]]:
    forms: list[tuple[str, int | None]] = [("daily", None), ("weekly", None)]
    forms += [("weekly", n) for n in range(1, 8)]
    for every in ("monthly", "quarterly"):
        forms += [(every, None)] + [(every, n) for n in range(1, 32)]
    return forms


@pytest.mark.parametrize(("every", "day"), _shorthands(), ids=lambda x: str(x))
def test_check_rule_accepts_every_shorthand(every: str, day: int | None) -> None:
    assert check_rule(recurrence_rule(every, day)) is None


@pytest.mark.parametrize(
    "rule",
    [
        SEMIANNUAL,
        "RRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=10",
        "RRULE:FREQ=MONTHLY;BYDAY=1MO",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=25;UNTIL=20231130",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TH",
    ],
    ids=["semiannual", "interval", "first-monday", "until-date", "two-weekdays"],
)
def test_check_rule_accepts_valid_rrules(rule: str) -> None:
    assert check_rule(rule) is None


GARBAGE = [
    ("word", "garbage"),
    ("empty", ""),
    ("bare-prefix", "RRULE:"),
    ("unknown-freq", "RRULE:FREQ=SOMETIMES"),
    ("no-freq", "RRULE:BYMONTHDAY=5"),
    ("bad-monthday", "RRULE:FREQ=MONTHLY;BYMONTHDAY=foo"),
    ("bad-weekday", "RRULE:FREQ=WEEKLY;BYDAY=XX"),
    ("unknown-parameter", "RRULE:FREQ=MONTHLY;FOO=1"),
    ("bad-count", "RRULE:FREQ=DAILY;COUNT=x"),
    ("bad-until", "RRULE:FREQ=DAILY;UNTIL=junk"),
    ("bad-setpos", "RRULE:FREQ=MONTHLY;BYSETPOS=0"),
    ("bad-hour", "RRULE:FREQ=DAILY;BYHOUR=25"),
]


@pytest.mark.parametrize("rule", [g[1] for g in GARBAGE], ids=[g[0] for g in GARBAGE])
def test_check_rule_explains_garbage(rule: str) -> None:
    why = check_rule(rule)
    assert isinstance(why, str)
    assert why.strip()


ACCEPTED_BY_DATEUTIL = [
    # id, rule, what occurrence_deadlines would do with it if check_rule let it through
    ("interval-0", "RRULE:FREQ=MONTHLY;INTERVAL=0", "never returns (infinite loop in dateutil)"),
    (
        "interval-negative",
        "RRULE:FREQ=MONTHLY;INTERVAL=-1",
        "raises ValueError 'not enough values to unpack (expected 2, got 0)'",
    ),
    ("monthday-0", "RRULE:FREQ=MONTHLY;BYMONTHDAY=0", "yields every single day"),
    ("monthday-32", "RRULE:FREQ=MONTHLY;BYMONTHDAY=32", "yields nothing, ever"),
    ("month-13", "RRULE:FREQ=MONTHLY;BYMONTH=13", "yields nothing, ever"),
]


@pytest.mark.parametrize(
    "rule",
    [g[1] for g in ACCEPTED_BY_DATEUTIL],
    ids=[g[0] for g in ACCEPTED_BY_DATEUTIL],
)
def test_check_rule_rejects_out_of_range_values(rule: str) -> None:
    """RFC 5545 forbids these values though dateutil accepts them."""
    why = check_rule(rule)
    assert isinstance(why, str)
    assert why.strip()


@pytest.mark.parametrize("day", [8, 31])
def test_weekly_day_out_of_range_is_a_value_error(day: int) -> None:
    """Not an IndexError from the weekday table: a ValueError that names the day."""
    with pytest.raises(ValueError, match=rf"\b{day}\b"):
        recurrence_rule("weekly", day)


# --------------------------------------------------------------------------------------------
# lead_days
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [((-7, -1, 0), 7), ((0, -1, -7), 7), ((-3,), 3), ((0,), 0), ((), 0), ((-1, -14), 14)],
    ids=["spec", "unsorted", "single", "only-0d", "none", "two-weeks"],
)
def test_lead_days(offsets: tuple[int, ...], expected: int) -> None:
    assert lead_days(offsets) == expected
