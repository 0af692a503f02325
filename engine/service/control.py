"""The controller's decisions, and the owner's request for more time that they decide on.

Callers have checked who acts (the resolution's controller, or the task's owner). Each change
is conditional on what was read (the report round, the request still pending), so a replayed,
stale or concurrent press changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from engine.audit import record, refusal
from engine.callbacks import Action, Press
from engine.channels.base import Button
from engine.lifecycle import NotAllowed, on_accept, on_return
from engine.render import dmy
from engine.service.confirm import Outcome
from engine.service.delivery import reminder_buttons
from engine.service.notices import clause_line, notify
from engine.service.schedule import first_check, policy_of
from engine.texts import Texts, markup
from storage.models import Extension, ExtensionState, Person, Resolution, Task, TaskState

EXTENSION_HORIZON_DAYS = 366  # a request further out than a year is a typo, not a plan


async def decide_report(
    action: Action,
    task: Task,
    round_: int | None,
    now: datetime,
    *,
    texts: Texts,
    via: str = "telegram",
) -> Outcome:
    """«Принять» or «Вернуть на доработку» under report ``round_`` of the task (``via``: the
    messenger the controller used)."""
    try:
        state = on_accept(task.state) if action == Action.ACCEPT else on_return(task.state)
    except NotAllowed:
        state = None
    if state is None or round_ != task.reports:
        refusal("control.stale", task=task.id, action=action.value, round=round_)
        return Outcome(texts.plain("control.report_stale", via), False, "stale")
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
        return Outcome(texts.plain("control.report_stale", via), False, "stale")
    event = "task.accepted" if state == TaskState.DONE else "task.returned"
    own = resolution.controller_id == task.owner_id  # a controller who is also an owner
    await record(
        event, at=now, actor=resolution.controller_id, task_id=task.id,
        resolution_id=task.resolution_id, via=via, round=round_, own=own or None,
    )  # fmt: skip
    what = markup(clause_line(task, resolution.number, texts))
    if state == TaskState.DONE:
        await notify(
            owner, f"accepted:{task.id}:{round_}",
            texts.say("control.accepted_notice", clause_line=what), now,
            subject=texts.plain("control.accepted_subject", clause=task.clause_id),
            task_id=task.id,
        )  # fmt: skip
        return Outcome(texts.plain("control.accepted", via), True, "accepted")
    return Outcome(texts.plain("control.returned", via), True, "returned")


async def announce_return(
    task: Task,
    owner: Person,
    number: str,
    now: datetime,
    *,
    texts: Texts,
    comment: str | None = None,
) -> None:
    """Tell the owner a report came back; the buttons let them act on it again. ``comment``:
    the controller's words, when they came with the return (one message, in order)."""
    deadline = task.extended_to or task.deadline
    body = texts.say(
        "control.returned_notice", clause_line=markup(clause_line(task, number, texts)),
        deadline=dmy(deadline), comment=comment[:3000] if comment else None,
    )  # fmt: skip
    await notify(
        owner,
        f"returned:{task.id}:{task.reports}",
        body,
        now,
        subject=texts.plain("control.returned_subject", clause=task.clause_id),
        task_id=task.id,
        buttons=reminder_buttons(task.id, texts),
    )


async def pass_comment(
    task: Task,
    controller: Person,
    text: str,
    now: datetime,
    key: str,
    texts: Texts,
    *,
    via: str = "telegram",
) -> None:
    """The controller's comment on a returned report, to the owner."""
    owner = await Person.get(id=task.owner_id)
    resolution = await Resolution.get(id=task.resolution_id)
    body = texts.say(
        "control.comment_notice", controller=controller.name, clause=task.clause_id,
        number=resolution.number, comment=text[:3000],
    )  # fmt: skip
    await notify(
        owner,
        f"comment:{task.id}:{key}",
        body,
        now,
        subject=texts.plain("control.comment_subject", clause=task.clause_id),
        task_id=task.id,
    )
    await record(
        "task.commented", at=now, actor=controller.id, task_id=task.id,
        resolution_id=task.resolution_id, via=via,
    )  # fmt: skip


def extension_problem(
    task: Task, to: date, today: date, texts: Texts, channel: str | None = None
) -> str | None:
    """Why ``to`` cannot be asked for, in plain text; None when it can."""
    deadline = task.extended_to or task.deadline
    if to <= deadline:
        return texts.plain("control.not_later", channel, deadline=dmy(deadline))
    if to < today:
        return texts.plain("control.date_passed", channel)
    if (to - deadline).days > EXTENSION_HORIZON_DAYS:
        return texts.plain("control.too_far", channel)
    return None


async def pending_extension(task_id: int) -> Extension | None:
    return await Extension.filter(task_id=task_id, state=ExtensionState.PENDING).first()


async def request_extension(
    task: Task, to: date, reason: str, now: datetime, *, texts: Texts
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
    what = markup(clause_line(task, resolution.number, texts))
    body = texts.say(
        "control.extension_request", clause_line=what,
        owner=owner.name, deadline=dmy(deadline), to=dmy(to), reason=request.reason,
    )  # fmt: skip
    await notify(
        resolution.controller,
        f"extension:{request.id}",
        body,
        now,
        subject=texts.plain("control.extension_request_subject", clause=task.clause_id),
        task_id=task.id,
        buttons=(
            (
                Button(texts.plain("control.button_approve"), Press(Action.APPROVE, request.id)),
                Button(texts.plain("control.button_reject"), Press(Action.REJECT, request.id)),
            ),
        ),
    )
    return request


def _moot(request: Extension, task: Task) -> str | None:
    """Why a decision on the request cannot apply any more (the text's key); None if it can."""
    if request.state != ExtensionState.PENDING:
        return (
            "control.extension_withdrawn"
            if request.state == ExtensionState.WITHDRAWN
            else "control.extension_stale"
        )
    if task.state != TaskState.OPEN:
        return "control.extension_withdrawn"
    if (task.extended_to or task.deadline) != request.deadline_before:
        return "control.extension_moved"
    return None


async def decide_extension(
    action: Action,
    request: Extension,
    task: Task,
    now: datetime,
    *,
    texts: Texts,
    via: str = "telegram",
) -> Outcome:
    """«Одобрить» moves the deadline and recomputes reminders; «Отклонить» keeps it."""
    why = _moot(request, task)
    if why is not None:
        refusal("control.stale", extension=request.id, action=action.value, state=task.state.value)
        return Outcome(texts.plain(why, via), False, "stale")
    resolution = await Resolution.get(id=task.resolution_id)
    owner = await Person.get(id=task.owner_id)
    approve = action == Action.APPROVE
    decided = await Extension.filter(id=request.id, state=ExtensionState.PENDING).update(
        state=ExtensionState.APPROVED if approve else ExtensionState.REJECTED,
        decided_by=resolution.controller_id,
        decided_at=now,
    )
    if not decided:
        return Outcome(texts.plain("control.extension_stale", via), False, "stale")
    what = markup(clause_line(task, resolution.number, texts))
    if approve:
        new = request.requested_to
        await Task.filter(id=task.id, state=TaskState.OPEN).update(
            extended_to=new,
            next_due_at=first_check(
                new, policy_of(task.policy), resolution.timezone, owner.timezone,
                owner.quiet_hours, now,
            ),
        )  # fmt: skip
        text = texts.say("control.approved_notice", clause_line=what, to=dmy(new))
    else:
        keep = task.extended_to or task.deadline
        text = texts.say("control.rejected_notice", clause_line=what, deadline=dmy(keep))
    await record(
        "task.extended" if approve else "task.extension_rejected", at=now,
        actor=resolution.controller_id, task_id=task.id, resolution_id=task.resolution_id,
        extension=request.id, to=request.requested_to.isoformat(),
    )  # fmt: skip
    await notify(
        owner, f"extension:{request.id}:{'approved' if approve else 'rejected'}", text, now,
        subject=texts.plain("control.decision_subject", clause=task.clause_id), task_id=task.id,
    )  # fmt: skip
    decision = texts.plain("control.approved" if approve else "control.rejected", via)
    return Outcome(decision, True, action.name.lower())
