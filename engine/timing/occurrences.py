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
        if not 1 <= (day or 5) <= 7:
            raise ValueError(f"weekly day must be an ISO weekday 1..7, not {day}")
        weekday = _WEEKDAYS[(day or 5) - 1]
        return f"RRULE:FREQ=WEEKLY;BYDAY={weekday}"
    days = ",".join(str(d) for d in range(28, (day or 31) + 1)) if (day or 31) > 28 else str(day)
    last = ";BYSETPOS=-1" if "," in days else ""
    months = ";BYMONTH=3,6,9,12" if every == "quarterly" else ""
    return f"RRULE:FREQ=MONTHLY{months};BYMONTHDAY={days}{last}"


_RANGES = {"BYMONTH": (1, 12), "BYMONTHDAY": (1, 31), "BYYEARDAY": (1, 366), "BYWEEKNO": (1, 53)}


def check_rule(rule: str) -> str | None:
    """None when ``rule`` is a usable RRULE; otherwise why not, for a validation message.

    dateutil accepts values RFC 5545 forbids (INTERVAL=0 loops forever, BYMONTHDAY=0 yields every
    day, BYMONTH=13 yields nothing), so ranges are checked here first; then the rule must yield
    at least one date within ten years.
    """
    parts = dict(p.partition("=")[::2] for p in rule.removeprefix("RRULE:").split(";") if p)
    if parts.get("FREQ") in ("HOURLY", "MINUTELY", "SECONDLY") or any(
        key in parts for key in ("BYHOUR", "BYMINUTE", "BYSECOND")
    ):
        return "сроки считаются в днях: FREQ не чаще DAILY, без BYHOUR/BYMINUTE/BYSECOND"
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdigit() and int(parts[key]) > 0):
            return f"{key} должен быть целым числом больше нуля"
    for key, (low, high) in _RANGES.items():
        for value in filter(None, parts.get(key, "").split(",")):
            number = value.lstrip("+-")
            if not number.isdigit() or not low <= int(number) <= high:
                return f"{key}={value}: допустимо от {low} до {high} (или от -{high} до -{low})"
    start = datetime(2000, 1, 1)  # noqa: DTZ001 - recurrences are in dates, not instants
    try:
        parsed = rrulestr(rule, dtstart=start)
        if not parsed.between(start, start.replace(year=2010), inc=True):
            return "правило не даёт ни одной даты"
    except (ValueError, TypeError, IndexError) as exc:
        return str(exc)
    return None


def occurrence_deadlines(
    rule: str, adopted: date, until: date | None, through: date, *, after: date | None = None
) -> list[date]:
    """Deadlines of the occurrences after ``adopted`` (and after ``after``, when given) up to
    ``through`` (and ``until``). The rule always counts from the adoption, so that INTERVAL and
    weekly rhythms do not shift with the window asked for."""
    last = min(through, until) if until else through
    first = max(adopted, after) if after else adopted
    if last <= first:
        return []
    start = datetime.combine(adopted + timedelta(days=1), datetime.min.time())
    low = datetime.combine(first + timedelta(days=1), datetime.min.time())
    end = datetime.combine(last, datetime.min.time())
    return [d.date() for d in rrulestr(rule, dtstart=start).between(low, end, inc=True)]


def lead_days(offsets_days: tuple[int, ...]) -> int:
    """How many days before its deadline an occurrence must exist: its earliest reminder."""
    return max((-o for o in offsets_days), default=0)
