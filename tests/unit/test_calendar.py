"""Working days: the Russian production calendar, and what it moves (reminders, deadlines).

Pinned rules (README): working-day rules may move a send later, never
earlier, and never drop it; with ``working_days: true`` deadlines and reminders skip weekends and
Russian public holidays, transferred days included (a working Saturday is a working day, a bridge
day off is not). A deadline moved off a non-working day keeps the rule's date as occurrence key.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.timing.calendar import next_working_day, russian_calendar
from engine.timing.local import at_local
from engine.timing.occurrences import recurrence_rule
from engine.timing.reminders import ReminderRules, reminder_slots
from engine.workflow.catalog import ONCE, CompiledClause
from engine.workflow.schema import Policy

MOSCOW = ZoneInfo("Europe/Moscow")
QUIET = (time(21, 0), time(9, 0))
NINE = time(9, 0)


def d(text: str) -> date:
    return date.fromisoformat(text)


class EveryDayWorks:
    def is_working_day(self, day: date) -> bool:
        return True


class NothingWorks:
    def is_working_day(self, day: date) -> bool:
        return False


class WeekdaysOnly:
    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


# --- the Russian calendar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param("2024-04-26", True, id="2024-04-26-friday"),
        pytest.param("2024-04-27", True, id="2024-04-27-working-saturday"),
        pytest.param("2024-04-28", False, id="2024-04-28-sunday"),
        pytest.param("2024-04-29", False, id="2024-04-29-bridge-day-off"),
        pytest.param("2024-04-30", False, id="2024-04-30-bridge-day-off"),
        pytest.param("2024-05-01", False, id="2024-05-01-spring-and-labour"),
        pytest.param("2024-05-02", True, id="2024-05-02-thursday"),
        pytest.param("2024-05-09", False, id="2024-05-09-victory-day"),
        pytest.param("2023-11-03", True, id="2023-11-03-friday"),
        pytest.param("2023-11-04", False, id="2023-11-04-unity-day-saturday"),
        pytest.param("2023-11-06", False, id="2023-11-06-unity-day-moved"),
        pytest.param("2023-11-07", True, id="2023-11-07-tuesday"),
        pytest.param("2023-10-21", False, id="2023-10-21-normal-saturday"),
        pytest.param("2023-10-22", False, id="2023-10-22-normal-sunday"),
        pytest.param("2023-10-23", True, id="2023-10-23-normal-monday"),
        pytest.param("2024-06-12", False, id="2024-06-12-russia-day"),
        pytest.param("2024-12-28", True, id="2024-12-28-working-saturday"),
        pytest.param("2024-12-31", False, id="2024-12-31-new-year-eve-off"),
        *[
            pytest.param(f"2024-01-0{n}", False, id=f"2024-01-0{n}-new-year-holidays")
            for n in range(1, 9)
        ],
        pytest.param("2024-01-09", True, id="2024-01-09-first-working-day"),
    ],
)
def test_russian_calendar(day: str, working: bool) -> None:
    assert russian_calendar().is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        *[
            pytest.param(f"2024-01-0{n}", "2024-01-09", id=f"new-year-2024-01-0{n}")
            for n in range(1, 9)
        ],
        pytest.param("2024-01-09", "2024-01-09", id="working-day-is-itself"),
        pytest.param("2024-04-27", "2024-04-27", id="working-saturday-is-itself"),
        pytest.param("2024-04-28", "2024-05-02", id="may-bridge-sunday"),
        pytest.param("2024-04-29", "2024-05-02", id="may-bridge-monday"),
        pytest.param("2024-05-01", "2024-05-02", id="may-day"),
        pytest.param("2023-11-04", "2023-11-07", id="unity-day-saturday"),
        pytest.param("2023-11-06", "2023-11-07", id="unity-day-moved-monday"),
        pytest.param("2023-10-21", "2023-10-23", id="normal-saturday"),
        pytest.param("2023-10-22", "2023-10-23", id="normal-sunday"),
        pytest.param("2024-12-29", "2025-01-09", id="new-year-2025-run"),
    ],
)
def test_next_working_day_russian(day: str, expected: str) -> None:
    assert next_working_day(d(day), russian_calendar()) == d(expected)


def test_next_working_day_never_earlier_and_lands_on_working_day() -> None:
    calendar = russian_calendar()
    day = d("2023-01-01")
    while day < d("2026-01-01"):
        moved = next_working_day(day, calendar)
        assert moved >= day
        assert calendar.is_working_day(moved)
        assert all(not calendar.is_working_day(x) for x in _days(day, moved))
        day += timedelta(days=1)


def _days(start: date, stop: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((stop - start).days)]


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        pytest.param(EveryDayWorks(), "2023-10-21", "2023-10-21", id="all-working"),
        pytest.param(WeekdaysOnly(), "2023-10-21", "2023-10-23", id="weekdays-saturday"),
        pytest.param(WeekdaysOnly(), "2023-10-20", "2023-10-20", id="weekdays-friday"),
    ],
)
def test_next_working_day_with_a_given_calendar(
    calendar: EveryDayWorks | WeekdaysOnly, day: str, expected: str
) -> None:
    assert next_working_day(d(day), calendar) == d(expected)


def test_next_working_day_gives_up_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no working day"):
        next_working_day(d("2024-01-01"), NothingWorks())


# --- reminders with the calendar -----------------------------------------------------------------


def rules(
    offsets: tuple[int, ...] = (-7, -1, 0), quiet: tuple[time, time] | None = QUIET
) -> ReminderRules:
    return ReminderRules(
        offsets_days=offsets, remind_at=NINE, quiet_hours=quiet, calendar=russian_calendar()
    )


@pytest.mark.parametrize(
    ("deadline", "offsets", "expected"),
    [
        pytest.param(
            "2024-05-08",
            (-7, -1, 0),
            [(-7, "2024-05-02"), (-1, "2024-05-07"), (0, "2024-05-08")],
            id="-7d-on-may-day-moves-to-2-may",
        ),
        pytest.param(
            "2024-01-15",
            (-7, -1, 0),
            [(-7, "2024-01-09"), (0, "2024-01-15")],
            id="-7d-in-new-year-holidays-and-a-sunday-1d",
        ),
        pytest.param(
            "2023-11-13",
            (-7,),
            [(-7, "2023-11-07")],
            id="-7d-on-unity-day-moved-monday",
        ),
        pytest.param(
            "2024-06-03",
            (-1, 0),
            [(0, "2024-06-03")],
            id="-1d-sunday-collapses-into-0d-monday",
        ),
        pytest.param(
            "2024-06-03",
            (-7, -1, 0),
            [(-7, "2024-05-27"), (0, "2024-06-03")],
            id="-1d-sunday-collapses-defaults",
        ),
        pytest.param(
            "2024-05-02",
            (-5, -3, -2, -1, 0),
            [(-5, "2024-04-27"), (0, "2024-05-02")],
            id="may-bridge-collapses-three",
        ),
        pytest.param(
            "2023-10-25",
            (-7, -1, 0),
            [(-7, "2023-10-18"), (-1, "2023-10-24"), (0, "2023-10-25")],
            id="nothing-to-move",
        ),
    ],
)
def test_reminder_moves_to_next_working_day_at_remind_at(
    deadline: str, offsets: tuple[int, ...], expected: list[tuple[int, str]]
) -> None:
    slots = reminder_slots(d(deadline), rules(offsets), MOSCOW)
    assert [(s.offset_days, s.due_at) for s in slots] == [
        (offset, at_local(d(day), NINE, MOSCOW)) for offset, day in expected
    ]


def test_without_calendar_reminders_stay_on_holidays() -> None:
    plain = ReminderRules(offsets_days=(-7, -1, 0), remind_at=NINE, quiet_hours=QUIET)
    slots = reminder_slots(d("2024-05-08"), plain, MOSCOW)
    assert slots[0].due_at == at_local(d("2024-05-01"), NINE, MOSCOW)


def test_collapsed_slot_expires_at_the_overdue_start() -> None:
    (slot,) = reminder_slots(d("2024-06-03"), rules((-1, 0)), MOSCOW)
    assert slot.expires_at == at_local(d("2024-06-04"), time(0, 0), MOSCOW)


@pytest.mark.parametrize(
    ("offsets", "quiet"),
    [
        pytest.param((-7, -1, 0), QUIET, id="defaults"),
        pytest.param((-7, -1, 0), None, id="no-quiet-hours"),
        pytest.param((-14, -3, -2, -1, 0), QUIET, id="dense-offsets"),
    ],
)
def test_calendar_never_moves_a_reminder_earlier_over_a_year(
    offsets: tuple[int, ...], quiet: tuple[time, time] | None
) -> None:
    calendar = russian_calendar()
    r = rules(offsets, quiet)
    deadline = d("2024-01-01")
    while deadline <= d("2024-12-31"):
        slots = reminder_slots(deadline, r, MOSCOW)
        assert slots, deadline
        by_offset = {s.offset_days: s for s in slots}
        for offset in offsets:
            undeferred = at_local(deadline + timedelta(days=offset), NINE, MOSCOW)
            # every offset is either its own slot or collapsed into a later offset's slot
            kept = [s for s in slots if s.offset_days >= offset]
            assert kept, (deadline, offset)
            assert kept[0].due_at >= undeferred, (deadline, offset)
            if offset in by_offset:
                assert by_offset[offset].due_at >= undeferred, (deadline, offset)
        for s in slots:
            local_day = s.due_at.astimezone(MOSCOW).date()
            assert calendar.is_working_day(local_day), (deadline, s)
        dues = [s.due_at for s in slots]
        assert dues == sorted(set(dues)), deadline  # strictly increasing: nothing sent twice
        deadline += timedelta(days=1)


# --- deadlines of occurrences with working_days --------------------------------------------------


def clause(
    *, working_days: bool, deadline: date | None = None, rule: str | None = None
) -> CompiledClause:
    return CompiledClause(
        id="A",
        text="t",
        owners=("a",),
        policy=Policy(working_days=working_days),
        deadline=deadline,
        rule=rule,
        until=None,
        informational=False,
    )


MONTHLY_25 = recurrence_rule("monthly", 25)


@pytest.mark.parametrize(
    ("working_days", "expected"),
    [
        pytest.param(
            True,
            [
                ("2023-10-25", "2023-10-25"),  # Wednesday
                ("2023-11-25", "2023-11-27"),  # Saturday → Monday
                ("2023-12-25", "2023-12-25"),  # Monday
                ("2024-01-25", "2024-01-25"),
                ("2024-02-25", "2024-02-26"),  # Sunday → Monday
                ("2024-03-25", "2024-03-25"),
                ("2024-04-25", "2024-04-25"),
                ("2024-05-25", "2024-05-27"),  # Saturday → Monday
            ],
            id="working-days",
        ),
        pytest.param(
            False,
            [
                ("2023-10-25", "2023-10-25"),
                ("2023-11-25", "2023-11-25"),
                ("2023-12-25", "2023-12-25"),
                ("2024-01-25", "2024-01-25"),
                ("2024-02-25", "2024-02-25"),
                ("2024-03-25", "2024-03-25"),
                ("2024-04-25", "2024-04-25"),
                ("2024-05-25", "2024-05-25"),
            ],
            id="calendar-days",
        ),
    ],
)
def test_monthly_25th_occurrences(working_days: bool, expected: list[tuple[str, str]]) -> None:
    got = clause(working_days=working_days, rule=MONTHLY_25).occurrences(
        d("2023-10-01"), d("2024-05-31")
    )
    assert got == [(key, d(deadline)) for key, deadline in expected]


def test_saturday_25th_key_stays_the_rules_date() -> None:
    got = clause(working_days=True, rule=MONTHLY_25).occurrences(d("2023-11-01"), d("2023-11-30"))
    assert got == [("2023-11-25", d("2023-11-27"))]


@pytest.mark.parametrize(
    ("deadline", "working_days", "expected"),
    [
        pytest.param("2024-01-03", True, "2024-01-09", id="one-off-in-new-year-holidays"),
        pytest.param("2024-01-03", False, "2024-01-03", id="one-off-calendar-days"),
        pytest.param("2024-04-27", True, "2024-04-27", id="one-off-working-saturday"),
        pytest.param("2023-11-06", True, "2023-11-07", id="one-off-moved-unity-day"),
    ],
)
def test_one_off_deadline_with_working_days(
    deadline: str, working_days: bool, expected: str
) -> None:
    got = clause(working_days=working_days, deadline=d(deadline)).occurrences(
        d("2023-01-01"), d("2025-01-01")
    )
    assert got == [(ONCE, d(expected))]
