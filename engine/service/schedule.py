"""Glue between stored tasks and the pure due-decision (engine/timing/due.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from engine.timing import due
from engine.workflow.schema import Policy


@lru_cache(maxsize=1024)
def _policy(canonical: str) -> Policy:
    return Policy.model_validate_json(canonical)


def policy_of(snapshot: dict[str, Any]) -> Policy:
    """A task's policy snapshot as a Policy (cached: thousands of tasks share a handful)."""
    return _policy(json.dumps(snapshot, sort_keys=True))


def first_check(
    deadline: date,
    policy: Policy,
    resolution_tz: str,
    person_tz: str | None,
    person_quiet: list[str] | None,
    now: datetime,
) -> datetime | None:
    """When the dispatcher should first look at a task (``apply``, decisions, extensions)."""
    plan = due.schedule(deadline, policy, resolution_tz, person_tz, person_quiet)
    return due.next_check(plan, now)
