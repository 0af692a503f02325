"""A message as evidence, and replies to the bot's own messages about a task.

The owner's reply to a reminder (text, photos, files, links) is evidence for that task; the
controller's text reply to a report returns it for rework with that comment, and to any other
message about the task is a comment passed to the owner.
"""

from __future__ import annotations

from datetime import datetime

from engine.audit import record, refusal
from engine.callbacks import Action
from engine.channels.events import Wrote
from engine.service import control, copies
from engine.service.confirm import Attached, Piece, attach
from engine.service.conversation_said import Handled, Said
from engine.service.notices import esc
from engine.service.report_notices import announce_addition
from engine.texts import Texts
from storage.models import Evidence, Outbox, Person, Resolution, Task, TaskState

LINK = "text/uri-list"
_FILE_NAMES = {"file": "document"}  # a file without a name is called after its kind


def pieces_of(wrote: Wrote) -> list[Piece]:
    """A message as evidence: its text or caption, its files, and its links."""
    pieces: list[Piece] = []
    caption = wrote.text or None
    for n, item in enumerate(wrote.attachments):
        text = caption if n == 0 else None
        if item.kind == "photo":
            kind = item.content_type or "image/jpeg"
            pieces.append(Piece(text, item.file_name, kind, item.size, reference=item.reference))
            continue
        pieces.append(
            Piece(
                text,
                item.file_name or _FILE_NAMES.get(item.kind, item.kind),
                item.content_type or "application/octet-stream",
                item.size,
                reference=item.reference,
            )
        )
    if not wrote.attachments and wrote.text:
        pieces.append(Piece(wrote.text))
    for url in wrote.links:
        if url:
            pieces.append(Piece(url[:2000], content_type=LINK))
    return pieces


def typed(wrote: Wrote) -> str:
    """The words the person typed (a caption under a file is not an answer to a question)."""
    return "" if wrote.attachments else wrote.text.strip()


def source_of(wrote: Wrote) -> str:
    """The message, channel-tagged: where a copy of it can be made from."""
    return copies.tagged(wrote.who.channel, wrote.message)


def comment_key(wrote: Wrote) -> str:
    """What names a comment message in its notice's key (Telegram's: as before channels)."""
    mark = f"m{wrote.message.message_id}"
    return mark if wrote.who.channel == "telegram" else f"{wrote.who.channel}:{mark}"


async def reply_to_ours(
    wrote: Wrote, person: Person, now: datetime, texts: Texts
) -> Handled | None:
    """A reply to one of our messages about a task: the owner's evidence, or the controller's
    comment for the owner. None when the replied message is not about a task."""
    assert wrote.reply_to is not None
    ref = wrote.reply_to
    sent = await Outbox.filter(
        channel=wrote.who.channel,
        external_id=f"{ref.chat_id}:{ref.message_id}",
        person_id=person.id,
    ).first()
    if sent is None or sent.task_id is None:
        return None
    task = await Task.get(id=sent.task_id)
    if person.id == task.owner_id:
        return await addition(task, wrote, person, now, texts, "evidence")
    resolution = await Resolution.get(id=task.resolution_id)
    text = typed(wrote)
    via = wrote.who.channel
    if person.id == resolution.controller_id and text:
        if task.state == TaskState.REPORTED and _about_round(sent.key, task):
            # A text reply to the report under review: the report goes back for rework with
            # this comment, and the owner gets the buttons back.
            decided = await control.decide_report(
                Action.RETURN, task, task.reports, now, texts=texts, via=via
            )
            if decided.changed:
                task.state, task.reported_at = TaskState.OPEN, None
                owner = await Person.get(id=task.owner_id)
                await control.announce_return(
                    task, owner, resolution.number, now, texts=texts, comment=text
                )
                await record(
                    "task.commented", at=now, actor=person.id, task_id=task.id,
                    resolution_id=task.resolution_id, via=via,
                )  # fmt: skip
                return Handled(
                    "returned-by-reply", [Said(texts.say("evidence.returned_with_comment", via))]
                )
        await control.pass_comment(task, person, text, now, comment_key(wrote), texts, via=via)
        return Handled("commented", [Said(texts.say("evidence.comment_sent", via))])
    refusal("message.foreign_reply", person=person.id, task=task.id)
    return None


async def addition(
    task: Task,
    wrote: Wrote,
    person: Person,
    now: datetime,
    texts: Texts,
    name: str,
    *,
    quiet: bool = False,
) -> Handled:
    """The owner's message as evidence for the task; a report under review gets it too.
    ``quiet``: no thanks for each photo of an album (only a refusal is worth a message); the
    thanks for an album go with its first photo only."""
    channel = wrote.who.channel
    pieces = pieces_of(wrote)
    if not pieces:
        return Handled("asked-content", [Said(texts.say("evidence.need_content", channel))])
    group = wrote.album
    if group is not None and await Evidence.filter(task_id=task.id, media_group=group).exists():
        quiet = True  # the album's first photo was answered
    attached = await attach_message(task, person, pieces, wrote, now, texts)
    replies = [Said(esc(r)) for r in attached.refused]
    if attached.stored and task.state == TaskState.REPORTED:
        await announce_addition(task, source_of(wrote), pieces, now, texts, media_group=group)
    if attached.stored and not quiet:
        if task.state == TaskState.REPORTED:
            added = texts.say("evidence.added_to_report", channel)
        else:
            added = texts.say("evidence.added", channel, clause=task.clause_id)
        replies.insert(0, Said(added))
    return Handled(name, replies)


async def attach_message(
    task: Task, person: Person, pieces: list[Piece], wrote: Wrote, now: datetime, texts: Texts
) -> Attached:
    """Store a message's pieces with where they came from: the message, to copy it to the
    controller, and its album."""
    return await attach(
        task, person.id, pieces, now, texts, source=wrote.who.channel,
        message_ref=source_of(wrote), media_group=wrote.album,
    )  # fmt: skip


def copies_of(wrote: Wrote, pieces: list[Piece]) -> list[str]:
    """The message itself, for the controller's chat, when it carries a file."""
    return [source_of(wrote)] if any(p.reference for p in pieces) else []


def _about_round(key: str, task: Task) -> bool:
    """Whether our message (by its outbox key) was about the task's current report round: the
    report itself or an addition to it."""
    round_key = f"report:{task.id}:{task.reports}"
    return key == round_key or key.startswith(round_key + ":")
