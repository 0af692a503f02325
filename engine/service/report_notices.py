"""The controller's notices about a report: the report itself with «Принять» / «Вернуть на
доработку», and the material added to it while it waits for a decision.

Copies of the report's photos and files go along when the controller reads the same messenger
they came by; otherwise the notice says where they are (a messenger cannot copy another's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from engine.callbacks import Action, Press
from engine.channels.base import Button
from engine.channels.registry import CHANNELS
from engine.service import copies as copied
from engine.service.delivery import route
from engine.service.delivery.route import links_of
from engine.service.notices import clause_line, esc, notify
from engine.texts import Texts
from storage.models import Evidence, Outbox, OutboxStatus, Person, Resolution, Task

if TYPE_CHECKING:
    from engine.service.confirm import Piece

LINK = "text/uri-list"


async def announce_report(
    task: Task,
    now: datetime,
    texts: Texts,
    copies: Sequence[str] = (),
    caution: str | None = None,
) -> None:
    """The controller's message about a report: what is new in this round (its texts, and
    copies of every photo and file sent for it, before or after «Выполнено»), the earlier
    rounds apart."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    evidence = await Evidence.filter(task_id=task.id).order_by("id")
    channel = await _controller_channel(resolution.controller)
    body, round_copies = report_body(task, resolution.number, owner, evidence, texts, channel)
    if caution:
        body += "\n" + caution
    buttons = (
        Button(texts.plain("report.button_accept"), Press(Action.ACCEPT, task.id, task.reports)),
        Button(texts.plain("report.button_return"), Press(Action.RETURN, task.id, task.reports)),
    )
    await notify(
        resolution.controller,
        f"report:{task.id}:{task.reports}",
        body,
        now,
        subject=texts.plain("report.subject", clause=task.clause_id, number=resolution.number),
        task_id=task.id,
        buttons=(buttons,),
        copies=list(dict.fromkeys([*round_copies, *(c for c in copies if _on(c, channel))])),
    )


async def refresh_report(task: Task, now: datetime, texts: Texts) -> bool:
    """Recompose the report's notice while it is still waiting in the queue (the rest of an
    album came after the photo that made the report); False once it has gone out."""
    key = f"report:{task.id}:{task.reports}"
    waiting = Outbox.filter(key=key, status=OutboxStatus.PENDING, attempts=0, claimed_by=None)
    if not await waiting.delete():
        return False
    await announce_report(task, now, texts)
    return True


def _round_of(piece: Evidence) -> int:
    return piece.round if piece.round is not None else 1  # stored before rounds were kept


def report_body(
    task: Task,
    number: str,
    owner: Person,
    evidence: Sequence[Evidence],
    texts: Texts,
    channel: str = "telegram",
) -> tuple[str, list[str]]:
    """The report notice's text and the messages of this round's files to copy along: those
    that came by the controller's messenger ``channel`` (the others are only counted)."""
    lines = [
        texts.say("report.title", round=task.reports),
        clause_line(task, number, texts),
        texts.say("report.owner", name=owner.name, organisation=owner.organisation or None),
    ]
    current = [e for e in evidence if _round_of(e) == task.reports]
    earlier = [e for e in evidence if _round_of(e) < task.reports]
    said_now = _texts(current)
    every = [e for e in current if e.reference and (e.file_name or _is_file(e))]
    files = [e for e in every if _on(e.message_ref, channel)]
    elsewhere = [e for e in every if e not in files]
    refs = (copied.origin_of(e.message_ref) for e in files if e.message_ref)
    copies = list(dict.fromkeys(copied.tagged(*ref) for ref in refs if ref is not None))
    if said_now:
        shown = "\n".join(said_now[-3:])
        shown = shown if len(shown) <= 1500 else shown[:1499] + "…"
        lines.append(texts.say("report.text", text=shown))
    if files:
        lines.append(texts.say("report.files", count=len(files), copied=bool(copies)))
    if elsewhere:
        where = _where(elsewhere, texts)
        lines.append(texts.say("report.elsewhere", count=len(elsewhere), where=where))
    if not said_now and not every:
        lines.append(texts.say("report.nothing", earlier=bool(earlier)))
    for round_ in sorted({_round_of(e) for e in earlier}):
        pieces = [e for e in earlier if _round_of(e) == round_]
        said = _texts(pieces)
        attached = sum(1 for e in pieces if e.reference and (e.file_name or _is_file(e)))
        text = said[-1][:300] if said else None
        lines.append(texts.say("report.earlier", round=round_, text=text, attached=attached))
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


def _on(message_ref: str | None, channel: str) -> bool:
    """Whether a message can be copied into the controller's chat on ``channel``: the same
    messenger (by e-mail nothing is copied: the files count as before)."""
    origin = copied.origin_of(message_ref) if message_ref else None
    return channel in copied.NOT_MESSENGERS or origin is None or origin[0] == channel


def _where(evidence: Sequence[Evidence], texts: Texts) -> str:
    origins = (copied.origin_of(e.message_ref) for e in evidence if e.message_ref)
    names = dict.fromkeys(copied.name_of(o[0]) for o in origins if o is not None)
    return ", ".join(names) or texts.plain("report.another_messenger")


async def announce_addition(
    task: Task,
    source: str,
    pieces: Sequence[Piece],
    now: datetime,
    texts: Texts,
    *,
    media_group: str | None = None,
) -> None:
    """More material for a report the controller has not decided on yet: one notice per
    message, or per album (the album's later photos join its notice, or the report's own
    notice while either still waits in the queue)."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    owner = await Person.get(id=task.owner_id)
    said = [p.text for p in pieces if p.text and not p.reference and p.content_type is None]
    files = [p for p in pieces if p.reference]
    here = _on(source, await _controller_channel(resolution.controller))
    origin = copied.origin_of(source)
    channel = origin[0] if origin is not None else "telegram"
    if origin is not None and channel == "telegram":  # Telegram's keys as before the tags
        source_key = f"{origin[1].chat_id}:{origin[1].message_id}"
    else:
        source_key = source
    key = f"report:{task.id}:{task.reports}:+{source_key}"
    if media_group is not None:
        if await refresh_report(task, now, texts):
            return
        key = f"report:{task.id}:{task.reports}:+album:{media_group}"
        if files and here and await _join_copies(key, source):
            return
    lines = [
        texts.say("report.addition_title", clause=task.clause_id, number=resolution.number),
        texts.say("report.addition_owner", name=owner.name),
    ]
    if said:
        lines.append(esc(said[0][:1500]))
    if files and not here:
        lines.append(texts.say("report.addition_elsewhere", where=copied.name_of(channel)))
    elif files:
        one = media_group is None
        lines.append(texts.say("report.addition_copy" if one else "report.addition_copies"))
    copies = [source] if files and here else []
    subject = texts.plain("report.addition_subject", clause=task.clause_id)
    created = await notify(
        resolution.controller,
        key,
        "\n".join(lines),
        now,
        subject=subject,
        task_id=task.id,
        copies=copies,
    )
    if not created and copies and origin is not None:  # the album's notice went out already
        await notify(  # this photo alone (one in another messenger adds nothing to say)
            resolution.controller, f"{key}:{origin[1].message_id}", "\n".join(lines), now,
            subject=subject, task_id=task.id,
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


async def _controller_channel(controller: Person) -> str:
    """The channel the controller's notices go by now (their link rows included)."""
    everywhere = frozenset(CHANNELS.names)
    links = (await links_of([controller.id], everywhere)).get(controller.id)
    return route(controller, everywhere, links)
