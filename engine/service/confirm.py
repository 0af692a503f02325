"""The owner's side of a task: "done", evidence, and the report that reaches the controller.

Shared by the messengers (buttons, replies, the report dialogue) and e-mail (replies). Callers have
checked that the actor is the task's owner; every change here is conditional on the state read,
so a replayed or concurrent confirmation changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engine.audit import record, refusal
from engine.lifecycle import NotAllowed, accepts_evidence, on_owner_done
from engine.service import copies as copied
from engine.service.report_notices import announce_report
from engine.service.schedule import policy_of
from engine.texts import Texts
from storage.models import Evidence, Extension, ExtensionState, Task, TaskState

MAX_EVIDENCE_PER_TASK = 50  # rows; a report is a handful of photos and files, not an archive
MAX_TEXT = 4000  # characters of one text piece
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot can download from Telegram at all


@dataclass(frozen=True)
class Outcome:
    answer: str  # shown to the one who acted (a button's pop-up, or a reply): plain text
    changed: bool  # the task's state changed
    name: str  # stable name for the inbound record and logs


@dataclass(frozen=True)
class Piece:
    """One item of evidence as a channel hands it over (not yet stored)."""

    text: str | None = None
    file_name: str | None = None
    content_type: str | None = None
    size: int = 0
    data: bytes | None = None
    reference: str | None = None  # the messenger's file reference, or the mail's Message-ID


@dataclass
class Attached:
    stored: int = 0
    refused: list[str] = field(default_factory=list)  # why pieces were left out: sentences


async def attach(
    task: Task,
    person_id: str,
    pieces: Sequence[Piece],
    now: datetime,
    texts: Texts,
    *,
    source: str,
    message_ref: str | None = None,
    media_group: str | None = None,
) -> Attached:
    """Store evidence for the task, within the bounds; says what was left out and why.
    ``message_ref``: the message it came in, channel-tagged (``engine.service.copies``), to copy
    it to the controller; ``media_group``: the album it is part of."""
    result = Attached()
    if message_ref is not None and len(message_ref) > copied.MAX_REF:
        message_ref = None  # kept without it: the controller gets no copy of this one
    # While a report is under review, material joins it; while the task is open, the next one.
    round_ = task.reports if task.state == TaskState.REPORTED else task.reports + 1
    if not accepts_evidence(task.state):
        result.refused.append(texts.plain("confirm.evidence_closed", source))
        return result
    room = MAX_EVIDENCE_PER_TASK - await Evidence.filter(task_id=task.id).count()
    for piece in pieces:
        if piece.size > MAX_FILE_BYTES:
            result.refused.append(texts.plain("confirm.file_too_big", source, name=piece.file_name))
            continue
        if room <= 0:
            full = texts.plain("confirm.evidence_full", source, count=MAX_EVIDENCE_PER_TASK)
            result.refused.append(full)
            break
        text = piece.text[:MAX_TEXT] if piece.text else None
        await Evidence.create(
            task_id=task.id, person_id=person_id, source=source, text=text,
            file_name=piece.file_name, content_type=piece.content_type, size=piece.size,
            data=piece.data, reference=piece.reference, received_at=now, round=round_,
            message_ref=message_ref, media_group=media_group,
        )  # fmt: skip
        room -= 1
        result.stored += 1
    if result.stored:
        await record(
            "task.evidence", at=now, actor=person_id, task_id=task.id,
            resolution_id=task.resolution_id, via=source, pieces=result.stored,
        )  # fmt: skip
    return result


async def owner_says_done(
    task: Task,
    now: datetime,
    *,
    texts: Texts,
    via: str,
    copies: Sequence[str] = (),
    caution: str | None = None,
) -> Outcome:
    """The owner says the clause is done (a button, a report, a mail reply): the transition
    their policy gives, at most once. A report for acceptance is announced to the controller
    with «Принять» / «Вернуть на доработку» (``copies``: the report's messages, channel-tagged;
    ``caution``: a warning line for the controller, Telegram HTML, e.g. a failed DMARC)."""
    acceptance = policy_of(task.policy).acceptance
    try:
        state = on_owner_done(task.state, acceptance)
    except NotAllowed:
        refusal("confirm.stale", via=via, task=task.id, state=task.state.value)
        if task.state == TaskState.CANCELLED:
            return Outcome(texts.plain("confirm.cancelled", via), False, "cancelled")
        return Outcome(texts.plain("confirm.closed", via), False, "stale")
    round_ = task.reports + 1
    changed = await Task.filter(id=task.id, state=TaskState.OPEN, reports=task.reports).update(
        state=state,
        reported_at=now,
        closed_at=now if state == TaskState.DONE else None,
        next_due_at=None,
        reports=round_,
    )
    if not changed:  # another pass applied the same confirmation a moment ago
        return Outcome(texts.plain("confirm.closed", via), False, "stale")
    task.state, task.reports, task.reported_at = state, round_, now
    # Time asked for work the owner now calls done is moot: the request leaves the controller's
    # queue (and digest) rather than waiting there for ever.
    await Extension.filter(task_id=task.id, state=ExtensionState.PENDING).update(
        state=ExtensionState.WITHDRAWN, decided_by=task.owner_id, decided_at=now
    )
    await record(
        f"task.{state.value}",
        at=now,
        actor=task.owner_id,
        task_id=task.id,
        resolution_id=task.resolution_id,
        via=via,
    )
    if state == TaskState.REPORTED:
        await announce_report(task, now, texts, copies, caution)
        return Outcome(texts.plain("confirm.reported", via), True, state.value)
    return Outcome(texts.plain("confirm.done", via), True, state.value)
