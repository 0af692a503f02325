"""Reminder slots of one deadline: when each is due, when it expires, which one is live.

Pinned rules (README): an offset -Nd is sent on D-N at remind_at in the resolution's
zone, 0d on D itself; quiet hours (default 21:00-09:00, in the recipient's zone) defer a send to
their end, never earlier, never dropped; D is overdue from 00:00 of D+1 local.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.timing.local import at_local, overdue_from
from engine.timing.reminders import (
    ReminderRules,
    Slot,
    live_slot,
    next_check_at,
    next_slot_after,
    reminder_slots,
)

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
KALININGRAD = ZoneInfo("Europe/Kaliningrad")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
QUIET = (time(21, 0), time(9, 0))  # the default quiet hours
SPEC_OFFSETS = (-7, -1, 0)
TICK = timedelta(microseconds=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def rules(
    remind_at: str = "09:00",
    offsets: tuple[int, ...] = SPEC_OFFSETS,
    quiet: tuple[time, time] | None = QUIET,
) -> ReminderRules:
    return ReminderRules(offsets_days=offsets, remind_at=hm(remind_at), quiet_hours=quiet)


def table(slots: tuple[Slot, ...]) -> list[tuple[int, datetime, datetime]]:
    return [(s.offset_days, s.due_at, s.expires_at) for s in slots]


def dues(slots: tuple[Slot, ...]) -> list[tuple[int, datetime]]:
    return [(s.offset_days, s.due_at) for s in slots]


# The example of the spec: 20 Oct 2023, Europe/Moscow, [-7d, -1d, 0d] at 09:00.
SPEC_DEADLINE = date(2023, 10, 20)
SPEC_SLOTS = reminder_slots(SPEC_DEADLINE, rules(), MOSCOW)


def test_spec_example() -> None:
    assert table(SPEC_SLOTS) == [
        (-7, utc(2023, 10, 13, 6), utc(2023, 10, 19, 6)),
        (-1, utc(2023, 10, 19, 6), utc(2023, 10, 20, 6)),
        (0, utc(2023, 10, 20, 6), utc(2023, 10, 20, 21)),
    ]
    assert overdue_from(SPEC_DEADLINE, MOSCOW) == utc(2023, 10, 20, 21)


@pytest.mark.parametrize(
    "offsets",
    [(0, -1, -7), (-1, -7, 0, -1), (0, 0, -7, -7, -1)],
    ids=["unsorted", "duplicate", "all-duplicated"],
)
def test_offsets_are_sorted_and_deduplicated(offsets: tuple[int, ...]) -> None:
    assert reminder_slots(SPEC_DEADLINE, rules(offsets=offsets), MOSCOW) == SPEC_SLOTS


def test_empty_offsets_give_no_slots() -> None:
    slots = reminder_slots(SPEC_DEADLINE, rules(offsets=()), MOSCOW)
    assert slots == ()
    assert live_slot(slots, utc(2023, 10, 20, 6)) is None
    assert next_slot_after(slots, utc(2023, 10, 1)) is None
    assert next_check_at(slots, utc(2023, 10, 1)) is None


def test_single_offset_expires_when_overdue() -> None:
    slots = reminder_slots(SPEC_DEADLINE, rules(offsets=(-3,)), MOSCOW)
    assert table(slots) == [(-3, utc(2023, 10, 17, 6), utc(2023, 10, 20, 21))]


# --------------------------------------------------------------------------------------------
# Zones and DST transitions
# --------------------------------------------------------------------------------------------

ZONE_CASES = [
    # id, zone, deadline, remind_at, quiet, [(offset, due UTC)], overdue from
    (
        "vladivostok-0900",
        VLADIVOSTOK,
        date(2023, 10, 20),
        "09:00",
        QUIET,
        [(-7, utc(2023, 10, 12, 23)), (-1, utc(2023, 10, 18, 23)), (0, utc(2023, 10, 19, 23))],
        utc(2023, 10, 20, 14),
    ),
    (
        "kaliningrad-0900-no-dst-on-berlin-spring-day",
        KALININGRAD,
        date(2024, 3, 31),
        "09:00",
        QUIET,
        [(-7, utc(2024, 3, 24, 7)), (-1, utc(2024, 3, 30, 7)), (0, utc(2024, 3, 31, 7))],
        utc(2024, 3, 31, 22),
    ),
    (
        "moscow-0900-no-dst-on-berlin-fall-day",
        MOSCOW,
        date(2024, 10, 27),
        "09:00",
        QUIET,
        [(-7, utc(2024, 10, 20, 6)), (-1, utc(2024, 10, 26, 6)), (0, utc(2024, 10, 27, 6))],
        utc(2024, 10, 27, 21),
    ),
    (
        "berlin-2024-deadline-on-spring-day-0900",
        BERLIN,
        date(2024, 3, 31),
        "09:00",
        QUIET,
        [(-7, utc(2024, 3, 24, 8)), (-1, utc(2024, 3, 30, 8)), (0, utc(2024, 3, 31, 7))],
        utc(2024, 3, 31, 22),
    ),
    (
        "berlin-2024-deadline-on-fall-day-0900",
        BERLIN,
        date(2024, 10, 27),
        "09:00",
        QUIET,
        [(-7, utc(2024, 10, 20, 7)), (-1, utc(2024, 10, 26, 7)), (0, utc(2024, 10, 27, 8))],
        utc(2024, 10, 27, 23),
    ),
    (
        "berlin-2023-spring-day-0230-lands-0330",
        BERLIN,
        date(2023, 3, 26),
        "02:30",
        None,
        [
            (-7, utc(2023, 3, 19, 1, 30)),
            (-1, utc(2023, 3, 25, 1, 30)),
            (0, utc(2023, 3, 26, 1, 30)),
        ],
        utc(2023, 3, 26, 22),
    ),
    (
        "berlin-2024-spring-day-0230-lands-0330",
        BERLIN,
        date(2024, 3, 31),
        "02:30",
        None,
        [
            (-7, utc(2024, 3, 24, 1, 30)),
            (-1, utc(2024, 3, 30, 1, 30)),
            (0, utc(2024, 3, 31, 1, 30)),
        ],
        utc(2024, 3, 31, 22),
    ),
    (
        "berlin-2024-spring-day-0230-in-quiet-hours",
        BERLIN,
        date(2024, 3, 31),
        "02:30",
        QUIET,
        [(-7, utc(2024, 3, 24, 8)), (-1, utc(2024, 3, 30, 8)), (0, utc(2024, 3, 31, 7))],
        utc(2024, 3, 31, 22),
    ),
    (
        "berlin-2023-fall-day-0230-first",
        BERLIN,
        date(2023, 10, 29),
        "02:30",
        None,
        [
            (-7, utc(2023, 10, 22, 0, 30)),
            (-1, utc(2023, 10, 28, 0, 30)),
            (0, utc(2023, 10, 29, 0, 30)),
        ],
        utc(2023, 10, 29, 23),
    ),
    (
        "berlin-2024-fall-day-0230-first",
        BERLIN,
        date(2024, 10, 27),
        "02:30",
        None,
        [
            (-7, utc(2024, 10, 20, 0, 30)),
            (-1, utc(2024, 10, 26, 0, 30)),
            (0, utc(2024, 10, 27, 0, 30)),
        ],
        utc(2024, 10, 27, 23),
    ),
    (
        "new-york-2023-deadline-on-spring-day-0900",
        NEW_YORK,
        date(2023, 3, 12),
        "09:00",
        QUIET,
        [(-7, utc(2023, 3, 5, 14)), (-1, utc(2023, 3, 11, 14)), (0, utc(2023, 3, 12, 13))],
        utc(2023, 3, 13, 4),
    ),
    (
        "new-york-2023-deadline-on-fall-day-0900",
        NEW_YORK,
        date(2023, 11, 5),
        "09:00",
        QUIET,
        [(-7, utc(2023, 10, 29, 13)), (-1, utc(2023, 11, 4, 13)), (0, utc(2023, 11, 5, 14))],
        utc(2023, 11, 6, 5),
    ),
    (
        "new-york-2024-spring-day-0230-lands-0330",
        NEW_YORK,
        date(2024, 3, 10),
        "02:30",
        None,
        [(-7, utc(2024, 3, 3, 7, 30)), (-1, utc(2024, 3, 9, 7, 30)), (0, utc(2024, 3, 10, 7, 30))],
        utc(2024, 3, 11, 4),
    ),
    (
        "new-york-2024-fall-day-0130-first",
        NEW_YORK,
        date(2024, 11, 3),
        "01:30",
        None,
        [
            (-7, utc(2024, 10, 27, 5, 30)),
            (-1, utc(2024, 11, 2, 5, 30)),
            (0, utc(2024, 11, 3, 5, 30)),
        ],
        utc(2024, 11, 4, 5),
    ),
]


@pytest.mark.parametrize(
    ("zone", "deadline", "remind_at", "quiet", "expected", "overdue"),
    [case[1:] for case in ZONE_CASES],
    ids=[case[0] for case in ZONE_CASES],
)
def test_slots_in_zones_and_around_dst(
    zone: ZoneInfo,
    deadline: date,
    remind_at: str,
    quiet: tuple[time, time] | None,
    expected: list[tuple[int, datetime]],
    overdue: datetime,
) -> None:
    slots = reminder_slots(deadline, rules(remind_at, quiet=quiet), zone)
    assert dues(slots) == expected
    assert overdue_from(deadline, zone) == overdue
    assert [s.expires_at for s in slots] == [due for _, due in expected[1:]] + [overdue]


@pytest.mark.parametrize(
    ("zone", "deadline"),
    [
        (BERLIN, date(2023, 3, 26)),
        (BERLIN, date(2024, 3, 31)),
        (NEW_YORK, date(2023, 3, 12)),
        (NEW_YORK, date(2024, 3, 10)),
    ],
    ids=["berlin-2023", "berlin-2024", "new-york-2023", "new-york-2024"],
)
def test_0230_on_spring_forward_day_is_sent_at_0330_never_earlier(
    zone: ZoneInfo, deadline: date
) -> None:
    (slot,) = reminder_slots(deadline, rules("02:30", offsets=(0,), quiet=None), zone)
    shown = slot.due_at.astimezone(zone)
    assert (shown.date(), shown.time()) == (deadline, time(3, 30))


# --------------------------------------------------------------------------------------------
# Quiet hours, also in a recipient zone other than the resolution's
# --------------------------------------------------------------------------------------------

RECIPIENT_CASES = [
    # id, resolution zone, recipient zone, remind_at, quiet, [(offset, due, expires)]
    (
        "moscow-0900-is-1600-in-vladivostok-not-quiet",
        MOSCOW,
        VLADIVOSTOK,
        "09:00",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 6), utc(2023, 10, 19, 6)),
            (-1, utc(2023, 10, 19, 6), utc(2023, 10, 20, 6)),
            (0, utc(2023, 10, 20, 6), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        # 20:00 Moscow = 03:00 Vladivostok next day → 09:00 Vladivostok = 23:00 UTC; the 0d one
        # lands after the overdue instant (21:00 UTC) and lives for a day.
        "moscow-2000-is-0300-in-vladivostok-deferred-to-0900",
        MOSCOW,
        VLADIVOSTOK,
        "20:00",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 23), utc(2023, 10, 19, 23)),
            (-1, utc(2023, 10, 19, 23), utc(2023, 10, 20, 23)),
            (0, utc(2023, 10, 20, 23), utc(2023, 10, 21, 23)),
        ],
    ),
    (
        "moscow-2000-moscow-recipient-not-quiet",
        MOSCOW,
        MOSCOW,
        "20:00",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 17), utc(2023, 10, 19, 17)),
            (-1, utc(2023, 10, 19, 17), utc(2023, 10, 20, 17)),
            (0, utc(2023, 10, 20, 17), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        "moscow-2000-vladivostok-recipient-quiet-disabled",
        MOSCOW,
        VLADIVOSTOK,
        "20:00",
        None,
        [
            (-7, utc(2023, 10, 13, 17), utc(2023, 10, 19, 17)),
            (-1, utc(2023, 10, 19, 17), utc(2023, 10, 20, 17)),
            (0, utc(2023, 10, 20, 17), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        # 09:00 Vladivostok = 02:00 Moscow → 09:00 Moscow = 06:00 UTC, before the Vladivostok
        # overdue instant (14:00 UTC).
        "vladivostok-0900-is-0200-in-moscow-deferred-to-0900",
        VLADIVOSTOK,
        MOSCOW,
        "09:00",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 6), utc(2023, 10, 19, 6)),
            (-1, utc(2023, 10, 19, 6), utc(2023, 10, 20, 6)),
            (0, utc(2023, 10, 20, 6), utc(2023, 10, 20, 14)),
        ],
    ),
    (
        # A remind_at inside quiet hours: the 0d reminder is deferred past the deadline's end
        # (20 Oct 21:00 UTC) to 21 Oct 09:00 Moscow, and still produced, with a day to live.
        "moscow-2200-inside-quiet-hours",
        MOSCOW,
        MOSCOW,
        "22:00",
        QUIET,
        [
            (-7, utc(2023, 10, 14, 6), utc(2023, 10, 20, 6)),
            (-1, utc(2023, 10, 20, 6), utc(2023, 10, 21, 6)),
            (0, utc(2023, 10, 21, 6), utc(2023, 10, 22, 6)),
        ],
    ),
    (
        # Quiet hours ending at midnight defer the 0d reminder exactly onto the overdue instant.
        "moscow-2200-quiet-until-midnight-lands-on-overdue",
        MOSCOW,
        MOSCOW,
        "22:00",
        (hm("21:00"), hm("00:00")),
        [
            (-7, utc(2023, 10, 13, 21), utc(2023, 10, 19, 21)),
            (-1, utc(2023, 10, 19, 21), utc(2023, 10, 20, 21)),
            (0, utc(2023, 10, 20, 21), utc(2023, 10, 21, 21)),
        ],
    ),
    (
        "moscow-1330-non-wrapping-quiet",
        MOSCOW,
        MOSCOW,
        "13:30",
        (hm("13:00"), hm("14:00")),
        [
            (-7, utc(2023, 10, 13, 11), utc(2023, 10, 19, 11)),
            (-1, utc(2023, 10, 19, 11), utc(2023, 10, 20, 11)),
            (0, utc(2023, 10, 20, 11), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        "moscow-2200-quiet-start-equals-end",
        MOSCOW,
        MOSCOW,
        "22:00",
        (hm("21:00"), hm("21:00")),
        [
            (-7, utc(2023, 10, 13, 19), utc(2023, 10, 19, 19)),
            (-1, utc(2023, 10, 19, 19), utc(2023, 10, 20, 19)),
            (0, utc(2023, 10, 20, 19), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        "moscow-2100-exactly-at-quiet-start",
        MOSCOW,
        MOSCOW,
        "21:00",
        QUIET,
        [
            (-7, utc(2023, 10, 14, 6), utc(2023, 10, 20, 6)),
            (-1, utc(2023, 10, 20, 6), utc(2023, 10, 21, 6)),
            (0, utc(2023, 10, 21, 6), utc(2023, 10, 22, 6)),
        ],
    ),
    (
        "moscow-2059-just-before-quiet-start",
        MOSCOW,
        MOSCOW,
        "20:59",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 17, 59), utc(2023, 10, 19, 17, 59)),
            (-1, utc(2023, 10, 19, 17, 59), utc(2023, 10, 20, 17, 59)),
            (0, utc(2023, 10, 20, 17, 59), utc(2023, 10, 20, 21)),
        ],
    ),
    (
        "moscow-0859-just-before-quiet-end",
        MOSCOW,
        MOSCOW,
        "08:59",
        QUIET,
        [
            (-7, utc(2023, 10, 13, 6), utc(2023, 10, 19, 6)),
            (-1, utc(2023, 10, 19, 6), utc(2023, 10, 20, 6)),
            (0, utc(2023, 10, 20, 6), utc(2023, 10, 20, 21)),
        ],
    ),
]


@pytest.mark.parametrize(
    ("zone", "recipient", "remind_at", "quiet", "expected"),
    [case[1:] for case in RECIPIENT_CASES],
    ids=[case[0] for case in RECIPIENT_CASES],
)
def test_quiet_hours_in_the_recipient_zone(
    zone: ZoneInfo,
    recipient: ZoneInfo,
    remind_at: str,
    quiet: tuple[time, time] | None,
    expected: list[tuple[int, datetime, datetime]],
) -> None:
    slots = reminder_slots(SPEC_DEADLINE, rules(remind_at, quiet=quiet), zone, recipient)
    assert table(slots) == expected
    for slot in slots:
        planned = at_local(SPEC_DEADLINE + timedelta(days=slot.offset_days), hm(remind_at), zone)
        assert slot.due_at >= planned, "never earlier than remind_at"


def test_recipient_zone_defaults_to_the_resolution_zone() -> None:
    for remind_at in ("09:00", "20:00", "22:00", "02:30"):
        assert reminder_slots(SPEC_DEADLINE, rules(remind_at), VLADIVOSTOK) == reminder_slots(
            SPEC_DEADLINE, rules(remind_at), VLADIVOSTOK, VLADIVOSTOK
        )


def test_0d_reminder_deferred_past_the_deadline_is_kept_and_live() -> None:
    slots = reminder_slots(SPEC_DEADLINE, rules("22:00"), MOSCOW)
    last = slots[-1]
    overdue = overdue_from(SPEC_DEADLINE, MOSCOW)
    assert last.offset_days == 0
    assert last.due_at > overdue
    assert last.expires_at > last.due_at
    assert live_slot(slots, last.due_at) == last
    assert live_slot(slots, last.expires_at - TICK) == last
    assert live_slot(slots, last.expires_at) is None
    assert next_slot_after(slots, overdue) == last.due_at


def test_slots_deferred_onto_the_same_time_collapse_into_the_later_one() -> None:
    """New York 12:00 on 9 and 10 Mar 2024 (spring forward: 23 h apart) are 20:00 and 19:00 in
    Moscow; quiet 19:30-19:15 Moscow defers both to 19:15 on 10 Mar (16:15 UTC)."""
    quiet = (hm("19:30"), hm("19:15"))
    slots = reminder_slots(
        date(2024, 3, 10), rules("12:00", offsets=(-7, -1, 0), quiet=quiet), NEW_YORK, MOSCOW
    )
    assert table(slots) == [
        (-7, utc(2024, 3, 4, 16, 15), utc(2024, 3, 10, 16, 15)),
        (0, utc(2024, 3, 10, 16, 15), utc(2024, 3, 11, 4)),
    ]


# --------------------------------------------------------------------------------------------
# live_slot / next_slot_after / next_check_at on the spec example
# --------------------------------------------------------------------------------------------

LIVE_CASES = [
    # id, now, offset of the live slot (None: no slot live)
    ("long-before", utc(2023, 10, 1), None),
    ("just-before-first", utc(2023, 10, 13, 6) - TICK, None),
    ("exactly-first-due", utc(2023, 10, 13, 6), -7),
    ("between-first-and-second", utc(2023, 10, 16, 12), -7),
    ("just-before-second", utc(2023, 10, 19, 6) - TICK, -7),
    ("exactly-first-expires-second-due", utc(2023, 10, 19, 6), -1),
    ("exactly-last-due", utc(2023, 10, 20, 6), 0),
    ("last-just-before-overdue", utc(2023, 10, 20, 21) - TICK, 0),
    ("exactly-overdue-last-expires", utc(2023, 10, 20, 21), None),
    ("after-overdue", utc(2023, 10, 25), None),
]


@pytest.mark.parametrize(
    ("now", "offset"),
    [case[1:] for case in LIVE_CASES],
    ids=[case[0] for case in LIVE_CASES],
)
def test_live_slot(now: datetime, offset: int | None) -> None:
    live = live_slot(SPEC_SLOTS, now)
    assert (live.offset_days if live else None) == offset
    if live:
        assert live.due_at <= now < live.expires_at


NEXT_CASES = [
    # id, now, next_slot_after, next_check_at (None: no reminder left; "now": already due)
    ("long-before", utc(2023, 10, 1), utc(2023, 10, 13, 6), utc(2023, 10, 13, 6)),
    ("just-before-first", utc(2023, 10, 13, 6) - TICK, utc(2023, 10, 13, 6), utc(2023, 10, 13, 6)),
    ("exactly-first-due", utc(2023, 10, 13, 6), utc(2023, 10, 19, 6), "now"),
    ("between-first-and-second", utc(2023, 10, 16, 12), utc(2023, 10, 19, 6), "now"),
    ("exactly-second-due", utc(2023, 10, 19, 6), utc(2023, 10, 20, 6), "now"),
    ("exactly-last-due", utc(2023, 10, 20, 6), None, "now"),
    ("exactly-overdue", utc(2023, 10, 20, 21), None, None),
    ("after-overdue", utc(2023, 10, 25), None, None),
]


@pytest.mark.parametrize(
    ("now", "next_due", "check"),
    [case[1:] for case in NEXT_CASES],
    ids=[case[0] for case in NEXT_CASES],
)
def test_next_slot_after_and_next_check_at(
    now: datetime, next_due: datetime | None, check: datetime | str | None
) -> None:
    assert next_slot_after(SPEC_SLOTS, now) == next_due
    got = next_check_at(SPEC_SLOTS, now)
    if check == "now":
        assert got is not None
        assert got <= now, "a live slot: look at the task right away"
    else:
        assert got == check


def test_next_check_at_after_a_deferred_0d_reminder_past_overdue() -> None:
    slots = reminder_slots(SPEC_DEADLINE, rules("22:00"), MOSCOW)
    last = slots[-1]
    after = last.expires_at + timedelta(hours=1)
    assert next_check_at(slots, after) is None
    got = next_check_at(slots, last.due_at + timedelta(hours=1))
    assert got is not None
    assert got <= last.due_at + timedelta(hours=1)


# --------------------------------------------------------------------------------------------
# Properties over a whole year
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "recipient"),
    [(BERLIN, None), (NEW_YORK, None), (BERLIN, NEW_YORK), (NEW_YORK, BERLIN)],
    ids=["berlin", "new-york", "berlin-to-new-york", "new-york-to-berlin"],
)
@pytest.mark.parametrize("quiet", [QUIET, None], ids=["quiet-21-09", "no-quiet"])
def test_slot_properties_for_every_deadline_of_2024(
    zone: ZoneInfo, recipient: ZoneInfo | None, quiet: tuple[time, time] | None
) -> None:
    offsets = (-14, -7, -1, 0)
    for n in range(366):
        deadline = date(2024, 1, 1) + timedelta(days=n)
        overdue = overdue_from(deadline, zone)
        for remind_at in ("00:00", "02:30", "09:00", "20:30", "22:00"):
            slots = reminder_slots(deadline, rules(remind_at, offsets, quiet), zone, recipient)
            where = (deadline, remind_at)
            # Realistic quiet hours never collapse two reminders a day apart: none is lost.
            assert [s.offset_days for s in slots] == list(offsets), where
            for slot in slots:
                planned = at_local(deadline + timedelta(days=slot.offset_days), hm(remind_at), zone)
                assert planned <= slot.due_at < planned + timedelta(days=1), where
                assert slot.expires_at > slot.due_at, where
                if quiet is not None:
                    wall = slot.due_at.astimezone(recipient or zone).time()
                    assert quiet[1] <= wall, where
                    assert wall < quiet[0], where
            for earlier, later in itertools.pairwise(slots):
                assert earlier.due_at < later.due_at, where
                assert earlier.expires_at == later.due_at, where
            last = slots[-1]
            assert last.expires_at >= overdue, where
            if last.due_at < overdue:
                assert last.expires_at == overdue, where
            else:
                assert last.expires_at == last.due_at + timedelta(days=1), where
