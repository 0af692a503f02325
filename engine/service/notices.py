"""Messages to people that events cause (a report for the controller, a decision for the owner).

They go through the outbox like reminders: paced, retried, routed to e-mail when Telegram cannot
reach the person, and sent at most once, because each key names its event.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime

from engine.channels.base import Button
from engine.channels.registry import CHANNELS, Kind
from engine.service.delivery import route
from engine.service.delivery.buttons import keyboard_rows, keyboard_to_payload
from engine.service.delivery.route import links_of
from engine.texts import Texts
from storage.models import Outbox, Person, Task

_TAG = re.compile(r"<[^>]+>")
BUTTONS_IN_MESSENGER = "Ответить на это сообщение можно кнопками в {messenger}-боте."
BUTTONS_NEED_TELEGRAM = (
    "Решение принимается кнопками в Telegram-боте: попросите у секретаря ссылку-приглашение."
)


def esc(text: object) -> str:
    """Text for Telegram HTML."""
    return html.escape(str(text), quote=False)


def plain(markup: str) -> str:
    """The plain-text twin of a notice's Telegram HTML (for the e-mail text part)."""
    return html.unescape(_TAG.sub("", markup))


def clause_line(task: Task, number: str, texts: Texts) -> str:
    """«Пункт 1.2 постановления № 16-1: …» with the clause text shortened (HTML)."""
    text = task.clause_text if len(task.clause_text) <= 300 else task.clause_text[:299] + "…"
    return str(texts.say("delivery.clause_line", clause=task.clause_id, number=number, text=text))


async def notify(
    person: Person,
    key: str,
    body: str,
    now: datetime,
    *,
    subject: str,
    task_id: int | None = None,
    buttons: Sequence[Button | Sequence[Button]] = (),
    copies: Sequence[str] = (),
) -> bool:
    """Queue ``body`` (Telegram HTML) for ``person`` under ``key``; False if it was queued
    before (the event was already announced). ``buttons`` are kept as intents, signed when
    sent; ``copies``: a user's messages to copy along, channel-tagged (engine.service.copies:
    the photos and files of a report), copied where the messenger is the same."""
    everywhere = frozenset(CHANNELS.names)
    links = (await links_of([person.id], everywhere)).get(person.id)
    footer = ""
    if keyboard_rows(buttons):
        linked = [  # the person's messengers with the bot, in their order
            e.title
            for e in CHANNELS.order_of(person.channels)
            if e.kind is Kind.MESSENGER and e.address(person, links).to is not None
        ]
        said = BUTTONS_IN_MESSENGER.format(messenger=linked[0]) if linked else BUTTONS_NEED_TELEGRAM
        footer = f"\n\n{said}"
    payload = {
        "html": body,
        "mail_html": "<br>\n".join((body + html.escape(footer)).split("\n")),
        "text": plain(body) + footer,
        "subject": subject,
        "buttons": keyboard_to_payload(buttons),
        "copies": list(copies),
    }
    _, created = await Outbox.get_or_create(
        key=key,
        defaults={
            "task_id": task_id,
            "person_id": person.id,
            "channel": route(person, everywhere, links),
            "kind": "notice",
            "due_at": now,
            "attempt_at": now,
            "payload": payload,
        },
    )
    return created
