"""Glue between stored tasks and the pure timing core."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from engine.timing.calendar import russian_calendar
from engine.timing.reminders import ReminderRules, Slot, next_check_at, reminder_slots
from engine.workflow.schema import Policy, parse_quiet_hours


@lru_cache(maxsize=1024)
def _policy(canonical: str) -> Policy:
    return Policy.model_validate_json(canonical)


def policy_of(snapshot: dict[str, Any]) -> Policy:
    """A task's policy snapshot as a Policy (cached: thousands of tasks share a handful)."""
    return _policy(json.dumps(snapshot, sort_keys=True))


def slots_for(
    deadline: date,
    policy: Policy,
    resolution_tz: str,
    person_tz: str | None,
    person_quiet: list[str] | None,
) -> tuple[Slot, ...]:
    """Reminder slots of one task: the resolution's calendar, the person's quiet hours."""
    quiet = parse_quiet_hours("-".join(person_quiet)) if person_quiet else policy.quiet_hours
    calendar = russian_calendar() if policy.working_days else None
    rules = ReminderRules(policy.remind, policy.remind_at, quiet, calendar)
    return reminder_slots(
        deadline, rules, ZoneInfo(resolution_tz), ZoneInfo(person_tz or resolution_tz)
    )


def first_check(
    deadline: date,
    policy: Policy,
    resolution_tz: str,
    person_tz: str | None,
    person_quiet: list[str] | None,
    now: datetime,
) -> datetime | None:
    return next_check_at(slots_for(deadline, policy, resolution_tz, person_tz, person_quiet), now)
