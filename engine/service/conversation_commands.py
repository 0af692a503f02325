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
from engine.report import bot as report_bot
from engine.service.conversation_said import Handled, Said
from engine.service.notices import esc
from engine.timing.local import local_date
from engine.workflow.catalog import clause_order
from storage.models import Dialogue, Extension, ExtensionState, Person, Resolution, Task, TaskState

HELP = (
    "Я напоминаю о пунктах постановлений, которые вам поручены, и передаю контролёру ваши "
    "отметки и отчёты.\n\n"
    "Под каждым напоминанием есть кнопки:\n"
    "• «Выполнено» — отметить пункт выполненным;\n"
    "• «Отправить отчёт» — прислать текст, ссылку, фото или файл;\n"
    "• «Нужна отсрочка» — попросить контролёра перенести срок.\n"
    "Ответ на напоминание (текст, фото, файл) тоже прикладывается к пункту.\n\n"
    "Команды:\n/tasks — ваши открытые пункты\n/cancel — отменить начатое действие\n"
    "/help — эта справка"
)
HELP_CONTROLLER = (
    "\n/status — ход исполнения постановлений, которые вы контролируете"
    "\n/report — справка о ходе выполнения для президиума (файл Word)"
)
REPORT_BUTTON = "📄 Справка для президиума (DOCX)"
UNKNOWN_COMMAND = "Такой команды нет. Что умеет бот — /help."
NOTHING_TO_CANCEL = "Отменять нечего."
CANCELLED = "Хорошо, отменено."
NOT_CONTROLLER = "Команда /status доступна контролёру постановления. Ваши пункты — /tasks."
NO_TASKS = "Открытых пунктов у вас нет. Спасибо!"
TASKS_SHOWN = 30
TASKS_WITH_BUTTONS = 10


async def command(name: str, person: Person, who: Who, now: datetime) -> Handled:
    controls = await Resolution.filter(controller_id=person.id).exists()
    if name == "/help":
        return Handled("help", [Said(HELP + (HELP_CONTROLLER if controls else ""))])
    if name == "/tasks":
        return Handled("tasks", await tasks_of(person, now))
    if name == "/status":
        if not controls:
            return Handled("status-refused", [Said(NOT_CONTROLLER)])
        return Handled("status", await status_of(person, now))
    if name == "/report":
        if not controls:
            refusal("report.refused", person=person.id)
            return Handled("report-refused", [Said(report_bot.NOT_CONTROLLER)])
        return Handled("report", [Said(report_bot.COMING)], reports_for=person.id)
    if name == "/cancel":
        deleted = await Dialogue.filter(channel=who.channel, chat_id=who.chat_id).delete()
        return Handled("cancelled", [Said(CANCELLED if deleted else NOTHING_TO_CANCEL)])
    return Handled("unknown-command", [Said(UNKNOWN_COMMAND)])


async def tasks_of(person: Person, now: datetime) -> list[Said]:
    """/tasks: the person's open tasks, nearest deadline first, with buttons for the first few."""
    tasks = (
        await Task.filter(owner_id=person.id, state__in=[TaskState.OPEN, TaskState.REPORTED])
        .select_related("resolution")
        .order_by("deadline", "id")
        .limit(TASKS_SHOWN + 1)
    )
    if not tasks:
        return [Said(NO_TASKS)]
    tasks.sort(
        key=lambda t: (t.extended_to or t.deadline, t.resolution_id, clause_order(t.clause_id))
    )
    lines = [f"<b>Ваши открытые пункты</b> ({len(tasks[:TASKS_SHOWN])}):"]
    rows: list[tuple[Button, ...]] = []
    for n, task in enumerate(tasks[:TASKS_SHOWN], start=1):
        deadline = task.extended_to or task.deadline
        today = local_date(now, ZoneInfo(person.timezone or task.resolution.timezone))
        if task.state == TaskState.REPORTED:
            where = "отчёт у контролёра"
        elif deadline < today:
            where = f"<b>просрочен на {(today - deadline).days} дн.</b>"
        else:
            where = f"срок {dmy(deadline)}"
        text = task.clause_text if len(task.clause_text) <= 160 else task.clause_text[:159] + "…"
        lines.append(
            f"{n}. п. {esc(task.clause_id)} пост. № {esc(task.resolution.number)} — {where}\n"
            f"   {esc(text)}"
        )
        if task.state == TaskState.OPEN and len(rows) < TASKS_WITH_BUTTONS:
            label = f"{n}"
            rows.append(
                (
                    Button(f"✅ {label}", Press(Action.DONE, task.id)),
                    Button(f"📎 {label}", Press(Action.REPORT, task.id)),
                    Button(f"⏳ {label}", Press(Action.EXTEND, task.id)),
                )
            )
    if len(tasks) > TASKS_SHOWN:
        lines.append("…и другие; показаны ближайшие по сроку.")
    if rows:
        lines.append(
            "\nКнопки: ✅ выполнено, 📎 отправить отчёт, ⏳ нужна отсрочка (по номеру пункта)."
        )
    *first, last = split_message("\n".join(lines), TELEGRAM_LIMIT)
    return [*(Said(part) for part in first), Said(last, tuple(rows))]


async def status_of(person: Person, now: datetime) -> list[Said]:
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
        title = f"№ {esc(resolution.number)} «{esc(resolution.title)}»"
        lines = [f"<b>{title}</b> — выполнено {done} из {total}"]
        for clause in sorted(by_clause, key=clause_order):
            c = by_clause[clause]
            line = f"п. {esc(clause)}: выполнено {c['done']} из {c['all']}"
            line += f", на приёмке {c['reported']}" if c["reported"] else ""
            line += f", <b>просрочено {c['late']}</b>" if c["late"] else ""
            lines.append(line)
        pending = await _pending_extensions(resolution.id)
        if pending:
            lines.append(f"Просьб об отсрочке на рассмотрении: {pending}")
        parts.append("\n".join(lines))
    if not parts:
        return [Said(NOT_CONTROLLER)]
    *first, last = split_message("\n\n".join(parts), TELEGRAM_LIMIT)
    button = Button(REPORT_BUTTON, Press(Action.REPORTS, 0))
    return [*(Said(p) for p in first), Said(last, (button,))]


async def _pending_extensions(resolution_id: str) -> int:
    return await Extension.filter(
        task__resolution_id=resolution_id, task__state=TaskState.OPEN, state=ExtensionState.PENDING
    ).count()
