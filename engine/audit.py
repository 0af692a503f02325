"""Structured events: every state change is an audit row and a log line with a stable name."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from storage.models import AuditEvent

log = logging.getLogger("resolute.events")


def event_line(event: str, **fields: Any) -> str:
    """``event key=value …``: one grep-able line per event."""
    parts = [event, *(f"{k}={v}" for k, v in fields.items() if v is not None)]
    return " ".join(parts)


async def record(
    event: str,
    *,
    at: datetime,
    actor: str,
    task_id: int | None = None,
    resolution_id: str | None = None,
    **data: Any,
) -> None:
    """Write the audit row and the log line for one event."""
    await AuditEvent.create(
        at=at, event=event, actor=actor, task_id=task_id, resolution_id=resolution_id, data=data
    )
    log.info(event_line(event, actor=actor, task=task_id, resolution=resolution_id, **data))


def refusal(event: str, **fields: Any) -> None:
    """A refused input (forged button, stranger's press): logged, changes nothing."""
    log.warning(event_line(event, **fields))
