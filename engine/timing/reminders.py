"""Which reminder of a task is due at a given instant, and when the next one falls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.timing.calendar import WorkCalendar, next_working_day
from engine.timing.local import at_local, defer_quiet, overdue_from


@dataclass(frozen=True)
class ReminderRules:
    """The part of a policy that times reminders."""

    offsets_days: tuple[int, ...]  # relative to the deadline, each <= 0
    remind_at: time  # wall time in the resolution's zone
    quiet_hours: tuple[time, time] | None  # in the recipient's zone
    calendar: WorkCalendar | None = None  # given: a reminder moves off non-working days


@dataclass(frozen=True)
class Slot:
    """One reminder: due from ``due_at`` until ``expires_at`` (then stale: a later one took over,
    or the task is overdue and escalation takes over)."""

    offset_days: int
    due_at: datetime
    expires_at: datetime


def reminder_slots(
    deadline: date, rules: ReminderRules, tz: ZoneInfo, recipient_tz: ZoneInfo | None = None
) -> tuple[Slot, ...]:
    """Every reminder slot for one deadline, in time order.

    ``-Nd`` falls on D-N at ``remind_at`` in ``tz``; quiet hours in the recipient's zone defer it.
    A slot expires when the next one is due; the last at the start of the overdue period, or, if
    quiet hours pushed it past that, a day after it became due, so it is never silently dropped.
    """
    recipient_tz = recipient_tz or tz
    planned: list[tuple[int, datetime]] = []
    for offset in sorted(set(rules.offsets_days)):
        day = deadline + timedelta(days=offset)
        if rules.calendar is not None:
            day = next_working_day(day, rules.calendar)
        due = at_local(day, rules.remind_at, tz)
        due = defer_quiet(due, rules.quiet_hours, recipient_tz)
        if planned and planned[-1][1] >= due:
            planned.pop()  # deferred onto a later slot's time: the later one says it all
        planned.append((offset, due))
    overdue = overdue_from(deadline, tz)
    slots = []
    for i, (offset, due) in enumerate(planned):
        if i + 1 < len(planned):
            expires = planned[i + 1][1]
        else:
            expires = overdue if due < overdue else due + timedelta(days=1)
        slots.append(Slot(offset, due, expires))
    return tuple(slots)


def live_slot(slots: Sequence[Slot], now: datetime) -> Slot | None:
    """The slot to send at ``now``, if any: due, and not yet superseded or expired."""
    return next((s for s in slots if s.due_at <= now < s.expires_at), None)


def next_slot_after(slots: Sequence[Slot], now: datetime) -> datetime | None:
    """When the next slot after ``now`` becomes due; None when no reminder is left."""
    return next((s.due_at for s in slots if s.due_at > now), None)


def next_check_at(slots: Sequence[Slot], now: datetime) -> datetime | None:
    """When a dispatcher should next look at a task: now if a slot is live, else the next one."""
    live = live_slot(slots, now)
    return live.due_at if live else next_slot_after(slots, now)
