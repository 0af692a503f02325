"""A press of one of our buttons, in any messenger: verified, authorised, applied at most once.

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
from engine.callbacks import Action, Press, Signer
from engine.channels.events import Pressed, Who
from engine.render import dmy
from engine.report import bot as report_bot
from engine.service import control, extension_talk
from engine.service.confirm import ANSWER_CANCELLED, ANSWER_CLOSED, Outcome, owner_says_done
from engine.service.identity import person_of
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
class PressResult(Outcome):
    prompt: str | None = None  # a message to send into the dialog after the answer
    reports_for: str | None = None  # a controller's id: send them their reports (DOCX) after


async def press(signer: Signer, event: Pressed, now: datetime) -> PressResult:
    """Apply a press of one of our buttons: the one place a press's data is verified."""
    who = event.who
    pressed = signer.verify(event.data)
    if pressed is None:
        refusal("callback.forged", user=who.user_id, data=repr(event.data))
        return PressResult(ANSWER_FORGED, False, "forged")
    person = await person_of(who)
    if pressed.action == Action.REPORTS:  # «Справка для президиума» under /status
        if person is None or not await report_bot.controls_any(person.id):
            refusal("callback.not_controller", user=who.user_id, action=pressed.action.value)
            return PressResult(ANSWER_NOT_CONTROLLER, False, "not-controller")
        return PressResult(report_bot.COMING, False, "report", reports_for=person.id)
    async with in_transaction():
        if pressed.action in (Action.APPROVE, Action.REJECT):
            return await _on_extension(pressed, person, who, now)
        # Lock the task row alone: PostgreSQL refuses FOR UPDATE across an outer join.
        task = await Task.filter(id=pressed.target).select_for_update().first()
        if task is None:
            refusal("callback.unknown_task", user=who.user_id, task=pressed.target)
            return PressResult(ANSWER_FORGED, False, "unknown-task")
        if pressed.action.by_controller:
            return await _as_controller(pressed, task, person, who, now)
        if person is None or person.id != task.owner_id:
            refusal("callback.foreign", user=who.user_id, task=task.id, owner=task.owner_id)
            return PressResult(ANSWER_FOREIGN, False, "foreign")
        return await _as_owner(pressed.action, task, person, who, now)


async def _as_owner(
    action: Action, task: Task, person: Person, who: Who, now: datetime
) -> PressResult:
    if action == Action.DONE:
        done = await owner_says_done(task, now, via=who.channel)
        return PressResult(done.answer, done.changed, done.name)
    if action in (Action.DATE_YES, Action.DATE_NO):
        answer, name, prompt = await extension_talk.on_confirm_press(
            action == Action.DATE_YES, who, task, person, now
        )
        prompt = None if prompt is None else esc(prompt)
        return PressResult(answer, prompt is not None, name, prompt)
    # A report may follow a «Выполнено» (more material for the controller); more time only for
    # work still open.
    allowed = (TaskState.OPEN, TaskState.REPORTED) if action == Action.REPORT else (TaskState.OPEN,)
    if task.state not in allowed:
        refusal("confirm.stale", via=who.channel, task=task.id, state=task.state.value)
        answer = ANSWER_CANCELLED if task.state == TaskState.CANCELLED else ANSWER_CLOSED
        return PressResult(answer, False, "stale")
    clause = esc(task.clause_id)
    if action == Action.REPORT:
        await expect(who, person, "report", task, now)
        prompt = ASK_REPORT.format(clause=clause)
        return PressResult(ANSWER_ASK_REPORT, False, "asked-report", prompt)
    if await control.pending_extension(task.id) is not None:
        return PressResult(ANSWER_EXTENSION_PENDING, False, "extension-pending")
    await expect(who, person, "extension_date", task, now)
    deadline = task.extended_to or task.deadline
    today = await extension_talk.today_of(task, person, now)
    examples = esc(extension_talk.examples(deadline, today))
    prompt = ASK_DATE.format(clause=clause, deadline=dmy(deadline), examples=examples)
    return PressResult(ANSWER_ASK_DATE, False, "asked-date", prompt)


async def _as_controller(
    pressed: Press, task: Task, person: Person | None, who: Who, now: datetime
) -> PressResult:
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal(
            "callback.not_controller", user=who.user_id, task=task.id, action=pressed.action.value
        )
        return PressResult(ANSWER_NOT_CONTROLLER, False, "not-controller")
    decided = await control.decide_report(pressed.action, task, pressed.round, now, via=who.channel)
    if not decided.changed or pressed.action == Action.ACCEPT:
        return PressResult(decided.answer, decided.changed, decided.name)
    task.state, task.reported_at = TaskState.OPEN, None
    owner = await Person.get(id=task.owner_id)
    await control.announce_return(task, owner, resolution.number, now)
    await expect(who, person, "return_comment", task, now)
    return PressResult(decided.answer, True, decided.name, control.ASK_COMMENT)


async def _on_extension(
    pressed: Press, person: Person | None, who: Who, now: datetime
) -> PressResult:
    request = await Extension.filter(id=pressed.target).select_for_update().first()
    if request is None:
        refusal("callback.unknown_extension", user=who.user_id, extension=pressed.target)
        return PressResult(ANSWER_FORGED, False, "unknown-extension")
    task = await Task.filter(id=request.task_id).select_for_update().get()
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal("callback.not_controller", user=who.user_id, extension=request.id)
        return PressResult(ANSWER_NOT_CONTROLLER, False, "not-controller")
    decided = await control.decide_extension(pressed.action, request, task, now)
    return PressResult(decided.answer, decided.changed, decided.name)


async def expect(
    who: Who, person: Person, step: str, task: Task, now: datetime, **data: object
) -> None:
    """Remember what the next message from this dialog is for (one thing at a time)."""
    await Dialogue.update_or_create(
        channel=who.channel,
        chat_id=who.chat_id,
        defaults={
            "person_id": person.id, "step": step, "task_id": task.id, "data": data,
            "expires_at": now + DIALOGUE_TTL,
        },
    )  # fmt: skip
