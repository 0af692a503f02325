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
from engine.texts import Texts
from storage.models import Dialogue, Person, Resolution, Task, TaskState

ALBUM_WINDOW = timedelta(minutes=10)  # the rest of a photo album joins the report


async def continue_dialogue(
    dialogue: Dialogue, wrote: Wrote, person: Person, now: datetime, texts: Texts
) -> Handled | None:
    """The message as the answer the dialogue waits for; None to handle it as any other."""
    channel = wrote.who.channel
    task = await Task.get_or_none(id=dialogue.task_id) if dialogue.task_id else None
    step = dialogue.step
    if task is None or not await _still_entitled(step, task, person):
        await dialogue.delete()
        return None
    if step == "album":
        if wrote.album is None or wrote.album != dialogue.data.get("group"):
            await dialogue.delete()
            return None
        return await addition(task, wrote, person, now, texts, "evidence-album", quiet=True)
    if step == "report":
        return await _report(dialogue, task, wrote, person, now, texts)
    text = typed(wrote)
    if step.startswith("extension_") and task.state != TaskState.OPEN:
        await dialogue.delete()
        return Handled("stale", [Said(texts.say("steps.task_closed", channel))])
    talk = extension_talk.Talk(texts, channel)
    if step == "extension_date":
        return _said(await talk.on_date(dialogue, task, text, person, now))
    if step == "extension_confirm":
        return _said(await talk.on_confirm_text(dialogue, task, text, person, now))
    if step == "extension_reason":
        return await _reason(dialogue, task, text, person, now, talk)
    if step == "return_comment":
        if not text:
            return Handled("asked-text", [Said(texts.say("steps.need_text", channel))])
        await dialogue.delete()
        key = comment_key(wrote)
        await control.pass_comment(task, person, text, now, key, texts, via=channel)
        return Handled("commented", [Said(texts.say("evidence.comment_sent", channel))])
    await dialogue.delete()  # a step this version does not know: start afresh
    return None


async def _reason(
    dialogue: Dialogue, task: Task, text: str, person: Person, now: datetime,
    talk: extension_talk.Talk,
) -> Handled:  # fmt: skip
    texts, channel = talk.texts, talk.channel
    if not text:
        return Handled("asked-text", [Said(texts.say("steps.need_text", channel))])
    corrected = await talk.on_reason(dialogue, task, text, person, now)
    if corrected is not None:
        return _said(corrected)
    await dialogue.delete()
    to = date.fromisoformat(str(dialogue.data["to"]))
    if task.state != TaskState.OPEN:
        return Handled("stale", [Said(texts.say("steps.task_closed", channel))])
    request = await control.request_extension(task, to, text, now, texts=texts)
    if request is None:
        return Handled("extension-pending", [Said(texts.say("steps.extension_pending", channel))])
    sent = texts.say("steps.extension_sent", channel, to=dmy(to))
    return Handled("extension-requested", [Said(sent)])


async def _report(
    dialogue: Dialogue, task: Task, wrote: Wrote, person: Person, now: datetime, texts: Texts
) -> Handled:
    channel = wrote.who.channel
    pieces = pieces_of(wrote)
    if not pieces:
        return Handled("asked-content", [Said(texts.say("evidence.need_content", channel))])
    if not accepts_evidence(task.state):
        await dialogue.delete()
        return Handled("stale", [Said(texts.say("steps.task_closed", channel))])
    attached = await attach_message(task, person, pieces, wrote, now, texts)
    if wrote.album is not None:
        dialogue.step, dialogue.data = "album", {"group": wrote.album}
        dialogue.expires_at = now + ALBUM_WINDOW
        await dialogue.save()
    else:
        await dialogue.delete()
    replies = [Said(esc(r)) for r in attached.refused]
    if task.state == TaskState.REPORTED:  # more material for a report already sent
        await announce_addition(task, source_of(wrote), pieces, now, texts, media_group=wrote.album)
        added = Said(texts.say("evidence.added_to_report", channel))
        return Handled("evidence", [added, *replies])
    copies = copies_of(wrote, pieces)
    done = await owner_says_done(task, now, texts=texts, via=channel, copies=copies)
    return Handled(f"report-{done.name}", [Said(esc(done.answer)), *replies])


def _said(answer: extension_talk.Answer) -> Handled:
    return Handled(answer.name, [Said(esc(answer.html), answer.buttons)])


async def _still_entitled(step: str, task: Task, person: Person) -> bool:
    """A dialogue continues only for whom it was started: the task's owner, or for a comment
    the resolution's controller (either may have changed since)."""
    if step == "return_comment":
        return await Resolution.filter(id=task.resolution_id, controller_id=person.id).exists()
    return task.owner_id == person.id
