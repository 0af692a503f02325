"""When an unconfirmed task is escalated: pure date arithmetic over a task's escalation chain.

Binding (the README): ``after: Nd`` puts the task into the recipient's digest of D+N; with ``every``
it is escalated again every so many days while it stays overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Step:
    after_days: int
    recipients: frozenset[str]  # person ids, "controller" and groups already resolved
    every_days: int | None = None

    def first_day(self, deadline: date) -> date:
        return deadline + timedelta(days=self.after_days)

    def fires_between(self, deadline: date, since: date | None, through: date) -> bool:
        """Whether the step fires on a day in (``since``, ``through``]."""
        first = self.first_day(deadline)
        low = first if since is None else max(first, since + timedelta(days=1))
        if low > through:
            return False
        if self.every_days is None:
            return low == first
        offset = (low - first).days
        next_fire = first + timedelta(days=-(-offset // self.every_days) * self.every_days)
        return next_fire <= through


def first_escalation(deadline: date, steps: tuple[Step, ...], recipient: str) -> date | None:
    """The first day the task reaches ``recipient``'s digest, or None if it never does."""
    days = [s.first_day(deadline) for s in steps if recipient in s.recipients]
    return min(days, default=None)


def escalated_between(
    deadline: date, steps: tuple[Step, ...], recipient: str, since: date | None, through: date
) -> bool:
    """Whether any step for ``recipient`` fires in (``since``, ``through``]."""
    return any(
        s.fires_between(deadline, since, through) for s in steps if recipient in s.recipients
    )
