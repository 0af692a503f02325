"""Working days: weekends and Russian public holidays, transferred days included.

The ``holidays`` package knows the Government's yearly transfers (a working Saturday, a day off
moved to bridge a holiday); a policy with ``working_days: true`` moves deadlines and reminders off
non-working days — to the next working day, later and never earlier.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Protocol


class WorkCalendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


@cache
def russian_calendar() -> WorkCalendar:
    """Russia's production calendar (years are filled in on demand)."""
    import holidays  # imported when first needed: it is large, and most policies never ask

    calendar: WorkCalendar = holidays.country_holidays("RU")
    return calendar


def next_working_day(day: date, calendar: WorkCalendar) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for _ in range(31):  # the longest Russian run of days off is the New Year's ~10
        if calendar.is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no working day within a month after {day}")
