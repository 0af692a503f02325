"""The bot's commands: /tasks, /status, /report, /help and /cancel, for a person of the roster."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.audit import refusal
from engine.callbacks import Action, Press
from engine.channels.base import Button
from engine.channels.events import Who
from engine.channels.telegram_text import TELEGRAM_LIMIT, split_message
from engine.render import dmy
from engine.service.conversation_said import Handled, Said
from engine.texts import Texts
from engine.timing.local import local_date
from engine.workflow.catalog import clause_order
from storage.models import Dialogue, Extension, ExtensionState, Person, Resolution, Task, TaskState

TASKS_SHOWN = 30
TASKS_WITH_BUTTONS = 10


async def command(name: str, person: Person, who: Who, now: datetime, texts: Texts) -> Handled:
    controls = await Resolution.filter(controller_id=person.id).exists()

    def said(key: str) -> list[Said]:
        return [Said(texts.say(key, who.channel))]

    if name == "/help":
        return Handled(
            "help", [Said(texts.say("conversation.help", who.channel, controller=controls))]
        )
    if name == "/tasks":
        return Handled("tasks", await tasks_of(person, now, texts, who.channel))
    if name == "/status":
        if not controls:
            return Handled("status-refused", said("conversation.not_controller"))
        return Handled("status", await status_of(person, now, texts, who.channel))
    if name == "/report":
        if not controls:
            refusal("report.refused", person=person.id)
            return Handled("report-refused", said("reportbot.not_controller"))
        return Handled("report", said("reportbot.coming"), reports_for=person.id)
    if name == "/cancel":
        deleted = await Dialogue.filter(channel=who.channel, chat_id=who.chat_id).delete()
        return Handled(
            "cancelled",
            said("conversation.cancelled" if deleted else "conversation.nothing_to_cancel"),
        )
    return Handled("unknown-command", said("conversation.unknown_command"))


async def tasks_of(person: Person, now: datetime, texts: Texts, channel: str) -> list[Said]:
    """/tasks: the person's open tasks, nearest deadline first, with buttons for the first few."""
    tasks = (
        await Task.filter(owner_id=person.id, state__in=[TaskState.OPEN, TaskState.REPORTED])
        .select_related("resolution")
        .order_by("deadline", "id")
        .limit(TASKS_SHOWN + 1)
    )
    if not tasks:
        return [Said(texts.say("conversation.no_tasks", channel))]
    tasks.sort(
        key=lambda t: (t.extended_to or t.deadline, t.resolution_id, clause_order(t.clause_id))
    )
    lines = [texts.say("conversation.tasks_title", channel, count=len(tasks[:TASKS_SHOWN]))]
    rows: list[tuple[Button, ...]] = []
    for n, task in enumerate(tasks[:TASKS_SHOWN], start=1):
        deadline = task.extended_to or task.deadline
        today = local_date(now, ZoneInfo(person.timezone or task.resolution.timezone))
        if task.state == TaskState.REPORTED:
            where = texts.say("conversation.task_reported", channel)
        elif deadline < today:
            where = texts.say("conversation.task_late", channel, days=(today - deadline).days)
        else:
            where = texts.say("conversation.task_due", channel, deadline=dmy(deadline))
        text = task.clause_text if len(task.clause_text) <= 160 else task.clause_text[:159] + "…"
        lines.append(
            texts.say(
                "conversation.task_line", channel, n=n, clause=task.clause_id,
                number=task.resolution.number, where=where, text=text,
            )
        )  # fmt: skip
        if task.state == TaskState.OPEN and len(rows) < TASKS_WITH_BUTTONS:
            rows.append(
                (
                    Button(
                        texts.plain("conversation.task_button_done", channel, n=n),
                        Press(Action.DONE, task.id),
                    ),
                    Button(
                        texts.plain("conversation.task_button_report", channel, n=n),
                        Press(Action.REPORT, task.id),
                    ),
                    Button(
                        texts.plain("conversation.task_button_extend", channel, n=n),
                        Press(Action.EXTEND, task.id),
                    ),
                )
            )
    if len(tasks) > TASKS_SHOWN:
        lines.append(texts.say("conversation.tasks_more", channel))
    if rows:
        lines.append(texts.say("conversation.tasks_buttons", channel))
    *first, last = split_message("\n".join(lines), TELEGRAM_LIMIT)
    return [*(Said(part) for part in first), Said(last, tuple(rows))]


async def status_of(person: Person, now: datetime, texts: Texts, channel: str) -> list[Said]:
    """/status: per-clause progress of every resolution the person controls."""
    parts: list[str] = []
    for resolution in await Resolution.filter(controller_id=person.id).order_by("id"):
        today = local_date(now, ZoneInfo(resolution.timezone))
        rows = (
            await Task.filter(resolution_id=resolution.id)
            .exclude(state=TaskState.CANCELLED)
            .values("clause_id", "state", "deadline", "extended_to")
        )
        by_clause: dict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            late = (
                row["state"] == TaskState.OPEN and (row["extended_to"] or row["deadline"]) < today
            )
            by_clause[row["clause_id"]].update(
                {"all": 1, str(row["state"]): 1, "late": 1 if late else 0}
            )
        done = sum(c["done"] for c in by_clause.values())
        total = sum(c["all"] for c in by_clause.values())
        lines = [
            texts.say(
                "conversation.status_title", channel, number=resolution.number,
                title=resolution.title, done=done, total=total,
            )
        ]  # fmt: skip
        for clause in sorted(by_clause, key=clause_order):
            c = by_clause[clause]
            line = texts.say(
                "conversation.status_clause", channel, clause=clause, done=c["done"],
                total=c["all"], reported=c["reported"], late=c["late"],
            )  # fmt: skip
            lines.append(line)
        pending = await _pending_extensions(resolution.id)
        if pending:
            lines.append(texts.say("conversation.status_pending", channel, count=pending))
        parts.append("\n".join(lines))
    if not parts:
        return [Said(texts.say("conversation.not_controller", channel))]
    *first, last = split_message("\n\n".join(parts), TELEGRAM_LIMIT)
    button = Button(texts.plain("conversation.report_button", channel), Press(Action.REPORTS, 0))
    return [*(Said(p) for p in first), Said(last, (button,))]


async def _pending_extensions(resolution_id: str) -> int:
    return await Extension.filter(
        task__resolution_id=resolution_id, task__state=TaskState.OPEN, state=ExtensionState.PENDING
    ).count()
