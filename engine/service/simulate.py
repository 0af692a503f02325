"""``resolute simulate``: every message that would go out, by running the engine itself.

The workflow is applied to a throw-away in-memory database, and the same ``advance`` a tick
runs is called at every moment something can become due (a reminder slot, a digest time, a new
local day, a retry), with a sender that records instead of sending. Nobody confirms anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.channels.base import Delivered
from engine.channels.email import Mail
from engine.mail_ids import message_id
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.cycle import TickReport, advance
from engine.service.delivery import Keyboard, Outlets
from engine.service.delivery.buttons import keyboard_rows
from engine.service.schedule import policy_of
from engine.timing import due
from engine.timing.local import at_local, local_date
from engine.timing.occurrences import lead_days, occurrence_deadlines
from engine.workflow.catalog import Catalog
from storage.db import database
from storage.models import Outbox, OutboxStatus, Task, TaskState

SIMULATION_SECRET = b"simulation-only-not-a-real-secret"


@dataclass(frozen=True)
class Planned:
    """One message of the timeline."""

    at: datetime  # UTC
    channel: str  # telegram, or "none" when nothing reaches the person
    recipient: str
    recipient_name: str
    kind: str  # reminder | digest
    workflow: str
    clause: str
    occurrence: str
    key: str
    text: str | None = None  # what the recipient reads (Telegram HTML or e-mail text), if kept

    def as_json(self) -> dict[str, str]:
        shown = {} if self.text is None else {"text": self.text}
        return {
            "at": self.at.isoformat(),
            "channel": self.channel,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "kind": self.kind,
            "workflow": self.workflow,
            "clause": self.clause,
            "occurrence": self.occurrence,
            "key": self.key,
        } | shown


class RecordingSender:
    """Accepts every message, as if every linked official had pressed Start."""

    def __init__(self) -> None:
        self.count = 0
        self.texts: dict[str, str] = {}  # external id → the HTML sent

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        self.count += 1
        rows = keyboard_rows(buttons)
        keyboard = "\n".join("  ".join(f"[{b.text}]" for b in row) for row in rows)
        self.texts[f"{chat_id}:{self.count}"] = f"{html}\n\n{keyboard}" if keyboard else html
        return Delivered(f"{chat_id}:{self.count}")

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered:
        return await self.send(chat_id, "")


class RecordingMailer:
    """Accepts every e-mail, as if no address ever bounced."""

    from_address = "simulation@resolute.invalid"

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}  # Message-ID → the plain-text part

    async def send(self, mail: Mail, now: datetime) -> Delivered:
        sent = message_id(SIMULATION_SECRET, mail.key, mail.to_address, self.from_address)
        self.texts[sent] = f"Тема: {mail.subject}\n\n{mail.text}"
        return Delivered(sent)


async def simulate(
    catalog: Catalog,
    until: date,
    renderer: Renderer,
    *,
    email: bool = False,
    start: datetime | None = None,
    texts: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Planned]:
    """The timeline from ``start`` (default: the earliest adoption) through the end of ``until``.

    Telegram is taken as configured; e-mail only when ``email`` (as when SMTP is configured).
    ``texts``: keep what each message says (``Planned.text``).
    ``progress(days done, days in all)`` follows the simulated clock."""
    zones = [ZoneInfo(r.meta.timezone) for r in catalog.resolutions]
    if not zones:
        return []
    begin = start or min(
        at_local(r.meta.adopted, time(0), ZoneInfo(r.meta.timezone)) for r in catalog.resolutions
    )
    end = max(at_local(until + timedelta(days=1), time(0), z) for z in zones)
    async with database("sqlite://:memory:"):
        await apply_catalog(catalog, begin)
        sender, mailer = RecordingSender(), RecordingMailer() if email else None
        outlets = Outlets(telegram=sender, max=sender, email=mailer)  # every messenger on
        report = TickReport()
        now = begin
        days = max(1, (end - begin).days)
        while now < end:
            await advance(report, now, outlets, renderer, SIMULATION_SECRET)
            now = await _next_event(now, catalog, end)
            if progress is not None:
                progress(min(days, (now - begin).days), days)
        said = {**sender.texts, **(mailer.texts if mailer else {})} if texts else None
        return await _timeline(end, said)


async def _next_event(now: datetime, catalog: Catalog, end: datetime) -> datetime:
    """The earliest moment after ``now`` at which a tick could have something to do, given
    that nobody confirms anything: a reminder slot, a retry, the day a recurring occurrence is
    created, or a digest time on a day some escalation fires (the only news a digest can have
    when nobody reports). Ticking only then gives the same outbox as ticking all the time."""
    candidates: list[datetime] = [end]
    reminder = await (
        Task.filter(state=TaskState.OPEN, next_due_at__gt=now)
        .order_by("next_due_at")
        .limit(1)
        .values("next_due_at")
    )
    retry = await (
        Outbox.filter(status=OutboxStatus.PENDING, attempt_at__gt=now)
        .order_by("attempt_at")
        .limit(1)
        .values("attempt_at")
    )
    candidates += [row["next_due_at"] for row in reminder] + [row["attempt_at"] for row in retry]
    candidates += _next_occurrences(now, catalog)
    candidates += await _next_escalations(now)
    return min(c if c.tzinfo else c.replace(tzinfo=UTC) for c in candidates)


def _next_occurrences(now: datetime, catalog: Catalog) -> list[datetime]:
    """The start of the next local day on which each recurring clause creates an occurrence."""
    moments = []
    for resolution in catalog.resolutions:
        today = local_date(now, resolution.tz)
        for clause in resolution.clauses:
            if clause.rule is None:
                continue
            lead = lead_days(clause.policy.remind)
            upcoming = occurrence_deadlines(
                clause.rule, resolution.meta.adopted, clause.until,
                today + timedelta(days=lead + 400), after=today + timedelta(days=lead),
            )  # fmt: skip
            if upcoming:
                day = upcoming[0] - timedelta(days=lead)
                moments.append(at_local(day, time(0), resolution.tz))
    return moments


async def _next_escalations(now: datetime) -> list[datetime]:
    """The next digest time, per open task and escalation step, at which the step fires."""
    moments = set()
    rows = await Task.filter(state=TaskState.OPEN).values(
        "deadline", "extended_to", "policy", "resolution__timezone"
    )
    seen = set()
    for row in rows:
        key = (row["extended_to"] or row["deadline"], json.dumps(row["policy"], sort_keys=True),
               row["resolution__timezone"])  # fmt: skip
        if key in seen:
            continue
        seen.add(key)
        policy = policy_of(row["policy"])
        moments.update(
            due.next_escalation_digests(
                key[0], policy.escalate, policy.digest_at, ZoneInfo(key[2]), now
            )
        )
    return list(moments)


async def _timeline(end: datetime, texts: dict[str, str] | None = None) -> list[Planned]:
    rows = (
        await Outbox.filter(due_at__lt=end)
        .select_related("person", "task")
        .order_by("due_at", "kind", "person_id", "key")
    )
    return [
        Planned(
            at=row.due_at,
            channel=row.channel,
            recipient=row.person_id,
            recipient_name=row.person.name,
            kind=row.kind,
            workflow=row.task.resolution_id if row.task else "",
            clause=row.task.clause_id if row.task else "",
            occurrence=row.task.occurrence if row.task else "",
            key=row.key,
            text=None if texts is None else texts.get(row.external_id or "", ""),
        )
        for row in rows
    ]
