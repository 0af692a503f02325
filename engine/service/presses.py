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
from engine.service.confirm import Outcome, owner_says_done
from engine.service.identity import person_of
from engine.service.notices import esc
from engine.texts import Texts
from storage.models import Dialogue, Extension, Person, Resolution, Task, TaskState

DIALOGUE_TTL = timedelta(hours=1)  # an answer hours later is more likely about something else


@dataclass(frozen=True)
class PressResult(Outcome):
    prompt: str | None = None  # a message to send into the dialog after the answer
    reports_for: str | None = None  # a controller's id: send them their reports (DOCX) after


async def press(signer: Signer, event: Pressed, now: datetime, texts: Texts) -> PressResult:
    """Apply a press of one of our buttons: the one place a press's data is verified. The
    answers are plain text (a pop-up), the prompts HTML, in the words of ``texts``."""
    who = event.who
    pressed = signer.verify(event.data)
    if pressed is None:
        refusal("callback.forged", user=who.user_id, data=repr(event.data))
        return PressResult(texts.plain("presses.forged", who.channel), False, "forged")
    person = await person_of(who)
    if pressed.action == Action.REPORTS:  # «Справка для президиума» under /status
        if person is None or not await report_bot.controls_any(person.id):
            refusal("callback.not_controller", user=who.user_id, action=pressed.action.value)
            return _not_controller(texts, who)
        coming = texts.plain("reportbot.coming", who.channel)
        return PressResult(coming, False, "report", reports_for=person.id)
    async with in_transaction():
        if pressed.action in (Action.APPROVE, Action.REJECT):
            return await _on_extension(pressed, person, who, now, texts)
        # Lock the task row alone: PostgreSQL refuses FOR UPDATE across an outer join.
        task = await Task.filter(id=pressed.target).select_for_update().first()
        if task is None:
            refusal("callback.unknown_task", user=who.user_id, task=pressed.target)
            return PressResult(texts.plain("presses.forged", who.channel), False, "unknown-task")
        if pressed.action.by_controller:
            return await _as_controller(pressed, task, person, who, now, texts)
        if person is None or person.id != task.owner_id:
            refusal("callback.foreign", user=who.user_id, task=task.id, owner=task.owner_id)
            return PressResult(texts.plain("presses.foreign", who.channel), False, "foreign")
        return await _as_owner(pressed.action, task, person, who, now, texts)


def _not_controller(texts: Texts, who: Who) -> PressResult:
    return PressResult(texts.plain("presses.not_controller", who.channel), False, "not-controller")


async def _as_owner(
    action: Action, task: Task, person: Person, who: Who, now: datetime, texts: Texts
) -> PressResult:
    channel = who.channel
    if action == Action.DONE:
        done = await owner_says_done(task, now, texts=texts, via=channel)
        return PressResult(done.answer, done.changed, done.name)
    talk = extension_talk.Talk(texts, channel)
    if action in (Action.DATE_YES, Action.DATE_NO):
        answer, name, prompt = await talk.on_confirm_press(
            action == Action.DATE_YES, who, task, person, now
        )
        prompt = None if prompt is None else esc(prompt)
        return PressResult(answer, prompt is not None, name, prompt)
    # A report may follow a «Выполнено» (more material for the controller); more time only for
    # work still open.
    allowed = (TaskState.OPEN, TaskState.REPORTED) if action == Action.REPORT else (TaskState.OPEN,)
    if task.state not in allowed:
        refusal("confirm.stale", via=who.channel, task=task.id, state=task.state.value)
        closed = "confirm.cancelled" if task.state == TaskState.CANCELLED else "confirm.closed"
        return PressResult(texts.plain(closed, channel), False, "stale")
    if action == Action.REPORT:
        await expect(who, person, "report", task, now)
        prompt = texts.say("presses.ask_report", channel, clause=task.clause_id)
        waiting = texts.plain("presses.waiting_report", channel)
        return PressResult(waiting, False, "asked-report", prompt)
    if await control.pending_extension(task.id) is not None:
        pending = texts.plain("presses.extension_pending", channel)
        return PressResult(pending, False, "extension-pending")
    await expect(who, person, "extension_date", task, now)
    deadline = task.extended_to or task.deadline
    today = await extension_talk.today_of(task, person, now)
    prompt = texts.say(
        "presses.ask_date", channel, clause=task.clause_id, deadline=dmy(deadline),
        examples=talk.examples(deadline, today),
    )  # fmt: skip
    return PressResult(texts.plain("presses.waiting_date", channel), False, "asked-date", prompt)


async def _as_controller(
    pressed: Press, task: Task, person: Person | None, who: Who, now: datetime, texts: Texts
) -> PressResult:
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal(
            "callback.not_controller", user=who.user_id, task=task.id, action=pressed.action.value
        )
        return _not_controller(texts, who)
    decided = await control.decide_report(
        pressed.action, task, pressed.round, now, texts=texts, via=who.channel
    )
    if not decided.changed or pressed.action == Action.ACCEPT:
        return PressResult(decided.answer, decided.changed, decided.name)
    task.state, task.reported_at = TaskState.OPEN, None
    owner = await Person.get(id=task.owner_id)
    await control.announce_return(task, owner, resolution.number, now, texts=texts)
    await expect(who, person, "return_comment", task, now)
    ask = texts.say("control.ask_comment", who.channel)
    return PressResult(decided.answer, True, decided.name, ask)


async def _on_extension(
    pressed: Press, person: Person | None, who: Who, now: datetime, texts: Texts
) -> PressResult:
    request = await Extension.filter(id=pressed.target).select_for_update().first()
    if request is None:
        refusal("callback.unknown_extension", user=who.user_id, extension=pressed.target)
        forged = texts.plain("presses.forged", who.channel)
        return PressResult(forged, False, "unknown-extension")
    task = await Task.filter(id=request.task_id).select_for_update().get()
    resolution = await Resolution.get(id=task.resolution_id)
    if person is None or person.id != resolution.controller_id:
        refusal("callback.not_controller", user=who.user_id, extension=request.id)
        return _not_controller(texts, who)
    decided = await control.decide_extension(
        pressed.action, request, task, now, texts=texts, via=who.channel
    )
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
