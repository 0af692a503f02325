"""A button press from Telegram: verified, authorised, applied at most once.

The data must carry our signature (``engine.callbacks``); the presser must be the task's owner
for the owner's buttons and the resolution's controller for the controller's. Anything else —
forged data, a stranger, a task closed since, a request already decided — changes nothing, is
answered politely and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from engine.audit import refusal
from engine.callbacks import Action, Press, verify
from engine.render import dmy
from engine.report import bot as report_bot
from engine.service import control, extension_talk
from engine.service.confirm import ANSWER_CANCELLED, ANSWER_CLOSED, Outcome, owner_says_done
from engine.service.notices import esc
from storage.models import Dialogue, Extension, Person, Resolution, Task, TaskState

ANSWER_FORGED = "Эта кнопка недействительна."
ANSWER_FOREIGN = "Этот пункт поручен другому исполнителю: отметить его может только он сам."
ANSWER_NOT_CONTROLLER = "Это решение может принять только контролёр постановления."
ANSWER_ASK_REPORT = "Жду отчёт следующим сообщением."
ANSWER_ASK_DATE = "Жду новую дату следующим сообщением."
ANSWER_EXTENSION_PENDING = "Просьба об отсрочке по этому пункту уже на рассмотрении у контролёра."
ASK_REPORT = (
    "Пришлите отчёт по пункту {clause} одним сообщением: текст, ссылку, фото или файл "
    "(с подписью, если нужно). Передумали — /cancel."
)
ASK_DATE = (
    "До какой даты нужна отсрочка по пункту {clause}? Сейчас срок — {deadline}. "
    "Напишите, например: {examples}. Передумали — /cancel."
)
DIALOGUE_TTL = timedelta(hours=1)  # an answer hours later is more likely about something else


@dataclass(frozen=True)
class Pressed(Outcome):
    prompt: str | None = None  # a message to send into the chat after the answer
    reports_for: str | None = None  # a controller's id: send them their reports (DOCX) after


async def press(secret: bytes, data: str | None, from_user_id: int, now: datetime) -> Pressed:
    """Apply a press of one of our buttons by Telegram user ``from_user_id``."""
    pressed = verify(secret, data)
    if pressed is None:
        refusal("callback.forged", user=from_user_id, data=repr(data))
        return Pressed(ANSWER_FORGED, False, "forged")
    person = await Person.filter(telegram_chat_id=from_user_id).first()
    if pressed.action == Action.REPORTS:  # «Справка для президиума» under /status
        if person is None or not await report_bot.controls_any(person.id):
            refusal("callback.not_controller", user=from_user_id, action=pressed.action.value)
            return Pressed(ANSWER_NOT_CONTROLLER, False, "not-controller")
        return Pressed(report_bot.COMING, False, "report", reports_for=person.id)
    async with in_transaction():
        if pressed.action in (Action.APPROVE, Action.REJECT):
            return await _on_extension(pressed, person, from_user_id, now)
        # Lock the task row alone: PostgreSQL refuses FOR UPDATE across an outer join.
        task = await Task.filter(id=pressed.target).select_for_update().first()
        if task is None:
            refusal("callback.unknown_task", user=from_user_id, task=pressed.target)
            return Pressed(ANSWER_FORGED, False, "unknown-task")
        if pressed.action.by_controller:
            return await _as_controller(pressed, task, person, from_user_id, secret, now)
        if person is None or person.id != task.owner_id:
            refusal("callback.foreign", user=from_user_id, task=task.id, owner=task.owner_id)
            return Pressed(ANSWER_FOREIGN, False, "foreign")
        return await _as_owner(pressed.action, task, person, from_user_id, secret, now)


async def _as_owner(
    action: Action, task: Task, person: Person, chat_id: int, secret: bytes, now: datetime
) -> Pressed:
    if action == Action.DONE:
        done = await owner_says_done(task, now, via="telegram", secret=secret)
        return Pressed(done.answer, done.changed, done.name)
    if action in (Action.DATE_YES, Action.DATE_NO):
        answer, name, prompt = await extension_talk.on_confirm_press(
            action == Action.DATE_YES, chat_id, task, person, now
        )
        return Pressed(answer, prompt is not None, name, None if prompt is None else esc(prompt))
    # A report may follow a «Выполнено» (more material for the controller); more time only for
    # work still open.
    allowed = (TaskState.OPEN, TaskState.REPORTED) if action == Action.REPORT else (TaskState.OPEN,)
    if task.state not in allowed:
        refusal("confirm.stale", via="telegram", task=task.id, state=task.state.value)
        answer = ANSWER_CANCELLED if task.state == TaskState.CANCELLED else ANSWER_CLOSED
        return Pressed(answer, False, "stale")
    clause = esc(task.clause_id)
    if action == Action.REPORT:
        await expect(chat_id, person, "report", task, now)
        return Pressed(ANSWER_ASK_REPORT, False, "asked-report", ASK_REPORT.format(clause=clause))
    if await control.pending_extension(task.id) is not None:
        return Pressed(ANSWER_EXTENSION_PENDING, False, "extension-pending")
    await expect(chat_id, person, "extension_date", task, now)
    deadline = task.extended_to or task.deadline
    today = await extension_talk.today_of(task, person, now)
    examples = esc(extension_talk.examples(deadline, today))
    prompt = ASK_DATE.format(clause=clause, deadline=dmy(deadline), examples=examples)
    return Pressed(ANSWER_ASK_DATE, False, "asked-date", prompt)


async def _as_controller(
    pressed: Press, task: Task, person: Person | None, user: int, secret: bytes, now: datetime
) -> Pressed:
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal("callback.not_controller", user=user, task=task.id, action=pressed.action.value)
        return Pressed(ANSWER_NOT_CONTROLLER, False, "not-controller")
    decided = await control.decide_report(pressed.action, task, pressed.round, now)
    if not decided.changed or pressed.action == Action.ACCEPT:
        return Pressed(decided.answer, decided.changed, decided.name)
    task.state, task.reported_at = TaskState.OPEN, None
    owner = await Person.get(id=task.owner_id)
    await control.announce_return(task, owner, resolution.number, secret, now)
    await expect(user, person, "return_comment", task, now)
    return Pressed(decided.answer, True, decided.name, control.ASK_COMMENT)


async def _on_extension(pressed: Press, person: Person | None, user: int, now: datetime) -> Pressed:
    request = await Extension.filter(id=pressed.target).select_for_update().first()
    if request is None:
        refusal("callback.unknown_extension", user=user, extension=pressed.target)
        return Pressed(ANSWER_FORGED, False, "unknown-extension")
    task = await Task.filter(id=request.task_id).select_for_update().get()
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal("callback.not_controller", user=user, extension=request.id)
        return Pressed(ANSWER_NOT_CONTROLLER, False, "not-controller")
    decided = await control.decide_extension(pressed.action, request, task, now)
    return Pressed(decided.answer, decided.changed, decided.name)


async def expect(
    chat_id: int, person: Person, step: str, task: Task, now: datetime, **data: object
) -> None:
    """Remember what the next message from this chat is for (one thing at a time)."""
    await Dialogue.update_or_create(
        chat_id=chat_id,
        defaults={
            "person_id": person.id, "step": step, "task_id": task.id, "data": data,
            "expires_at": now + DIALOGUE_TTL,
        },
    )  # fmt: skip
