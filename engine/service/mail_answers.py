"""What people are told about a mail reply, beyond the task's own notices: the owner, when part
of their mail could not be kept as sent or could not count; the controller, when the mail failed
DMARC. Texts come from templates (templates/telegram/mail_*.html); they go through the outbox.

Only the roster's people are ever written to, at their roster channels, never at a From
address: a forged mail must not make us write to a stranger (backscatter).
"""

from __future__ import annotations

import logging
from datetime import datetime

from engine.audit import event_line
from engine.mail_replies import Reply
from engine.render import Renderer
from engine.service.notices import notify
from storage.models import Person, Resolution, Task

log = logging.getLogger("resolute.mail")


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
    subject = f"Проверьте письмо по пункту {task.clause_id} постановления № {resolution.number}"
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
    subject = f"Ваше письмо по пункту {task.clause_id}"
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
    await notify(owner, key, body, now, subject=f"Ваше письмо по пункту {task.clause_id}")
