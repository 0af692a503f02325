"""What people are told about a mail reply, beyond the task's own notices: the owner, when part
of their mail could not be kept as sent or could not count; the controller, when the mail failed
DMARC. Texts come from templates (templates/telegram/mail_*.html); they go through the outbox.

Only the roster's people are ever written to, at their roster channels, never at a From
address: a forged mail must not make us write to a stranger (backscatter).

The answer to an e-mailed «Выполнено» goes by e-mail, in the sender's thread, once: in Telegram
the owner is thanked at once; a mail reply that confirms gets the same words back as a reply to
their own message (``In-Reply-To`` and ``References`` name it). The outbox key names the task's
report round: a replayed or repeated confirmation is not answered twice.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from typing import Any

from engine.audit import event_line
from engine.mail_replies import Reply
from engine.render import Renderer
from engine.service.confirm import Outcome
from engine.service.notices import clause_line, notify, plain
from engine.texts import Texts
from storage.models import Outbox, Person, Resolution, Task

log = logging.getLogger("resolute.mail")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # one Message-ID, no spaces or line breaks


def caution(renderer: Renderer, reply: Reply) -> str | None:
    """The controller's warning line for a reply that failed DMARC; None when it did not."""
    if not reply.authentication.dmarc_failed:
        return None
    return renderer.render("telegram/mail_unverified.html", standalone=False, sender=reply.sender)


async def warn_controller(
    renderer: Renderer, task: Task, owner: Person, reply: Reply, key: str, now: datetime
) -> None:
    """A notice of its own, for a DMARC-failed reply that changed the record without a report
    notice (evidence added, or closed under ``acceptance: none``)."""
    resolution = await Resolution.get(id=task.resolution_id).select_related("controller")
    body = renderer.render(
        "telegram/mail_unverified.html",
        standalone=True,
        sender=reply.sender,
        clause_id=task.clause_id,
        number=resolution.number,
        owner_name=owner.name,
    )
    subject = Texts.for_renderer(renderer).plain(
        "mail.unverified_subject", clause=task.clause_id, number=resolution.number
    )
    await notify(resolution.controller, f"mail-unverified:{key}", body, now, subject=subject)


async def tell_kept_partly(
    renderer: Renderer,
    task: Task,
    owner: Person,
    reply: Reply,
    stored: int,
    key: str,
    now: datetime,
) -> bool:
    """Tell the owner what of their mail was kept otherwise than sent; False if nothing was."""
    if not reply.unknown_charsets and not reply.renamed:
        return False
    number = (await Resolution.get(id=task.resolution_id)).number
    body = renderer.render(
        "telegram/mail_kept_partly.html",
        clause_id=task.clause_id,
        number=number,
        stored=stored > 0,
        charsets=reply.unknown_charsets,
        renamed=reply.renamed,
    )
    subject = Texts.for_renderer(renderer).plain("mail.your_mail_subject", clause=task.clause_id)
    await notify(owner, f"mail-answer:{key}", body, now, subject=subject, task_id=task.id)
    log.info(
        event_line(
            "mail.kept_partly",
            task=task.id,
            charsets=",".join(reply.unknown_charsets) or None,
            renamed=len(reply.renamed) or None,
        )
    )
    return True


async def tell_legacy(renderer: Renderer, task: Task, owner: Person, now: datetime) -> None:
    """The owner replied to a mail with an old, guessable Message-ID: at most once a day."""
    number = (await Resolution.get(id=task.resolution_id)).number
    body = renderer.render("telegram/mail_legacy.html", clause_id=task.clause_id, number=number)
    key = f"mail-legacy:{owner.id}:{now.date().isoformat()}"
    subject = Texts.for_renderer(renderer).plain("mail.your_mail_subject", clause=task.clause_id)
    await notify(owner, key, body, now, subject=subject)


async def answer_confirmation(
    task: Task,
    owner: Person,
    message_id: str | None,
    outcome: Outcome,
    now: datetime,
    texts: Texts,
) -> bool:
    """Queue the thanks for a confirmation by mail; False if there is nothing to answer (it
    changed nothing, no address) or it was answered before."""
    if not outcome.changed or not owner.email:
        return False
    resolution = await Resolution.get(id=task.resolution_id)
    fresh = await Task.get(id=task.id)
    body = f"{html.escape(outcome.answer)}\n{clause_line(fresh, resolution.number, texts)}"
    payload: dict[str, Any] = {
        "html": body,
        "mail_html": "<br>\n".join(body.split("\n")),
        "text": plain(body),
        "subject": texts.plain(
            "mail.thanks_subject", "email", clause=task.clause_id, number=resolution.number
        ),
        "in_reply_to": message_id if message_id and _MESSAGE_ID.fullmatch(message_id) else None,
        "buttons": [],
        "copies": [],
    }
    _, created = await Outbox.get_or_create(
        key=f"mail-thanks:{task.id}:{fresh.reports}",
        defaults={
            "task_id": task.id, "person_id": owner.id, "channel": "email", "kind": "notice",
            "due_at": now, "attempt_at": now, "payload": payload,
        },
    )  # fmt: skip
    if created:
        log.info(event_line("mail.answered", task=task.id, to=owner.id))
    return created
