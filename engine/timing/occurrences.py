"""Recurring clauses: from ``every``/``day``/``until`` to the deadlines of each occurrence."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def recurrence_rule(every: str, day: int | None) -> str:
    """An RFC 5545 RRULE for the shorthand forms; an ``RRULE:…`` string is taken as is.

    ``monthly``/``quarterly`` with ``day: N`` fall on day N of the month (quarterly: of March,
    June, September and December), or its last day when the month is shorter; without ``day``,
    on the last day. ``weekly`` with ``day: N`` falls on ISO weekday N (1 = Monday; default Friday).
    """
    if every.startswith("RRULE:"):
        return every
    if every == "daily":
        return "RRULE:FREQ=DAILY"
    if every == "weekly":
        weekday = _WEEKDAYS[(day or 5) - 1]
        return f"RRULE:FREQ=WEEKLY;BYDAY={weekday}"
    days = ",".join(str(d) for d in range(28, (day or 31) + 1)) if (day or 31) > 28 else str(day)
    last = ";BYSETPOS=-1" if "," in days else ""
    months = ";BYMONTH=3,6,9,12" if every == "quarterly" else ""
    return f"RRULE:FREQ=MONTHLY{months};BYMONTHDAY={days}{last}"


def check_rule(rule: str) -> str | None:
    """None when ``rule`` parses; otherwise why not (for validation messages)."""
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 - dates only
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def occurrence_deadlines(rule: str, adopted: date, until: date | None, through: date) -> list[date]:
    """Deadlines of the occurrences after ``adopted`` up to ``through`` (and ``until``)."""
    last = min(through, until) if until else through
    if last <= adopted:
        return []
    start = datetime.combine(adopted + timedelta(days=1), datetime.min.time())
    end = datetime.combine(last, datetime.min.time())
    return [d.date() for d in rrulestr(rule, dtstart=start).between(start, end, inc=True)]


def lead_days(offsets_days: tuple[int, ...]) -> int:
    """How many days before its deadline an occurrence must exist: its earliest reminder."""
    return max((-o for o in offsets_days), default=0)
