"""Wall time in a zone ↔ UTC instants: DST gaps and folds, the end of a day, quiet hours.

Pinned rules (README): dates count in the resolution's zone; a deadline D is overdue from
00:00 of D+1 local; a wall time skipped by a spring-forward gap lands after the gap (02:30 → 03:30),
a repeated one is the first; quiet hours defer a send to their end, never earlier, never drop it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.timing.local import (
    at_local,
    days_left,
    defer_quiet,
    is_overdue,
    local_date,
    overdue_from,
)

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
KALININGRAD = ZoneInfo("Europe/Kaliningrad")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
ZONES = {
    "Moscow": MOSCOW,
    "Vladivostok": VLADIVOSTOK,
    "Kaliningrad": KALININGRAD,
    "New_York": NEW_YORK,
    "Berlin": BERLIN,
}
QUIET = (time(21, 0), time(9, 0))  # the default quiet hours
TICK = timedelta(microseconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --------------------------------------------------------------------------------------------
# at_local
# --------------------------------------------------------------------------------------------

AT_LOCAL_CASES = [
    # id, zone, day, wall, expected UTC instant
    ("moscow-0900", MOSCOW, date(2023, 10, 13), "09:00", utc(2023, 10, 13, 6)),
    ("moscow-midnight", MOSCOW, date(2023, 10, 21), "00:00", utc(2023, 10, 20, 21)),
    ("moscow-no-dst-2024-03-31", MOSCOW, date(2024, 3, 31), "02:30", utc(2024, 3, 30, 23, 30)),
    ("moscow-no-dst-2024-10-27", MOSCOW, date(2024, 10, 27), "02:30", utc(2024, 10, 26, 23, 30)),
    (
        "vladivostok-0900-previous-utc-day",
        VLADIVOSTOK,
        date(2023, 10, 20),
        "09:00",
        utc(2023, 10, 19, 23),
    ),
    (
        "vladivostok-no-dst-2024-03-31",
        VLADIVOSTOK,
        date(2024, 3, 31),
        "02:30",
        utc(2024, 3, 30, 16, 30),
    ),
    ("kaliningrad-0900", KALININGRAD, date(2023, 10, 20), "09:00", utc(2023, 10, 20, 7)),
    (
        "kaliningrad-no-dst-2023-03-26",
        KALININGRAD,
        date(2023, 3, 26),
        "02:30",
        utc(2023, 3, 26, 0, 30),
    ),
    (
        "kaliningrad-no-dst-2023-10-29",
        KALININGRAD,
        date(2023, 10, 29),
        "02:30",
        utc(2023, 10, 29, 0, 30),
    ),
    # Berlin: spring forward 02:00 CET → 03:00 CEST; fall back 03:00 CEST → 02:00 CET.
    ("berlin-2023-spring-0230-gap", BERLIN, date(2023, 3, 26), "02:30", utc(2023, 3, 26, 1, 30)),
    ("berlin-2024-spring-0230-gap", BERLIN, date(2024, 3, 31), "02:30", utc(2024, 3, 31, 1, 30)),
    (
        "berlin-2024-spring-0200-gap-start",
        BERLIN,
        date(2024, 3, 31),
        "02:00",
        utc(2024, 3, 31, 1, 0),
    ),
    (
        "berlin-2024-spring-0159-before-gap",
        BERLIN,
        date(2024, 3, 31),
        "01:59",
        utc(2024, 3, 31, 0, 59),
    ),
    (
        "berlin-2024-spring-0300-after-gap",
        BERLIN,
        date(2024, 3, 31),
        "03:00",
        utc(2024, 3, 31, 1, 0),
    ),
    ("berlin-2024-spring-0900", BERLIN, date(2024, 3, 31), "09:00", utc(2024, 3, 31, 7)),
    ("berlin-2024-day-before-spring-0900", BERLIN, date(2024, 3, 30), "09:00", utc(2024, 3, 30, 8)),
    ("berlin-2023-fall-0230-first", BERLIN, date(2023, 10, 29), "02:30", utc(2023, 10, 29, 0, 30)),
    ("berlin-2024-fall-0230-first", BERLIN, date(2024, 10, 27), "02:30", utc(2024, 10, 27, 0, 30)),
    ("berlin-2024-fall-0200-first", BERLIN, date(2024, 10, 27), "02:00", utc(2024, 10, 27, 0, 0)),
    (
        "berlin-2024-fall-0300-after-fold",
        BERLIN,
        date(2024, 10, 27),
        "03:00",
        utc(2024, 10, 27, 2, 0),
    ),
    # New York: spring forward 02:00 EST → 03:00 EDT; fall back 02:00 EDT → 01:00 EST.
    (
        "new-york-2023-spring-0230-gap",
        NEW_YORK,
        date(2023, 3, 12),
        "02:30",
        utc(2023, 3, 12, 7, 30),
    ),
    (
        "new-york-2024-spring-0230-gap",
        NEW_YORK,
        date(2024, 3, 10),
        "02:30",
        utc(2024, 3, 10, 7, 30),
    ),
    (
        "new-york-2023-fall-0130-first",
        NEW_YORK,
        date(2023, 11, 5),
        "01:30",
        utc(2023, 11, 5, 5, 30),
    ),
    (
        "new-york-2024-fall-0130-first",
        NEW_YORK,
        date(2024, 11, 3),
        "01:30",
        utc(2024, 11, 3, 5, 30),
    ),
    (
        "new-york-2024-fall-0230-unambiguous",
        NEW_YORK,
        date(2024, 11, 3),
        "02:30",
        utc(2024, 11, 3, 7, 30),
    ),
]


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [case[1:] for case in AT_LOCAL_CASES],
    ids=[case[0] for case in AT_LOCAL_CASES],
)
def test_at_local(zone: ZoneInfo, day: date, wall: str, expected: datetime) -> None:
    got = at_local(day, hm(wall), zone)
    assert got == expected
    assert got.utcoffset() == timedelta(0), "at_local returns UTC instants"


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (BERLIN, date(2023, 3, 26)),
        (BERLIN, date(2024, 3, 31)),
        (NEW_YORK, date(2023, 3, 12)),
        (NEW_YORK, date(2024, 3, 10)),
    ],
    ids=["berlin-2023", "berlin-2024", "new-york-2023", "new-york-2024"],
)
def test_at_local_in_spring_gap_reads_0330_never_earlier(zone: ZoneInfo, day: date) -> None:
    local = at_local(day, time(2, 30), zone).astimezone(zone)
    assert (local.date(), local.time()) == (day, time(3, 30))


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        (BERLIN, date(2023, 10, 29), "02:30"),
        (BERLIN, date(2024, 10, 27), "02:30"),
        (NEW_YORK, date(2023, 11, 5), "01:30"),
        (NEW_YORK, date(2024, 11, 3), "01:30"),
    ],
    ids=["berlin-2023", "berlin-2024", "new-york-2023", "new-york-2024"],
)
def test_at_local_in_fall_fold_is_the_first_occurrence(
    zone: ZoneInfo, day: date, wall: str
) -> None:
    first = at_local(day, hm(wall), zone)
    second = first + timedelta(hours=1)
    assert first.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, hm(wall))
    assert second.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, hm(wall))
    assert first.astimezone(zone).dst() == timedelta(hours=1), "the summer-time reading"


@pytest.mark.parametrize("zone_name", list(ZONES))
def test_at_local_property_over_2023_and_2024(zone_name: str) -> None:
    """Every day of two years: the wall time shown, or just after a gap; the first of a fold."""
    zone = ZONES[zone_name]
    walls = [hm(w) for w in ("00:00", "01:30", "02:00", "02:30", "03:00", "09:00", "23:59")]
    for day in days(date(2023, 1, 1), date(2024, 12, 31)):
        for wall in walls:
            instant = at_local(day, wall, zone)
            shown = instant.astimezone(zone)
            wanted = datetime.combine(day, wall)
            got = shown.replace(tzinfo=None)
            assert got >= wanted, (day, wall)
            if got != wanted:  # only in a spring-forward gap, and then by exactly its width
                assert got - wanted == timedelta(hours=1), (day, wall)
                assert shown.dst() == timedelta(hours=1), (day, wall)
            # No earlier instant shows the same wall time on that day (first of a fold).
            earlier = (instant - timedelta(hours=1)).astimezone(zone).replace(tzinfo=None)
            assert earlier != wanted, (day, wall)


def test_local_date_counts_in_the_zone() -> None:
    instant = utc(2023, 10, 19, 23, 30)
    assert local_date(instant, MOSCOW) == date(2023, 10, 20)
    assert local_date(instant, VLADIVOSTOK) == date(2023, 10, 20)
    assert local_date(instant, NEW_YORK) == date(2023, 10, 19)
    assert local_date(utc(2023, 10, 19, 13, 59), VLADIVOSTOK) == date(2023, 10, 19)
    assert local_date(utc(2023, 10, 19, 14, 0), VLADIVOSTOK) == date(2023, 10, 20)


# --------------------------------------------------------------------------------------------
# overdue_from / is_overdue / days_left
# --------------------------------------------------------------------------------------------

OVERDUE_CASES = [
    # id, zone, deadline, overdue from (00:00 of D+1 local, as UTC)
    ("spec-example-moscow", MOSCOW, date(2023, 10, 20), utc(2023, 10, 20, 21)),
    ("vladivostok", VLADIVOSTOK, date(2023, 10, 20), utc(2023, 10, 20, 14)),
    ("kaliningrad", KALININGRAD, date(2023, 10, 20), utc(2023, 10, 20, 22)),
    ("moscow-leap-day", MOSCOW, date(2024, 2, 29), utc(2024, 2, 29, 21)),
    ("moscow-new-year", MOSCOW, date(2023, 12, 31), utc(2023, 12, 31, 21)),
    ("berlin-2023-day-before-spring", BERLIN, date(2023, 3, 25), utc(2023, 3, 25, 23)),
    ("berlin-2023-spring-day", BERLIN, date(2023, 3, 26), utc(2023, 3, 26, 22)),
    ("berlin-2023-fall-day", BERLIN, date(2023, 10, 29), utc(2023, 10, 29, 23)),
    ("berlin-2024-day-before-spring", BERLIN, date(2024, 3, 30), utc(2024, 3, 30, 23)),
    ("berlin-2024-spring-day", BERLIN, date(2024, 3, 31), utc(2024, 3, 31, 22)),
    ("berlin-2024-day-before-fall", BERLIN, date(2024, 10, 26), utc(2024, 10, 26, 22)),
    ("berlin-2024-fall-day", BERLIN, date(2024, 10, 27), utc(2024, 10, 27, 23)),
    ("new-york-2023-spring-day", NEW_YORK, date(2023, 3, 12), utc(2023, 3, 13, 4)),
    ("new-york-2023-fall-day", NEW_YORK, date(2023, 11, 5), utc(2023, 11, 6, 5)),
    ("new-york-2024-day-before-spring", NEW_YORK, date(2024, 3, 9), utc(2024, 3, 10, 5)),
    ("new-york-2024-spring-day", NEW_YORK, date(2024, 3, 10), utc(2024, 3, 11, 4)),
    ("new-york-2024-day-before-fall", NEW_YORK, date(2024, 11, 2), utc(2024, 11, 3, 4)),
    ("new-york-2024-fall-day", NEW_YORK, date(2024, 11, 3), utc(2024, 11, 4, 5)),
]


@pytest.mark.parametrize(
    ("zone", "deadline", "expected"),
    [case[1:] for case in OVERDUE_CASES],
    ids=[case[0] for case in OVERDUE_CASES],
)
def test_overdue_from_is_midnight_after_the_deadline(
    zone: ZoneInfo, deadline: date, expected: datetime
) -> None:
    got = overdue_from(deadline, zone)
    assert got == expected
    shown = got.astimezone(zone)
    assert (shown.date(), shown.time()) == (deadline + timedelta(days=1), time(0, 0))


@pytest.mark.parametrize(
    ("zone", "deadline", "boundary"),
    [case[1:] for case in OVERDUE_CASES],
    ids=[case[0] for case in OVERDUE_CASES],
)
def test_is_overdue_flips_exactly_at_midnight(
    zone: ZoneInfo, deadline: date, boundary: datetime
) -> None:
    assert not is_overdue(deadline, boundary - TICK, zone)
    assert is_overdue(deadline, boundary, zone)
    assert is_overdue(deadline, boundary + timedelta(days=30), zone)
    assert not is_overdue(deadline, boundary - timedelta(days=30), zone)


DAYS_LEFT_CASES = [
    # id, zone, deadline, now, days left
    ("spec-example-week-before", MOSCOW, date(2023, 10, 20), utc(2023, 10, 13, 6), 7),
    ("spec-example-last-minute", MOSCOW, date(2023, 10, 20), utc(2023, 10, 20, 20, 59), 0),
    ("spec-example-overdue", MOSCOW, date(2023, 10, 20), utc(2023, 10, 20, 21), -1),
    (
        "spec-example-utc-day-before-is-local-day",
        MOSCOW,
        date(2023, 10, 20),
        utc(2023, 10, 19, 21),
        0,
    ),
    ("vladivostok-day-starts-at-14-utc", VLADIVOSTOK, date(2023, 10, 20), utc(2023, 10, 19, 14), 0),
    ("vladivostok-eve", VLADIVOSTOK, date(2023, 10, 20), utc(2023, 10, 19, 13, 59), 1),
    ("kaliningrad-eve", KALININGRAD, date(2023, 10, 20), utc(2023, 10, 19, 21, 59), 1),
    ("berlin-spring-eve", BERLIN, date(2024, 3, 31), utc(2024, 3, 30, 22, 59), 1),
    ("berlin-spring-day-starts", BERLIN, date(2024, 3, 31), utc(2024, 3, 30, 23), 0),
    ("berlin-spring-day-ends", BERLIN, date(2024, 3, 31), utc(2024, 3, 31, 21, 59), 0),
    ("berlin-spring-day-after", BERLIN, date(2024, 3, 31), utc(2024, 3, 31, 22), -1),
    ("berlin-fall-eve", BERLIN, date(2024, 10, 27), utc(2024, 10, 26, 21, 59), 1),
    ("berlin-fall-day-starts", BERLIN, date(2024, 10, 27), utc(2024, 10, 26, 22), 0),
    ("berlin-fall-day-ends", BERLIN, date(2024, 10, 27), utc(2024, 10, 27, 22, 59), 0),
    ("berlin-fall-day-after", BERLIN, date(2024, 10, 27), utc(2024, 10, 27, 23), -1),
    ("new-york-spring-eve", NEW_YORK, date(2024, 3, 10), utc(2024, 3, 10, 4, 59), 1),
    ("new-york-spring-day-starts", NEW_YORK, date(2024, 3, 10), utc(2024, 3, 10, 5), 0),
    ("new-york-spring-day-ends", NEW_YORK, date(2024, 3, 10), utc(2024, 3, 11, 3, 59), 0),
    ("new-york-spring-day-after", NEW_YORK, date(2024, 3, 10), utc(2024, 3, 11, 4), -1),
    ("new-york-fall-eve", NEW_YORK, date(2024, 11, 3), utc(2024, 11, 3, 3, 59), 1),
    ("new-york-fall-day-starts", NEW_YORK, date(2024, 11, 3), utc(2024, 11, 3, 4), 0),
    ("new-york-fall-day-ends", NEW_YORK, date(2024, 11, 3), utc(2024, 11, 4, 4, 59), 0),
    ("new-york-fall-day-after", NEW_YORK, date(2024, 11, 3), utc(2024, 11, 4, 5), -1),
    ("long-overdue", MOSCOW, date(2023, 10, 20), utc(2023, 11, 20, 12), -31),
]


@pytest.mark.parametrize(
    ("zone", "deadline", "now", "expected"),
    [case[1:] for case in DAYS_LEFT_CASES],
    ids=[case[0] for case in DAYS_LEFT_CASES],
)
def test_days_left(zone: ZoneInfo, deadline: date, now: datetime, expected: int) -> None:
    assert days_left(deadline, now, zone) == expected
    assert is_overdue(deadline, now, zone) == (expected < 0)


@pytest.mark.parametrize("zone_name", ["Berlin", "New_York", "Moscow"])
def test_days_left_negative_exactly_when_overdue(zone_name: str) -> None:
    """Hour by hour around every deadline near both 2024 transitions."""
    zone = ZONES[zone_name]
    deadlines = days(date(2024, 3, 5), date(2024, 4, 3)) + days(
        date(2024, 10, 24), date(2024, 11, 7)
    )
    for deadline in deadlines:
        start = utc(deadline.year, deadline.month, deadline.day) - timedelta(days=2)
        for step in range(0, 4 * 24 * 4):
            now = start + timedelta(minutes=15 * step)
            left = days_left(deadline, now, zone)
            assert is_overdue(deadline, now, zone) == (left < 0), (deadline, now)
            on_the_day = overdue_from(deadline - timedelta(days=1), zone) <= now
            assert (left == 0) == (on_the_day and now < overdue_from(deadline, zone)), (
                deadline,
                now,
            )


# --------------------------------------------------------------------------------------------
# defer_quiet
# --------------------------------------------------------------------------------------------

DEFER_CASES = [
    # id, zone, quiet, instant, expected
    ("wrap-before-start", MOSCOW, QUIET, utc(2023, 10, 20, 17, 59), utc(2023, 10, 20, 17, 59)),
    ("wrap-exactly-at-start", MOSCOW, QUIET, utc(2023, 10, 20, 18), utc(2023, 10, 21, 6)),
    ("wrap-late-evening", MOSCOW, QUIET, utc(2023, 10, 20, 20, 30), utc(2023, 10, 21, 6)),
    ("wrap-exactly-midnight", MOSCOW, QUIET, utc(2023, 10, 20, 21), utc(2023, 10, 21, 6)),
    ("wrap-early-morning", MOSCOW, QUIET, utc(2023, 10, 21, 2), utc(2023, 10, 21, 6)),
    ("wrap-just-before-end", MOSCOW, QUIET, utc(2023, 10, 21, 5, 59), utc(2023, 10, 21, 6)),
    ("wrap-exactly-at-end", MOSCOW, QUIET, utc(2023, 10, 21, 6), utc(2023, 10, 21, 6)),
    ("wrap-midday", MOSCOW, QUIET, utc(2023, 10, 21, 9), utc(2023, 10, 21, 9)),
    ("wrap-month-end", MOSCOW, QUIET, utc(2023, 10, 31, 19), utc(2023, 11, 1, 6)),
    (
        "no-wrap-before",
        MOSCOW,
        (hm("13:00"), hm("14:00")),
        utc(2023, 10, 20, 9, 59),
        utc(2023, 10, 20, 9, 59),
    ),
    (
        "no-wrap-exactly-at-start",
        MOSCOW,
        (hm("13:00"), hm("14:00")),
        utc(2023, 10, 20, 10),
        utc(2023, 10, 20, 11),
    ),
    (
        "no-wrap-inside",
        MOSCOW,
        (hm("13:00"), hm("14:00")),
        utc(2023, 10, 20, 10, 59),
        utc(2023, 10, 20, 11),
    ),
    (
        "no-wrap-exactly-at-end",
        MOSCOW,
        (hm("13:00"), hm("14:00")),
        utc(2023, 10, 20, 11),
        utc(2023, 10, 20, 11),
    ),
    (
        "no-wrap-from-midnight",
        MOSCOW,
        (hm("00:00"), hm("07:00")),
        utc(2023, 10, 20, 21),
        utc(2023, 10, 21, 4),
    ),
    (
        "wrap-ending-at-midnight",
        MOSCOW,
        (hm("22:00"), hm("00:00")),
        utc(2023, 10, 20, 19),
        utc(2023, 10, 20, 21),
    ),
    ("disabled-none", MOSCOW, None, utc(2023, 10, 20, 20, 30), utc(2023, 10, 20, 20, 30)),
    (
        "disabled-start-equals-end",
        MOSCOW,
        (hm("09:00"), hm("09:00")),
        utc(2023, 10, 20, 20, 30),
        utc(2023, 10, 20, 20, 30),
    ),
    (
        "disabled-start-equals-end-at-that-time",
        MOSCOW,
        (hm("09:00"), hm("09:00")),
        utc(2023, 10, 20, 6),
        utc(2023, 10, 20, 6),
    ),
    # 20:00 Moscow is 03:00 in Vladivostok: quiet there until 09:00 Vladivostok = 23:00 UTC.
    (
        "vladivostok-recipient-0300",
        VLADIVOSTOK,
        QUIET,
        utc(2023, 10, 20, 17),
        utc(2023, 10, 20, 23),
    ),
    ("vladivostok-recipient-1600", VLADIVOSTOK, QUIET, utc(2023, 10, 20, 6), utc(2023, 10, 20, 6)),
    ("kaliningrad-2100", KALININGRAD, QUIET, utc(2023, 10, 20, 19), utc(2023, 10, 21, 7)),
    # Quiet hours across DST transitions: the end is 09:00 of the new offset.
    ("berlin-night-into-spring", BERLIN, QUIET, utc(2024, 3, 30, 21), utc(2024, 3, 31, 7)),
    ("berlin-inside-spring-gap-night", BERLIN, QUIET, utc(2024, 3, 31, 1), utc(2024, 3, 31, 7)),
    ("berlin-night-into-fall", BERLIN, QUIET, utc(2024, 10, 26, 20), utc(2024, 10, 27, 8)),
    (
        "berlin-inside-fall-fold-second",
        BERLIN,
        QUIET,
        utc(2024, 10, 27, 1, 30),
        utc(2024, 10, 27, 8),
    ),
    ("new-york-night-into-spring", NEW_YORK, QUIET, utc(2024, 3, 10, 3), utc(2024, 3, 10, 13)),
    ("new-york-night-into-fall", NEW_YORK, QUIET, utc(2024, 11, 3, 2), utc(2024, 11, 3, 14)),
    ("new-york-fall-fold-first", NEW_YORK, QUIET, utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 14)),
    ("new-york-fall-fold-second", NEW_YORK, QUIET, utc(2024, 11, 3, 6, 30), utc(2024, 11, 3, 14)),
    # A quiet end skipped by the gap lands after the gap, as at_local reads it (02:30 → 03:30).
    (
        "berlin-quiet-end-in-spring-gap",
        BERLIN,
        (hm("00:00"), hm("02:30")),
        utc(2024, 3, 31, 0, 30),
        utc(2024, 3, 31, 1, 30),
    ),
]


@pytest.mark.parametrize(
    ("zone", "quiet", "instant", "expected"),
    [case[1:] for case in DEFER_CASES],
    ids=[case[0] for case in DEFER_CASES],
)
def test_defer_quiet(
    zone: ZoneInfo, quiet: tuple[time, time] | None, instant: datetime, expected: datetime
) -> None:
    got = defer_quiet(instant, quiet, zone)
    assert got == expected
    assert got >= instant


def test_defer_quiet_end_inside_fall_fold_from_second_pass() -> None:
    # 2024-10-27 01:15 UTC is 02:15 CET, the second 02:15 in Berlin; quiet 00:00-02:30 local.
    instant = utc(2024, 10, 27, 1, 15)
    got = defer_quiet(instant, (hm("00:00"), hm("02:30")), BERLIN)
    assert got == utc(2024, 10, 27, 1, 30)  # 02:30 CET, the end of the quiet hours


def _in_quiet(wall: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


@pytest.mark.parametrize("zone_name", ["Berlin", "New_York", "Vladivostok"])
@pytest.mark.parametrize(
    "quiet",
    [QUIET, (hm("13:00"), hm("14:00")), (hm("23:00"), hm("06:00")), (hm("00:00"), hm("07:00"))],
    ids=["21-09", "13-14", "23-06", "00-07"],
)
def test_defer_quiet_property_over_2024(zone_name: str, quiet: tuple[time, time]) -> None:
    """Every half hour of 2024: never earlier, never inside quiet hours, within a day, stable."""
    zone = ZONES[zone_name]
    start = utc(2024, 1, 1)
    for step in range(366 * 48):
        instant = start + timedelta(minutes=30 * step)
        got = defer_quiet(instant, quiet, zone)
        assert instant <= got < instant + timedelta(days=1), instant
        wall = got.astimezone(zone).time()
        assert not _in_quiet(wall, quiet), (instant, got)
        if not _in_quiet(instant.astimezone(zone).time(), quiet):
            assert got == instant, instant
        else:
            assert wall == quiet[1], (instant, got)
        assert defer_quiet(got, quiet, zone) == got, instant
