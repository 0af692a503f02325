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
from engine.callbacks import Action, Press
from engine.channels.base import Button
from engine.lifecycle import NotAllowed, accepts_evidence, on_owner_done
from engine.render import plural
from engine.service import copies as copied
from engine.service.dispatch import route
from engine.service.notices import ALL_CHANNELS, clause_line, esc, notify
from engine.service.schedule import policy_of
from storage.models import (
    Evidence,
    Extension,
    ExtensionState,
    Outbox,
    OutboxStatus,
    Person,
    Resolution,
    Task,
    TaskState,
)

ANSWER_CLOSED = "Этот пункт уже отмечен, повторно ничего делать не нужно."
ANSWER_CANCELLED = "Этот пункт снят с исполнения, отмечать его не нужно."
ANSWER_REPORTED = "Спасибо! Отметка о выполнении передана контролёру."
ANSWER_DONE = "Спасибо! Пункт отмечен как выполненный."

LINK = "text/uri-list"
MAX_EVIDENCE_PER_TASK = 50  # rows; a report is a handful of photos and files, not an archive
MAX_TEXT = 4000  # characters of one text piece
MAX_FILE_BYTES = 20 * 1024 * 1024  # what a bot can download from Telegram at all


@dataclass(frozen=True)
class Outcome:
    answer: str  # shown to the one who acted (a button's pop-up, or a reply)
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
        result.refused.append("Пункт уже закрыт: материалы к нему не принимаются.")
        return result
    room = MAX_EVIDENCE_PER_TASK - await Evidence.filter(task_id=task.id).count()
    for piece in pieces:
        if piece.size > MAX_FILE_BYTES:
            result.refused.append(f"«{piece.file_name or 'Файл'}» больше 20 МБ — пришлите ссылку.")
            continue
        if room <= 0:
            many = plural(MAX_EVIDENCE_PER_TASK, "материал", "материала", "материалов")
            result.refused.append(
                f"К пункту уже приложено {MAX_EVIDENCE_PER_TASK} {many}: больше принять нельзя."
            )
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
            return Outcome(ANSWER_CANCELLED, False, "cancelled")
        return Outcome(ANSWER_CLOSED, False, "stale")
    round_ = task.reports + 1
    changed = await Task.filter(id=task.id, state=TaskState.OPEN, reports=task.reports).update(
        state=state,
        reported_at=now,
        closed_at=now if state == TaskState.DONE else None,
        next_due_at=None,
        reports=round_,
    )
    if not changed:  # another pass applied the same confirmation a moment ago
        return Outcome(ANSWER_CLOSED, False, "stale")
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
        await announce_report(task, now, copies, caution)
        return Outcome(ANSWER_REPORTED, True, state.value)
    return Outcome(ANSWER_DONE, True, state.value)


async def announce_report(
    task: Task, now: datetime, copies: Sequence[str] = (), caution: str | None = None
) -> None:
    """The controller's message about a report: what is new in this round (its texts, and
    copies of every photo and file sent for it, before or after «Выполнено»), the earlier
    rounds apart."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    evidence = await Evidence.filter(task_id=task.id).order_by("id")
    channel = route(resolution.controller, ALL_CHANNELS)
    body, round_copies = report_body(task, resolution.number, owner, evidence, channel)
    if caution:
        body += "\n" + caution
    buttons = (
        Button("✔️ Принять", Press(Action.ACCEPT, task.id, task.reports)),
        Button("↩️ Вернуть на доработку", Press(Action.RETURN, task.id, task.reports)),
    )
    await notify(
        resolution.controller,
        f"report:{task.id}:{task.reports}",
        body,
        now,
        subject=f"Отчёт по пункту {task.clause_id} постановления № {resolution.number}",
        task_id=task.id,
        buttons=(buttons,),
        copies=list(dict.fromkeys([*round_copies, *(c for c in copies if _on(c, channel))])),
    )


async def refresh_report(task: Task, now: datetime) -> bool:
    """Recompose the report's notice while it is still waiting in the queue (the rest of an
    album came after the photo that made the report); False once it has gone out."""
    key = f"report:{task.id}:{task.reports}"
    waiting = Outbox.filter(key=key, status=OutboxStatus.PENDING, attempts=0, claimed_by=None)
    if not await waiting.delete():
        return False
    await announce_report(task, now)
    return True


def _round_of(piece: Evidence) -> int:
    return piece.round if piece.round is not None else 1  # stored before rounds were kept


def report_body(
    task: Task, number: str, owner: Person, evidence: Sequence[Evidence], channel: str = "telegram"
) -> tuple[str, list[str]]:
    """The report notice's text and the messages of this round's files to copy along: those
    that came by the controller's messenger ``channel`` (the others are only counted)."""
    lines = [
        "📋 <b>Отчёт об исполнении</b>" + (f" (отчёт {task.reports})" if task.reports > 1 else ""),
        clause_line(task, number),
        f"Исполнитель: {esc(owner.name)}"
        + (f", {esc(owner.organisation)}" if owner.organisation else ""),
    ]
    current = [e for e in evidence if _round_of(e) == task.reports]
    earlier = [e for e in evidence if _round_of(e) < task.reports]
    texts = _texts(current)
    every = [e for e in current if e.reference and (e.file_name or _is_file(e))]
    files = [e for e in every if _on(e.message_ref, channel)]
    elsewhere = [e for e in every if e not in files]
    refs = (copied.origin_of(e.message_ref) for e in files if e.message_ref)
    copies = list(dict.fromkeys(copied.tagged(*ref) for ref in refs if ref is not None))
    if texts:
        shown = "\n".join(texts[-3:])
        lines.append("Текст отчёта: " + esc(shown if len(shown) <= 1500 else shown[:1499] + "…"))
    if files:
        above = " — копии выше" if copies else ""
        lines.append(f"Вложений: {len(files)}{above}.")
    if elsewhere:
        lines.append(_ELSEWHERE.format(n=len(elsewhere), where=_where(elsewhere)))
    if not texts and not every:
        new = "новых " if earlier else ""
        lines.append(f"Исполнитель отметил пункт выполненным, {new}материалов не приложил.")
    for round_ in sorted({_round_of(e) for e in earlier}):
        pieces = [e for e in earlier if _round_of(e) == round_]
        said = _texts(pieces)
        attached = sum(1 for e in pieces if e.reference and (e.file_name or _is_file(e)))
        line = f"Ранее, в отчёте {round_}: " + (esc(said[-1][:300]) if said else "без текста")
        lines.append(line + (f"; вложений: {attached}" if attached else "") + ".")
    return "\n".join(lines), copies


def _texts(evidence: Sequence[Evidence]) -> list[str]:
    """Texts and captions; a link only when no text already carries it."""
    said = [e.text for e in evidence if e.text and not e.file_name and e.content_type != LINK]
    links = [
        e.text
        for e in evidence
        if e.text and e.content_type == LINK and not any(e.text in t for t in said)
    ]
    return said + links


def _is_file(piece: Evidence) -> bool:
    return piece.content_type is not None and piece.content_type != LINK


_ELSEWHERE = "Вложений в {where}: {n} — переслать их в этот чат нельзя."
_ADDITION_ELSEWHERE = "Вложения остались в {where}: переслать их в этот чат нельзя."


def _on(message_ref: str | None, channel: str) -> bool:
    """Whether a message can be copied into the controller's chat on ``channel``: the same
    messenger (by e-mail nothing is copied: the files count as before)."""
    origin = copied.origin_of(message_ref) if message_ref else None
    return channel in copied.NOT_MESSENGERS or origin is None or origin[0] == channel


def _where(evidence: Sequence[Evidence]) -> str:
    origins = (copied.origin_of(e.message_ref) for e in evidence if e.message_ref)
    names = dict.fromkeys(copied.name_of(o[0]) for o in origins if o is not None)
    return ", ".join(names) or "другом мессенджере"


async def announce_addition(
    task: Task,
    source: str,
    pieces: Sequence[Piece],
    now: datetime,
    *,
    media_group: str | None = None,
) -> None:
    """More material for a report the controller has not decided on yet: one notice per
    message, or per album (the album's later photos join its notice, or the report's own
    notice while either still waits in the queue)."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    texts = [p.text for p in pieces if p.text and not p.reference and p.content_type is None]
    files = [p for p in pieces if p.reference]
    here = _on(source, route(resolution.controller, ALL_CHANNELS))
    origin = copied.origin_of(source)
    channel, message = origin if origin is not None else ("telegram", None)
    at = f"{message.chat_id}:{message.message_id}" if message is not None else source
    key = f"report:{task.id}:{task.reports}:+{at if channel == 'telegram' else source}"
    if media_group is not None:
        if await refresh_report(task, now):
            return
        key = f"report:{task.id}:{task.reports}:+album:{media_group}"
        if files and here and await _join_copies(key, source):
            return
    lines = [
        f"📎 Дополнение к отчёту по пункту {esc(task.clause_id)} постановления "
        f"№ {esc(resolution.number)}",
        f"Исполнитель: {esc(owner.name)}",
    ]
    if texts:
        lines.append(esc(texts[0][:1500]))
    if files and not here:
        lines.append(_ADDITION_ELSEWHERE.format(where=copied.name_of(channel)))
    elif files:
        lines.append("Вложение — копия выше." if media_group is None else "Вложения — копии выше.")
    copies = [source] if files and here else []
    created = await notify(
        resolution.controller,
        key,
        "\n".join(lines),
        now,
        subject=f"Дополнение к отчёту по пункту {task.clause_id}",
        task_id=task.id,
        copies=copies,
    )
    if not created and files and message is not None:  # the album's notice went out already
        await notify(
            resolution.controller, f"{key}:{message.message_id}", "\n".join(lines), now,
            subject=f"Дополнение к отчёту по пункту {task.clause_id}", task_id=task.id,
            copies=copies,
        )  # fmt: skip


async def _join_copies(key: str, copy: str) -> bool:
    """Add a message to copy to a notice still waiting in the queue; False if there is none."""
    row = await Outbox.get_or_none(key=key, status=OutboxStatus.PENDING, attempts=0)
    if row is None:
        return False
    payload = dict(row.payload or {})
    payload["copies"] = [*payload.get("copies", []), copy]
    return bool(
        await Outbox.filter(id=row.id, status=OutboxStatus.PENDING, attempts=0).update(
            payload=payload
        )
    )
