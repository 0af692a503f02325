"""The one due-decision (engine/timing/due.py): rows of inputs → expected outputs, no database.

Every caller (apply, the tick, the staleness check at send time, digests, simulate) asks these
functions, so a rule pinned here holds everywhere: e.g. a policy's ``quiet_hours: none`` holds
for digests as for reminders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.timing import due
from engine.workflow.schema import Escalation, Policy

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
NIGHT = (time(21, 0), time(9, 0))
D = date(2023, 10, 20)  # a Friday


def msk(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+03:00").astimezone(UTC)


DEFAULT = Policy()


def plan(
    policy: Policy = DEFAULT,
    person_tz: str | None = None,
    person_quiet: list[str] | None = None,
    deadline: date = D,
) -> due.Schedule:
    return due.schedule(deadline, policy, "Europe/Moscow", person_tz, person_quiet)


@pytest.mark.parametrize(
    ("person_quiet", "policy_quiet", "expected"),
    [
        (None, NIGHT, NIGHT),  # the policy's (its default: 21:00-09:00)
        (None, None, None),  # the policy says none: none
        (["22:00", "07:00"], NIGHT, (time(22, 0), time(7, 0))),  # the person's own win
        (["22:00", "07:00"], None, (time(22, 0), time(7, 0))),
        ([], NIGHT, NIGHT),  # stored empty: not set
    ],
)
def test_quiet_hours_for(
    person_quiet: list[str] | None,
    policy_quiet: tuple[time, time] | None,
    expected: tuple[time, time] | None,
) -> None:
    assert due.quiet_hours_for(person_quiet, policy_quiet) == expected


LATE = Policy(remind_at=time(22, 0))
LATE_NO_QUIET = Policy(remind_at=time(22, 0), quiet_hours=None)
WORKING = Policy(remind=(-6,), working_days=True)  # D-6 is Saturday 14 October


@pytest.mark.parametrize(
    ("schedule", "now", "live_offset", "next_at"),
    [
        # the defaults: -7d, -1d, 0d at 09:00 Moscow
        (plan(), msk("2023-10-13T08:59"), None, msk("2023-10-13T09:00")),
        (plan(), msk("2023-10-13T09:00"), -7, msk("2023-10-19T09:00")),
        (plan(), msk("2023-10-18T23:00"), -7, msk("2023-10-19T09:00")),  # live until the next
        (plan(), msk("2023-10-20T10:00"), 0, None),
        (plan(), msk("2023-10-21T00:00"), None, None),  # overdue: escalation takes over
        # 22:00 falls in the policy's quiet hours: deferred to 09:00 the next day
        (plan(LATE), msk("2023-10-13T22:00"), None, msk("2023-10-14T09:00")),
        (plan(LATE), msk("2023-10-14T09:00"), -7, msk("2023-10-20T09:00")),
        # the policy says none: at 22:00 sharp
        (plan(LATE_NO_QUIET), msk("2023-10-13T22:00"), -7, msk("2023-10-19T22:00")),
        # the person's own quiet hours hold even when the policy has none
        (
            plan(LATE_NO_QUIET, None, ["21:30", "08:00"]),
            msk("2023-10-13T22:00"),
            None,
            msk("2023-10-14T08:00"),
        ),
        # quiet hours count in the person's zone: 22:00 Moscow is 05:00 in Vladivostok, so the
        # reminder waits for 09:00 there (02:00 Moscow)
        (plan(LATE, "Asia/Vladivostok"), msk("2023-10-13T09:00"), None, msk("2023-10-14T02:00")),
        # working days: Saturday's reminder moves to Monday, never earlier
        (plan(WORKING), msk("2023-10-14T09:00"), None, msk("2023-10-16T09:00")),
        (plan(WORKING), msk("2023-10-16T09:00"), -6, None),
    ],
)
def test_reminder_due(
    schedule: due.Schedule, now: datetime, live_offset: int | None, next_at: datetime | None
) -> None:
    decision = due.reminder_due(schedule, now)
    assert (decision.slot.offset_days if decision.slot else None) == live_offset
    assert decision.next_at == next_at
    expected_check = decision.slot.due_at if decision.slot else next_at
    assert due.next_check(schedule, now) == expected_check


@pytest.mark.parametrize(
    ("schedule", "queued_deadline", "queued_offset", "now", "expected"),
    [
        (plan(), "2023-10-20", -7, msk("2023-10-13T09:05"), None),  # still the live one
        (None, "2023-10-20", -7, msk("2023-10-13T09:05"), due.STALE_CLOSED),
        (plan(), "2023-10-19", -7, msk("2023-10-13T09:05"), due.STALE_MOVED),  # moved
        (plan(), "2023-10-20", -7, msk("2023-10-19T09:00"), due.STALE_SUPERSEDED),  # -1d is due
        (plan(), "2023-10-20", 0, msk("2023-10-21T00:00"), due.STALE_SUPERSEDED),  # overdue
        (plan(), None, None, msk("2023-10-25T00:00"), None),  # a notice: only closing stales it
        # an extension moved the deadline: the row made for the old one is stale
        (
            plan(deadline=date(2023, 10, 27)),
            "2023-10-20",
            0,
            msk("2023-10-20T09:05"),
            due.STALE_MOVED,
        ),
    ],
)
def test_stale_reminder(
    schedule: due.Schedule | None,
    queued_deadline: str | None,
    queued_offset: int | None,
    now: datetime,
    expected: str | None,
) -> None:
    assert due.stale_reminder(schedule, queued_deadline, queued_offset, now) == expected


@pytest.mark.parametrize(
    ("kind", "attempts", "permanent", "retry_after_s", "expected"),
    [
        ("reminder", 0, False, None, due.Retry(False, 1, 30)),
        ("reminder", 1, False, None, due.Retry(False, 2, 60)),
        ("reminder", 5, False, None, due.Retry(False, 6, 960)),
        ("reminder", 30, False, None, due.Retry(False, 31, 3600)),  # capped at an hour
        ("reminder", 3, False, 7.0, due.Retry(False, 3, 7.0)),  # retry_after: not counted
        ("reminder", 0, True, None, due.Retry(True, 1, 30)),  # permanent: given up
        ("digest", 10, False, None, due.Retry(False, 11, 3600)),
        ("digest", 11, False, None, due.Retry(True, 12, 3600)),  # out of attempts
        ("notice", 11, False, None, due.Retry(True, 12, 3600)),
        ("reminder", 11, False, None, due.Retry(False, 12, 3600)),  # until it goes stale
    ],
)
def test_retry_after_failure(
    kind: str, attempts: int, permanent: bool, retry_after_s: float | None, expected: due.Retry
) -> None:
    retry = due.retry_after_failure(
        kind, attempts, permanent=permanent, retry_after_s=retry_after_s
    )
    assert retry == expected
    assert retry.at(msk("2023-10-13T09:00")) > msk("2023-10-13T09:00")


@pytest.mark.parametrize(
    ("now", "done_through", "expected"),
    [
        (msk("2023-10-21T09:29"), "2023-10-20", None),  # not yet
        (msk("2023-10-21T09:30"), "2023-10-20", date(2023, 10, 21)),
        (msk("2023-10-21T23:59"), "", date(2023, 10, 21)),  # never ran: today's is due
        (msk("2023-10-21T12:00"), "2023-10-21", None),  # today's pass has run
        (msk("2023-10-22T00:10"), "2023-10-21", None),  # a new day, before its digest time
    ],
)
def test_digest_day_due(now: datetime, done_through: str, expected: date | None) -> None:
    assert due.digest_day_due(now, MOSCOW, time(9, 30), done_through) == expected


@pytest.mark.parametrize(
    ("digest_at", "person_quiet", "policy_quiet", "recipient", "expected"),
    [
        (time(9, 30), None, NIGHT, MOSCOW, msk("2023-10-21T09:30")),
        (time(22, 0), None, NIGHT, MOSCOW, msk("2023-10-22T09:00")),  # deferred
        (time(22, 0), None, None, MOSCOW, msk("2023-10-21T22:00")),  # policy: none
        (time(22, 0), ["23:00", "07:00"], None, MOSCOW, msk("2023-10-21T22:00")),
        (time(23, 30), ["23:00", "07:00"], None, MOSCOW, msk("2023-10-22T07:00")),
        # 09:30 Moscow is 16:30 in Vladivostok, out of the night there
        (time(9, 30), None, NIGHT, VLADIVOSTOK, msk("2023-10-21T09:30")),
        # 18:00 Moscow is 01:00 in Vladivostok: deferred to 09:00 there (02:00 Moscow)
        (time(18, 0), None, NIGHT, VLADIVOSTOK, msk("2023-10-22T02:00")),
    ],
)
def test_digest_send_at(
    digest_at: time,
    person_quiet: list[str] | None,
    policy_quiet: tuple[time, time] | None,
    recipient: ZoneInfo,
    expected: datetime,
) -> None:
    quiet = due.quiet_hours_for(person_quiet, policy_quiet)
    assert due.digest_send_at(date(2023, 10, 21), digest_at, MOSCOW, recipient, quiet) == expected


@pytest.mark.parametrize(
    ("quiets", "expected"),
    [
        ([NIGHT, NIGHT], NIGHT),
        ([None, None], None),  # none only when every policy says none
        ([None, NIGHT], NIGHT),
        ([(time(22, 0), time(8, 0)), NIGHT], NIGHT),  # the earliest start, whatever the order
        ([NIGHT, (time(22, 0), time(8, 0))], NIGHT),
        ([], None),
    ],
)
def test_slot_quiet_hours(
    quiets: list[tuple[time, time] | None], expected: tuple[time, time] | None
) -> None:
    assert due.slot_quiet_hours(quiets) == expected


@pytest.mark.parametrize(
    ("steps", "now", "expected"),
    [
        (
            [Escalation(after=1, to="controller")],
            msk("2023-10-20T12:00"),
            [msk("2023-10-21T09:30")],
        ),
        ([Escalation(after=1, to="controller")], msk("2023-10-21T09:30"), []),  # fired
        (
            [Escalation(after=1, to="controller", every=3)],
            msk("2023-10-21T09:30"),
            [msk("2023-10-24T09:30")],
        ),
        (
            [Escalation(after=1, to="controller", every=3)],
            msk("2023-10-25T00:00"),
            [msk("2023-10-27T09:30")],
        ),
        (
            [Escalation(after=0, to="a"), Escalation(after=2, to="b")],
            msk("2023-10-20T10:00"),
            [msk("2023-10-22T09:30")],
        ),
    ],
)
def test_next_escalation_digests(
    steps: list[Escalation], now: datetime, expected: list[datetime]
) -> None:
    assert due.next_escalation_digests(D, steps, time(9, 30), MOSCOW, now) == expected


def test_reminder_key_names_task_deadline_and_offset() -> None:
    assert due.reminder_key(7, D, -1) == "reminder:7:2023-10-20:-1d"
    assert due.reminder_key(7, D, 0) == "reminder:7:2023-10-20:+0d"
