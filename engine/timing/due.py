"""The one due-decision: from a task's schedule and ``now``, what is due and when. Pure.

Everything that asks "when" asks here: ``apply`` and the ticks (a task's next check), the
dispatcher (the live reminder slot and its outbox key, whether a queued reminder went stale,
the retry backoff), digests (when a digest time has come and when its message may go out) and
``simulate`` (the next moment something can become due). Each rule is written once:

- quiet hours: the person's own when they set some, else the policy's (``none``: none), for
  reminders and digests alike, in the recipient's zone;
- a send may move later (quiet hours, working days), never earlier, and is never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from engine.timing.calendar import russian_calendar
from engine.timing.local import at_local, defer_quiet, local_date
from engine.timing.reminders import (
    ReminderRules,
    Slot,
    live_slot,
    next_check_at,
    next_slot_after,
    reminder_slots,
)
from engine.workflow.schema import Policy, parse_quiet_hours

Quiet = tuple[time, time] | None
MAX_DIGEST_ATTEMPTS = 12  # ~7 hours of backoff; reminders retry until a newer one supersedes
BACKOFF_FIRST_S = 30
BACKOFF_CAP_S = 3600
STALE_CLOSED = "задача уже закрыта"
STALE_MOVED = "срок с тех пор изменился"
STALE_SUPERSEDED = "устарело: пора следующего напоминания или срок прошёл"


def quiet_hours_for(person_quiet: Sequence[str] | None, policy_quiet: Quiet) -> Quiet:
    """The quiet hours that hold for a recipient: their own (stored as ``["21:00", "09:00"]``)
    when they set some, else the policy's (None when the policy says ``none``)."""
    return parse_quiet_hours("-".join(person_quiet)) if person_quiet else policy_quiet


@dataclass(frozen=True)
class Schedule:
    """What times one task's messages, every input resolved: its deadline (an approved
    extension's date when there is one), the policy snapshot, the resolution's zone (dates and
    ``remind_at`` count there) and the recipient's (where quiet hours are)."""

    deadline: date
    policy: Policy
    zone: ZoneInfo
    recipient_zone: ZoneInfo
    quiet_hours: Quiet

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        policy = self.policy
        calendar = russian_calendar() if policy.working_days else None
        rules = ReminderRules(policy.remind, policy.remind_at, self.quiet_hours, calendar)
        return reminder_slots(self.deadline, rules, self.zone, self.recipient_zone)


def schedule(
    deadline: date,
    policy: Policy,
    resolution_tz: str,
    person_tz: str | None,
    person_quiet: Sequence[str] | None,
) -> Schedule:
    """A task's schedule from what is stored: the person's zone and quiet hours when set."""
    zone = ZoneInfo(resolution_tz)
    recipient = ZoneInfo(person_tz) if person_tz else zone
    return Schedule(
        deadline, policy, zone, recipient, quiet_hours_for(person_quiet, policy.quiet_hours)
    )


# -- reminders --------------------------------------------------------------------------------


def next_check(plan: Schedule, now: datetime) -> datetime | None:
    """When the dispatcher should look at the task: now if a reminder is live, else the next."""
    return next_check_at(plan.slots, now)


@dataclass(frozen=True)
class ReminderDue:
    """What a tick does with a task at ``now``: queue ``slot`` (if one is live), then look
    again at ``next_at`` (None: no reminder is left)."""

    slot: Slot | None
    next_at: datetime | None


def reminder_due(plan: Schedule, now: datetime) -> ReminderDue:
    return ReminderDue(live_slot(plan.slots, now), next_slot_after(plan.slots, now))


def reminder_key(task_id: int, deadline: object, offset_days: int) -> str:
    """One reminder per (task, deadline, offset): the key that makes a second send impossible."""
    return f"reminder:{task_id}:{deadline}:{offset_days:+d}d"


def stale_reminder(
    plan: Schedule | None,
    queued_deadline: str | None,
    queued_offset: int | None,
    now: datetime,
) -> str | None:
    """Why a queued reminder must not go out at ``now``, if it must not. ``plan`` is None when
    the task is closed; the queued deadline (ISO) and offset are what the row was made for."""
    if plan is None:
        return STALE_CLOSED
    if queued_deadline not in (None, plan.deadline.isoformat()):
        return STALE_MOVED
    if queued_offset is not None:
        live = live_slot(plan.slots, now)
        if live is None or live.offset_days != queued_offset:
            return STALE_SUPERSEDED
    return None


# -- retries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retry:
    """What a failed attempt leads to: given up for good, or tried again ``backoff_s`` later.
    ``attempts`` is the row's count after this one (a ``retry_after`` does not count)."""

    give_up: bool
    attempts: int
    backoff_s: float

    def at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.backoff_s)


def retry_after_failure(
    kind: str, attempts: int, *, permanent: bool, retry_after_s: float | None = None
) -> Retry:
    """A message of ``kind`` that failed after ``attempts`` attempts: capped exponential
    backoff (30 s, 60 s, … 1 h), or the channel's own ``retry_after``, which is not the
    message's fault. A digest or notice gives up after MAX_DIGEST_ATTEMPTS; a reminder keeps
    trying until it goes stale."""
    counted = attempts if retry_after_s else attempts + 1
    give_up = permanent or (kind != "reminder" and counted >= MAX_DIGEST_ATTEMPTS)
    backoff = retry_after_s or min(BACKOFF_FIRST_S * 2 ** max(counted - 1, 0), BACKOFF_CAP_S)
    return Retry(give_up, counted, backoff)


# -- digests ----------------------------------------------------------------------------------


def digest_instant(day: date, digest_at: time, zone: ZoneInfo) -> datetime:
    """A digest time on a local day, before any quiet hours move its message."""
    return at_local(day, digest_at, zone)


def digest_day_due(
    now: datetime, zone: ZoneInfo, digest_at: time, done_through: str
) -> date | None:
    """The local day whose digest time has come at ``now`` and whose pass has not run
    (``done_through``: the ISO date of the last pass, "" for never); else None."""
    today = local_date(now, zone)
    if now >= digest_instant(today, digest_at, zone) and done_through < today.isoformat():
        return today
    return None


def digest_send_at(
    day: date, digest_at: time, zone: ZoneInfo, recipient_zone: ZoneInfo, quiet: Quiet
) -> datetime:
    """When the digest of ``day`` may go out to a recipient: its time, out of their quiet hours."""
    return defer_quiet(digest_instant(day, digest_at, zone), quiet, recipient_zone)


def slot_quiet_hours(policy_quiet: Iterable[Quiet]) -> Quiet:
    """The policy quiet hours of a digest time that several policies share: none only when all
    of them say none (a digest never goes out at night for a policy that keeps quiet hours);
    where they differ, the earliest-starting one, so the choice does not depend on order."""
    kept = sorted(q for q in policy_quiet if q is not None)
    return kept[0] if kept else None


class EscalationStep(Protocol):
    @property
    def after(self) -> int: ...  # days after the deadline

    @property
    def every(self) -> int | None: ...  # repeat every so many days while overdue


def next_escalation_digests(
    deadline: date, steps: Iterable[EscalationStep], digest_at: time, zone: ZoneInfo, now: datetime
) -> list[datetime]:
    """Per escalation step, the next digest time after ``now`` at which it fires (a step that
    fired for the last time has none): the moments a digest can have news when nobody acts."""
    moments = []
    today = local_date(now, zone)
    for step in steps:
        day = deadline + timedelta(days=step.after)
        if step.every and day < today:
            day += timedelta(days=-(-(today - day).days // step.every) * step.every)
        while (instant := digest_instant(day, digest_at, zone)) <= now:
            if not step.every:
                break
            day += timedelta(days=step.every)
        if instant > now:
            moments.append(instant)
    return moments
