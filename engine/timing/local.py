"""Wall-clock time in a zone ↔ instants in UTC, with DST gaps and folds decided once, here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def at_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant when the clocks in ``tz`` show ``wall`` on ``day``.

    A wall time that a spring-forward gap skips is read with the offset from before the gap, which
    lands just after the gap (02:30 becomes 03:30): later, never earlier. A wall time that a
    fall-back fold repeats is the first of the two.
    """
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def overdue_from(deadline: date, tz: ZoneInfo) -> datetime:
    """A deadline D means "by the end of D": overdue from 00:00 of D+1 in the zone."""
    return at_local(deadline + timedelta(days=1), time(0, 0), tz)


def is_overdue(deadline: date, now: datetime, tz: ZoneInfo) -> bool:
    return now >= overdue_from(deadline, tz)


def days_left(deadline: date, now: datetime, tz: ZoneInfo) -> int:
    """Calendar days from today (in the zone) to the deadline: 0 on the day, negative after."""
    return (deadline - local_date(now, tz)).days


def defer_quiet(instant: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """Move ``instant`` to the end of the quiet hours it falls in (in ``tz``); else leave it.

    Quiet hours ``(start, end)`` may wrap midnight (21:00-09:00). ``start == end`` means none.
    """
    if quiet is None or quiet[0] == quiet[1]:
        return instant
    start, end = quiet
    local = instant.astimezone(tz)
    wall, today = local.time().replace(tzinfo=None), local.date()
    if start < end:
        return _end_after(instant, today, end, tz) if start <= wall < end else instant
    if wall >= start:
        return _end_after(instant, today + timedelta(days=1), end, tz)
    if wall < end:
        return _end_after(instant, today, end, tz)
    return instant


def _end_after(instant: datetime, day: date, end: time, tz: ZoneInfo) -> datetime:
    """The first moment after ``instant`` when the clocks show ``end`` on ``day``. Inside a
    repeated (fall-back) hour the first reading of ``end`` may already be past; then the second."""
    for fold in (0, 1):
        candidate = datetime.combine(day, end, tzinfo=tz).replace(fold=fold).astimezone(UTC)
        if candidate > instant:
            return candidate
    return instant
