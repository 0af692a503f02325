"""The heartbeat: every ``resolute run`` pass writes one row for its instance.

A pass that cannot write its heartbeat (the database just went away) logs it and goes on: the
heartbeat reports on the service, it must never be the reason a pass fails.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import BaseORMException
from tortoise.expressions import F

from engine.audit import event_line
from storage.models import Heartbeat

log = logging.getLogger("resolute.run")
FORGET_AFTER = timedelta(days=7)  # rows of instances gone this long are removed
ERROR_CHARS = 500


def instance_name() -> str:
    """``host:pid``: unique among instances alive at once, readable in ``status --health``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Beat:
    """What one pass says about its instance."""

    instance: str
    started_at: datetime  # when the instance started
    at: datetime  # when the pass started
    duration_s: float
    polls_telegram: bool
    reads_mail: bool
    error: str | None = None
    polls_max: bool = False


async def record_beat(beat: Beat) -> None:
    """Upsert the instance's row; keep its last error until a newer one replaces it."""
    values: dict[str, Any] = {
        "started_at": beat.started_at,
        "last_pass_at": beat.at,
        "pass_duration_ms": round(beat.duration_s * 1000),
        "polls_telegram": beat.polls_telegram,
        "polls_max": beat.polls_max,
        "reads_mail": beat.reads_mail,
    }
    if beat.error is not None:
        values |= {"last_error": beat.error[:ERROR_CHARS], "last_error_at": beat.at}
    try:
        updated = await Heartbeat.filter(instance=beat.instance).update(
            passes=F("passes") + 1, **values
        )
        if not updated:
            await Heartbeat.create(instance=beat.instance, passes=1, **values)
        await Heartbeat.filter(last_pass_at__lt=beat.at - FORGET_AFTER).delete()
    except (BaseORMException, OSError) as exc:
        log.warning(event_line("run.heartbeat_failed", error=repr(str(exc))))
