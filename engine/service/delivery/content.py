"""What a message says on each kind of channel: messenger HTML with buttons and copies, or mail."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.audit import event_line
from engine.channels.base import DeliveryError
from engine.channels.email import Mail, deadline_invite
from engine.render import Renderer, RenderError
from engine.service import copies
from engine.service.delivery.buttons import Keyboard, keyboard_from_payload, reminder_buttons
from engine.service.delivery.route import Sender
from engine.service.schedule import policy_of
from engine.timing.local import days_left
from storage.models import Outbox, Person, Task

log = logging.getLogger("resolute.dispatch")


def messenger_content(
    row: Outbox, renderer: Renderer, secret: bytes, now: datetime
) -> tuple[str, Keyboard]:
    """Text and buttons: reminders are rendered as they are sent (the task may have changed
    since it was queued); digests were fixed when composed."""
    if row.kind == "reminder" and row.task is not None:
        html = render_reminder(renderer, row.task, row.person, now)
        return html, reminder_buttons(row.task.id)
    if row.payload is not None and isinstance(row.payload.get("html"), str):
        return row.payload["html"], keyboard_from_payload(row.payload.get("buttons"))
    raise RenderError(f"нечего отправить: сообщение {row.key} без содержимого")


async def send_copies(row: Outbox, channel: str, messenger: Sender, chat_id: int) -> None:
    """A notice's copies of a user's messages (a report's photos and files), best effort and
    on the first attempt only: they go before the notice, whose buttons then come last."""
    if row.attempts:
        return
    for source in copies.on(channel, (row.payload or {}).get("copies", ())):
        try:
            await messenger.copy(chat_id, source.chat_id, source.message_id)
        except DeliveryError as exc:
            log.warning(event_line("message.copy_failed", key=row.key, reason=repr(exc.reason)))


def mail_content(row: Outbox, to_address: str, renderer: Renderer, now: datetime) -> Mail:
    person = row.person
    if row.kind == "reminder" and row.task is not None:
        task = row.task
        context = reminder_context(task, person, now)
        deadline = context["deadline"]
        subject = f"Напоминание: пункт {task.clause_id}, срок {deadline:%d.%m.%Y}"
        invite = deadline_invite(
            f"{row.key}@resolute",
            deadline,
            f"Срок: пункт {task.clause_id} постановления № {task.resolution.number}",
            task.clause_text,
        )
        return Mail(
            to_address, person.name, subject,
            renderer.render("email/reminder.html", **context),
            renderer.render_text("email/reminder.txt", **context),
            row.key, (invite,),
        )  # fmt: skip
    payload = row.payload or {}
    if all(isinstance(payload.get(k), str) for k in ("subject", "html", "text")):
        html = payload.get("mail_html") or payload["html"]  # a notice has its own for mail
        return Mail(
            to_address, person.name, payload["subject"], html, payload["text"], row.key,
            in_reply_to=payload.get("in_reply_to"),
        )  # fmt: skip
    raise RenderError(f"нечего отправить: письмо {row.key} без содержимого")


def reminder_context(task: Task, person: Person, now: datetime) -> dict[str, Any]:
    resolution = task.resolution
    deadline = task.extended_to or task.deadline
    return {
        "person": person,
        "clause": {"id": task.clause_id, "text": task.clause_text},
        "resolution": resolution,
        "controller": resolution.controller,
        "deadline": deadline,
        "days_left": days_left(deadline, now, ZoneInfo(resolution.timezone)),
        "acceptance": policy_of(task.policy).acceptance,
    }


def render_reminder(renderer: Renderer, task: Task, person: Person, now: datetime) -> str:
    return renderer.render("telegram/reminder.html", **reminder_context(task, person, now))
