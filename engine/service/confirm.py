"""The owner's side of a task: "done", evidence, and the report that reaches the controller.

Shared by Telegram (buttons, replies, the report dialogue) and e-mail (replies). Callers have
checked that the actor is the task's owner; every change here is conditional on the state read,
so a replayed or concurrent confirmation changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engine.audit import record, refusal
from engine.callbacks import Action, sign
from engine.channels.base import Button
from engine.lifecycle import NotAllowed, accepts_evidence, on_owner_done
from engine.render import plural
from engine.service.notices import clause_line, esc, notify
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
    reference: str | None = None  # Telegram file_id, or the mail's Message-ID


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
    ``message_ref``: the Telegram message ("chat:message_id") it came in, to copy it to the
    controller; ``media_group``: the album it is part of."""
    result = Attached()
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
    secret: bytes,
    copies: Sequence[tuple[int, int]] = (),
    caution: str | None = None,
) -> Outcome:
    """The owner says the clause is done (a button, a report, a mail reply): the transition
    their policy gives, at most once. A report for acceptance is announced to the controller
    with «Принять» / «Вернуть на доработку» (``copies``: the report's Telegram messages;
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
        await announce_report(task, secret, now, copies, caution)
        return Outcome(ANSWER_REPORTED, True, state.value)
    return Outcome(ANSWER_DONE, True, state.value)


async def announce_report(
    task: Task,
    secret: bytes,
    now: datetime,
    copies: Sequence[tuple[int, int]],
    caution: str | None = None,
) -> None:
    """The controller's message about a report: what is new in this round (its texts, and
    copies of every photo and file sent for it, before or after «Выполнено»), the earlier
    rounds apart."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    evidence = await Evidence.filter(task_id=task.id).order_by("id")
    body, round_copies = report_body(task, resolution.number, owner, evidence)
    if caution:
        body += "\n" + caution
    buttons = (
        Button("✔️ Принять", sign(secret, Action.ACCEPT, task.id, task.reports)),
        Button("↩️ Вернуть на доработку", sign(secret, Action.RETURN, task.id, task.reports)),
    )
    await notify(
        resolution.controller,
        f"report:{task.id}:{task.reports}",
        body,
        now,
        subject=f"Отчёт по пункту {task.clause_id} постановления № {resolution.number}",
        task_id=task.id,
        buttons=(buttons,),
        copies=list(dict.fromkeys([*round_copies, *((c[0], c[1]) for c in copies)])),
    )


async def refresh_report(task: Task, secret: bytes, now: datetime) -> bool:
    """Recompose the report's notice while it is still waiting in the queue (the rest of an
    album came after the photo that made the report); False once it has gone out."""
    key = f"report:{task.id}:{task.reports}"
    waiting = Outbox.filter(key=key, status=OutboxStatus.PENDING, attempts=0, claimed_by=None)
    if not await waiting.delete():
        return False
    await announce_report(task, secret, now, ())
    return True


def _round_of(piece: Evidence) -> int:
    return piece.round if piece.round is not None else 1  # stored before rounds were kept


def report_body(
    task: Task, number: str, owner: Person, evidence: Sequence[Evidence]
) -> tuple[str, list[tuple[int, int]]]:
    """The report notice's text and the (chat, message) pairs of this round's Telegram files."""
    lines = [
        "📋 <b>Отчёт об исполнении</b>" + (f" (отчёт {task.reports})" if task.reports > 1 else ""),
        clause_line(task, number),
        f"Исполнитель: {esc(owner.name)}"
        + (f", {esc(owner.organisation)}" if owner.organisation else ""),
    ]
    current = [e for e in evidence if _round_of(e) == task.reports]
    earlier = [e for e in evidence if _round_of(e) < task.reports]
    texts = _texts(current)
    files = [e for e in current if e.reference and (e.file_name or _is_file(e))]
    copies = list(dict.fromkeys(_message_of(e) for e in files if e.message_ref))
    if texts:
        shown = "\n".join(texts[-3:])
        lines.append("Текст отчёта: " + esc(shown if len(shown) <= 1500 else shown[:1499] + "…"))
    if files:
        above = " — копии выше" if copies else ""
        lines.append(f"Вложений: {len(files)}{above}.")
    if not texts and not files:
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


def _message_of(piece: Evidence) -> tuple[int, int]:
    chat, _, message = (piece.message_ref or "").partition(":")
    return int(chat), int(message)


async def announce_addition(
    task: Task,
    chat_id: int,
    message_id: int,
    pieces: Sequence[Piece],
    now: datetime,
    *,
    secret: bytes = b"",
    media_group: str | None = None,
) -> None:
    """More material for a report the controller has not decided on yet: one notice per
    message, or per album (the album's later photos join its notice, or the report's own
    notice while either still waits in the queue)."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    texts = [p.text for p in pieces if p.text and not p.reference and p.content_type is None]
    files = [p for p in pieces if p.reference]
    copy = (chat_id, message_id)
    key = f"report:{task.id}:{task.reports}:+{chat_id}:{message_id}"
    if media_group is not None:
        if secret and await refresh_report(task, secret, now):
            return
        key = f"report:{task.id}:{task.reports}:+album:{media_group}"
        if files and await _join_copies(key, copy):
            return
    lines = [
        f"📎 Дополнение к отчёту по пункту {esc(task.clause_id)} постановления "
        f"№ {esc(resolution.number)}",
        f"Исполнитель: {esc(owner.name)}",
    ]
    if texts:
        lines.append(esc(texts[0][:1500]))
    if files:
        lines.append("Вложение — копия выше." if media_group is None else "Вложения — копии выше.")
    created = await notify(
        resolution.controller,
        key,
        "\n".join(lines),
        now,
        subject=f"Дополнение к отчёту по пункту {task.clause_id}",
        task_id=task.id,
        copies=[copy] if files else (),
    )
    if not created and files:  # the album's notice went out already: this photo alone
        await notify(
            resolution.controller, f"{key}:{message_id}", "\n".join(lines), now,
            subject=f"Дополнение к отчёту по пункту {task.clause_id}", task_id=task.id,
            copies=[copy],
        )  # fmt: skip


async def _join_copies(key: str, copy: tuple[int, int]) -> bool:
    """Add a message to copy to a notice still waiting in the queue; False if there is none."""
    row = await Outbox.get_or_none(key=key, status=OutboxStatus.PENDING, attempts=0)
    if row is None:
        return False
    payload = dict(row.payload or {})
    payload["copies"] = [*payload.get("copies", []), list(copy)]
    return bool(
        await Outbox.filter(id=row.id, status=OutboxStatus.PENDING, attempts=0).update(
            payload=payload
        )
    )
