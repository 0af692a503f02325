"""A button press from Telegram: verified, authorised, applied at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from engine.audit import record, refusal
from engine.callbacks import Action, verify
from engine.lifecycle import NotAllowed, on_owner_done
from engine.service.schedule import policy_of
from storage.models import Person, Task, TaskState

ANSWER_FORGED = "Эта кнопка недействительна."
ANSWER_FOREIGN = "Этот пункт поручен другому исполнителю: отметить его может только он сам."
ANSWER_CLOSED = "Этот пункт уже отмечен, повторно ничего делать не нужно."
ANSWER_CANCELLED = "Этот пункт снят с исполнения, отмечать его не нужно."
ANSWER_REPORTED = "Спасибо! Отметка о выполнении передана контролёру."
ANSWER_DONE = "Спасибо! Пункт отмечен как выполненный."


@dataclass(frozen=True)
class Outcome:
    answer: str  # shown to the presser
    changed: bool  # the task's state changed
    name: str  # stable name for the inbound record and logs


async def press(secret: bytes, data: str | None, from_user_id: int, now: datetime) -> Outcome:
    """Apply a press of a reminder's button by Telegram user ``from_user_id``."""
    pressed = verify(secret, data)
    if pressed is None:
        refusal("callback.forged", user=from_user_id, data=repr(data))
        return Outcome(ANSWER_FORGED, False, "forged")
    async with in_transaction():
        # Lock the task row alone: PostgreSQL refuses FOR UPDATE across an outer join.
        task = await Task.filter(id=pressed.task_id).select_for_update().first()
        if task is None:
            refusal("callback.unknown_task", user=from_user_id, task=pressed.task_id)
            return Outcome(ANSWER_FORGED, False, "unknown-task")
        owner = await Person.get(id=task.owner_id)
        if owner.telegram_chat_id != from_user_id:
            refusal("callback.foreign", user=from_user_id, task=task.id, owner=task.owner_id)
            return Outcome(ANSWER_FOREIGN, False, "foreign")
        assert pressed.action == Action.DONE
        return await owner_says_done(task, now, via="telegram")


async def owner_says_done(task: Task, now: datetime, *, via: str) -> Outcome:
    """The owner says the clause is done (a button, or a mail reply): the transition their
    policy gives, at most once. The caller has checked that it is the owner."""
    acceptance = policy_of(task.policy).acceptance
    try:
        state = on_owner_done(task.state, acceptance)
    except NotAllowed:
        refusal("confirm.stale", via=via, task=task.id, state=task.state.value)
        if task.state == TaskState.CANCELLED:
            return Outcome(ANSWER_CANCELLED, False, "cancelled")
        return Outcome(ANSWER_CLOSED, False, "stale")
    changed = await Task.filter(id=task.id, state=TaskState.OPEN).update(
        state=state,
        reported_at=now,
        closed_at=now if state == TaskState.DONE else None,
        next_due_at=None,
    )
    if not changed:  # another pass applied the same confirmation a moment ago
        return Outcome(ANSWER_CLOSED, False, "stale")
    await record(
        f"task.{state.value}",
        at=now,
        actor=task.owner_id,
        task_id=task.id,
        resolution_id=task.resolution_id,
        via=via,
    )
    return Outcome(ANSWER_DONE if state == TaskState.DONE else ANSWER_REPORTED, True, state.value)
