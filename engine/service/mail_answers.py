"""The answer to an e-mailed «Выполнено»: by e-mail, in the sender's thread, once.

In Telegram the owner is thanked at once; a mail reply that confirms gets the same words back
as a reply to their own message (``In-Reply-To`` and ``References`` name it, so their mail
program shows it in the thread). The outbox key names the task's report round: a replayed or
repeated confirmation is not answered twice.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from typing import Any

from engine.audit import event_line
from engine.service.confirm import Outcome
from engine.service.notices import clause_line, plain
from storage.models import Outbox, Person, Resolution, Task

log = logging.getLogger("resolute.mail")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # one Message-ID, no spaces or line breaks


async def answer_confirmation(
    task: Task, owner: Person, message_id: str | None, outcome: Outcome, now: datetime
) -> bool:
    """Queue the thanks for a confirmation by mail; False if there is nothing to answer (it
    changed nothing, no address) or it was answered before."""
    if not outcome.changed or not owner.email:
        return False
    resolution = await Resolution.get(id=task.resolution_id)
    fresh = await Task.get(id=task.id)
    body = f"{html.escape(outcome.answer)}\n{clause_line(fresh, resolution.number)}"
    payload: dict[str, Any] = {
        "html": body,
        "mail_html": "<br>\n".join(body.split("\n")),
        "text": plain(body),
        "subject": f"Re: пункт {task.clause_id} постановления № {resolution.number}",
        "in_reply_to": message_id if message_id and _MESSAGE_ID.fullmatch(message_id) else None,
        "buttons": [],
        "copies": [],
    }
    _, created = await Outbox.get_or_create(
        key=f"mail-answer:{task.id}:{fresh.reports}",
        defaults={
            "task_id": task.id, "person_id": owner.id, "channel": "email", "kind": "notice",
            "due_at": now, "attempt_at": now, "payload": payload,
        },
    )  # fmt: skip
    if created:
        log.info(event_line("mail.answered", task=task.id, to=owner.id))
    return created
