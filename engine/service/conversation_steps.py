"""Answers the bot asked for: the message a dialogue (``storage.models.Dialogue``) waits for.

A report after «Отправить отчёт» (and the rest of its album), the new date, its confirmation
and the reason after «Нужна отсрочка», the controller's comment after «Вернуть на доработку».
A dialogue continues only for whom it was started, while its task still allows it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from engine.channels.events import Wrote
from engine.lifecycle import accepts_evidence
from engine.render import dmy
from engine.service import control, extension_talk
from engine.service.confirm import owner_says_done
from engine.service.conversation_evidence import (
    ADDED_TO_REPORT,
    COMMENT_SENT,
    NEED_CONTENT,
    addition,
    attach_message,
    comment_key,
    copies_of,
    pieces_of,
    source_of,
    typed,
)
from engine.service.conversation_said import Handled, Said
from engine.service.notices import esc
from engine.service.report_notices import announce_addition
from storage.models import Dialogue, Person, Resolution, Task, TaskState

DATE_NOT_UNDERSTOOD = extension_talk.DATE_NOT_UNDERSTOOD
ASK_REASON = extension_talk.ASK_REASON
EXTENSION_SENT = "Просьба об отсрочке до {to} передана контролёру. Я сообщу о решении."
EXTENSION_PENDING = "Просьба об отсрочке по этому пункту уже на рассмотрении у контролёра."
TASK_CLOSED = "Этот пункт уже закрыт: ничего не изменено."
NEED_TEXT = "Пришлите, пожалуйста, текст одним сообщением. Передумали — /cancel."
ALBUM_WINDOW = timedelta(minutes=10)  # the rest of a photo album joins the report


async def continue_dialogue(
    dialogue: Dialogue, wrote: Wrote, person: Person, now: datetime
) -> Handled | None:
    """The message as the answer the dialogue waits for; None to handle it as any other."""
    task = await Task.get_or_none(id=dialogue.task_id) if dialogue.task_id else None
    step = dialogue.step
    if task is None or not await _still_entitled(step, task, person):
        await dialogue.delete()
        return None
    if step == "album":
        if wrote.album is None or wrote.album != dialogue.data.get("group"):
            await dialogue.delete()
            return None
        return await addition(task, wrote, person, now, "evidence-album", quiet=True)
    if step == "report":
        return await _report(dialogue, task, wrote, person, now)
    text = typed(wrote)
    if step.startswith("extension_") and task.state != TaskState.OPEN:
        await dialogue.delete()
        return Handled("stale", [Said(TASK_CLOSED)])
    if step == "extension_date":
        return _said(await extension_talk.on_date(dialogue, task, text, person, now))
    if step == "extension_confirm":
        return _said(await extension_talk.on_confirm_text(dialogue, task, text, person, now))
    if step == "extension_reason":
        return await _reason(dialogue, task, text, person, now)
    if step == "return_comment":
        if not text:
            return Handled("asked-text", [Said(NEED_TEXT)])
        await dialogue.delete()
        via = wrote.who.channel
        await control.pass_comment(task, person, text, now, comment_key(wrote), via=via)
        return Handled("commented", [Said(COMMENT_SENT)])
    await dialogue.delete()  # a step this version does not know: start afresh
    return None


async def _reason(
    dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime
) -> Handled:
    if not text:
        return Handled("asked-text", [Said(NEED_TEXT)])
    corrected = await extension_talk.on_reason(dialogue, task, text, person, now)
    if corrected is not None:
        return _said(corrected)
    await dialogue.delete()
    to = date.fromisoformat(str(dialogue.data["to"]))
    if task.state != TaskState.OPEN:
        return Handled("stale", [Said(TASK_CLOSED)])
    request = await control.request_extension(task, to, text, now)
    if request is None:
        return Handled("extension-pending", [Said(EXTENSION_PENDING)])
    return Handled("extension-requested", [Said(EXTENSION_SENT.format(to=dmy(to)))])


async def _report(
    dialogue: Dialogue, task: Task, wrote: Wrote, person: Person, now: datetime
) -> Handled:
    pieces = pieces_of(wrote)
    if not pieces:
        return Handled("asked-content", [Said(NEED_CONTENT)])
    if not accepts_evidence(task.state):
        await dialogue.delete()
        return Handled("stale", [Said(TASK_CLOSED)])
    attached = await attach_message(task, person, pieces, wrote, now)
    if wrote.album is not None:
        dialogue.step, dialogue.data = "album", {"group": wrote.album}
        dialogue.expires_at = now + ALBUM_WINDOW
        await dialogue.save()
    else:
        await dialogue.delete()
    replies = [Said(esc(r)) for r in attached.refused]
    if task.state == TaskState.REPORTED:  # more material for a report already sent
        await announce_addition(task, source_of(wrote), pieces, now, media_group=wrote.album)
        return Handled("evidence", [Said(ADDED_TO_REPORT), *replies])
    done = await owner_says_done(task, now, via=wrote.who.channel, copies=copies_of(wrote, pieces))
    return Handled(f"report-{done.name}", [Said(esc(done.answer)), *replies])


def _said(answer: extension_talk.Answer) -> Handled:
    return Handled(answer.name, [Said(esc(answer.html), answer.buttons)])


async def _still_entitled(step: str, task: Task, person: Person) -> bool:
    """A dialogue continues only for whom it was started: the task's owner, or for a comment
    the resolution's controller (either may have changed since)."""
    if step == "return_comment":
        return await Resolution.filter(id=task.resolution_id, controller_id=person.id).exists()
    return task.owner_id == person.id
