"""The controller's decisions, and the owner's request for more time that they decide on.

Callers have checked who acts (the resolution's controller, or the task's owner). Each change
is conditional on what was read (the report round, the request still pending), so a replayed,
stale or concurrent press changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from engine.audit import record, refusal
from engine.callbacks import Action, sign
from engine.channels.base import Button
from engine.lifecycle import NotAllowed, on_accept, on_return
from engine.render import dmy
from engine.service.confirm import Outcome
from engine.service.delivery import reminder_buttons
from engine.service.notices import clause_line, esc, notify
from engine.service.schedule import first_check, policy_of
from storage.models import Extension, ExtensionState, Person, Resolution, Task, TaskState

ANSWER_ACCEPTED = "Отчёт принят. Исполнитель получит уведомление."
ANSWER_RETURNED = "Отчёт возвращён на доработку."
ANSWER_REPORT_STALE = "Этот отчёт уже рассмотрен или заменён новым: ничего не изменено."
ANSWER_APPROVED = "Отсрочка одобрена, исполнитель получит уведомление."
ANSWER_REJECTED = "В отсрочке отказано, исполнитель получит уведомление."
ANSWER_EXTENSION_STALE = "Эта просьба уже рассмотрена: ничего не изменено."
ANSWER_EXTENSION_WITHDRAWN = "Исполнитель уже отчитался по этому пункту: отсрочка не нужна."
ANSWER_EXTENSION_MOVED = "Срок пункта с тех пор изменили: просьба устарела, ничего не изменено."
ASK_COMMENT = (
    "Напишите одним сообщением, что нужно доработать, — я передам исполнителю. "
    "Если комментарий не нужен, отправьте /cancel."
)
EXTENSION_HORIZON_DAYS = 366  # a request further out than a year is a typo, not a plan


async def decide_report(action: Action, task: Task, round_: int | None, now: datetime) -> Outcome:
    """«Принять» or «Вернуть на доработку» under report ``round_`` of the task."""
    try:
        state = on_accept(task.state) if action == Action.ACCEPT else on_return(task.state)
    except NotAllowed:
        state = None
    if state is None or round_ != task.reports:
        refusal("control.stale", task=task.id, action=action.value, round=round_)
        return Outcome(ANSWER_REPORT_STALE, False, "stale")
    resolution = await Resolution.get(id=task.resolution_id)
    owner = await Person.get(id=task.owner_id)
    if state == TaskState.DONE:
        values: dict[str, object] = {"state": state, "closed_at": now}
    else:
        deadline = task.extended_to or task.deadline
        values = {
            "state": state,
            "reported_at": None,
            "next_due_at": first_check(
                deadline, policy_of(task.policy), resolution.timezone, owner.timezone,
                owner.quiet_hours, now,
            ),
        }  # fmt: skip
    changed = await Task.filter(id=task.id, state=TaskState.REPORTED, reports=round_).update(
        **values
    )
    if not changed:
        return Outcome(ANSWER_REPORT_STALE, False, "stale")
    event = "task.accepted" if state == TaskState.DONE else "task.returned"
    own = resolution.controller_id == task.owner_id  # a controller who is also an owner
    await record(
        event, at=now, actor=resolution.controller_id, task_id=task.id,
        resolution_id=task.resolution_id, via="telegram", round=round_, own=own or None,
    )  # fmt: skip
    what = clause_line(task, resolution.number)
    if state == TaskState.DONE:
        await notify(
            owner, f"accepted:{task.id}:{round_}",
            f"✔️ Контролёр принял ваш отчёт.\n{what}\nСпасибо!", now,
            subject=f"Отчёт по пункту {task.clause_id} принят", task_id=task.id,
        )  # fmt: skip
        return Outcome(ANSWER_ACCEPTED, True, "accepted")
    return Outcome(ANSWER_RETURNED, True, "returned")


async def announce_return(
    task: Task, owner: Person, number: str, secret: bytes, now: datetime, comment: str | None = None
) -> None:
    """Tell the owner a report came back; the buttons let them act on it again. ``comment``:
    the controller's words, when they came with the return (one message, in order)."""
    deadline = task.extended_to or task.deadline
    said = (
        f"Комментарий контролёра: {esc(comment[:3000])}"
        if comment
        else "Комментарий контролёра, если он будет, придёт отдельно."
    )
    await notify(
        owner,
        f"returned:{task.id}:{task.reports}",
        f"↩️ Контролёр вернул ваш отчёт на доработку.\n{clause_line(task, number)}\n"
        f"Срок: {dmy(deadline)}. {said}",
        now,
        subject=f"Отчёт по пункту {task.clause_id} возвращён на доработку",
        task_id=task.id,
        buttons=reminder_buttons(secret, task.id),
    )


async def pass_comment(task: Task, controller: Person, text: str, now: datetime, key: str) -> None:
    """The controller's comment on a returned report, to the owner."""
    owner = await Person.get(id=task.owner_id)
    resolution = await Resolution.get(id=task.resolution_id)
    await notify(
        owner,
        f"comment:{task.id}:{key}",
        f"💬 Комментарий контролёра ({esc(controller.name)}) к пункту {esc(task.clause_id)} "
        f"постановления № {esc(resolution.number)}:\n{esc(text[:3000])}",
        now,
        subject=f"Комментарий контролёра к пункту {task.clause_id}",
        task_id=task.id,
    )
    await record(
        "task.commented", at=now, actor=controller.id, task_id=task.id,
        resolution_id=task.resolution_id, via="telegram",
    )  # fmt: skip


def extension_problem(task: Task, to: date, today: date) -> str | None:
    """Why ``to`` cannot be asked for, in Russian; None when it can."""
    deadline = task.extended_to or task.deadline
    if to <= deadline:
        return f"Новый срок должен быть позже нынешнего ({dmy(deadline)})."
    if to < today:
        return "Эта дата уже прошла."
    if (to - deadline).days > EXTENSION_HORIZON_DAYS:
        return "Отсрочка больше чем на год не предусмотрена: укажите более близкую дату."
    return None


async def pending_extension(task_id: int) -> Extension | None:
    return await Extension.filter(task_id=task_id, state=ExtensionState.PENDING).first()


async def request_extension(
    task: Task, to: date, reason: str, secret: bytes, now: datetime
) -> Extension | None:
    """File the owner's request and put it before the controller; None if one is pending."""
    if task.state != TaskState.OPEN or await pending_extension(task.id) is not None:
        return None
    deadline = task.extended_to or task.deadline
    request = await Extension.create(
        task_id=task.id, deadline_before=deadline, requested_to=to, reason=reason[:1000],
        requested_at=now,
    )  # fmt: skip
    await record(
        "task.extension_requested", at=now, actor=task.owner_id, task_id=task.id,
        resolution_id=task.resolution_id, to=to.isoformat(),
    )  # fmt: skip
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    await notify(
        resolution.controller,
        f"extension:{request.id}",
        "⏳ <b>Просьба об отсрочке</b>\n"
        f"{clause_line(task, resolution.number)}\n"
        f"Исполнитель: {esc(owner.name)}\n"
        f"Срок: {dmy(deadline)} → <b>{dmy(to)}</b>\n"
        f"Причина: {esc(request.reason)}",
        now,
        subject=f"Просьба об отсрочке по пункту {task.clause_id}",
        task_id=task.id,
        buttons=(
            (
                Button("✔️ Одобрить", sign(secret, Action.APPROVE, request.id)),
                Button("✖️ Отклонить", sign(secret, Action.REJECT, request.id)),
            ),
        ),
    )
    return request


def _moot(request: Extension, task: Task) -> str | None:
    """Why a decision on the request cannot apply any more, in Russian; None if it can."""
    if request.state != ExtensionState.PENDING:
        return (
            ANSWER_EXTENSION_WITHDRAWN
            if request.state == ExtensionState.WITHDRAWN
            else ANSWER_EXTENSION_STALE
        )
    if task.state != TaskState.OPEN:
        return ANSWER_EXTENSION_WITHDRAWN
    if (task.extended_to or task.deadline) != request.deadline_before:
        return ANSWER_EXTENSION_MOVED
    return None


async def decide_extension(
    action: Action, request: Extension, task: Task, now: datetime
) -> Outcome:
    """«Одобрить» moves the deadline and recomputes reminders; «Отклонить» keeps it."""
    why = _moot(request, task)
    if why is not None:
        refusal("control.stale", extension=request.id, action=action.value, state=task.state.value)
        return Outcome(why, False, "stale")
    resolution = await Resolution.get(id=task.resolution_id)
    owner = await Person.get(id=task.owner_id)
    approve = action == Action.APPROVE
    decided = await Extension.filter(id=request.id, state=ExtensionState.PENDING).update(
        state=ExtensionState.APPROVED if approve else ExtensionState.REJECTED,
        decided_by=resolution.controller_id,
        decided_at=now,
    )
    if not decided:
        return Outcome(ANSWER_EXTENSION_STALE, False, "stale")
    what = clause_line(task, resolution.number)
    if approve:
        new = request.requested_to
        await Task.filter(id=task.id, state=TaskState.OPEN).update(
            extended_to=new,
            next_due_at=first_check(
                new, policy_of(task.policy), resolution.timezone, owner.timezone,
                owner.quiet_hours, now,
            ),
        )  # fmt: skip
        text = f"✔️ Контролёр одобрил отсрочку.\n{what}\nНовый срок: <b>{dmy(new)}</b>."
    else:
        keep = task.extended_to or task.deadline
        text = f"✖️ Контролёр отклонил просьбу об отсрочке.\n{what}\nСрок прежний: {dmy(keep)}."
    await record(
        "task.extended" if approve else "task.extension_rejected", at=now,
        actor=resolution.controller_id, task_id=task.id, resolution_id=task.resolution_id,
        extension=request.id, to=request.requested_to.isoformat(),
    )  # fmt: skip
    await notify(
        owner, f"extension:{request.id}:{'approved' if approve else 'rejected'}", text, now,
        subject=f"Решение по отсрочке, пункт {task.clause_id}", task_id=task.id,
    )  # fmt: skip
    return Outcome(ANSWER_APPROVED if approve else ANSWER_REJECTED, True, action.name.lower())
