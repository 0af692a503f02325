"""What people do in a messenger: each update recorded once (by its id) and then acted on.

``take`` is every messenger's pipeline: the update is recorded once in ``inbound`` (key
``<channel>:update:<id>``), a message passes the flood guard, a message's effects and its record
as handled commit together, and the answers go back through the adapter the update came from,
paced per (channel, chat). ``pull_telegram`` is Telegram's feed into it: getUpdates from the
offset kept in the database, so a restart neither skips nor replays an update; an update
recorded but not finished before a crash is finished on the next pass, and the handlers are
idempotent (a second "done" press on a reported task changes nothing).

One update fails alone: one the adapter cannot read is recorded once as ``unreadable`` with its
raw JSON, one whose handling raises is recorded as ``error``; either way the offset moves past
it and the next update is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from engine.audit import event_line
from engine.callbacks import Signer
from engine.channels.events import (
    Blocked,
    Event,
    Messenger,
    Pressed,
    Received,
    Started,
    Unreadable,
    Wrote,
)
from engine.isolation import Failures
from engine.report.bot import send_reports
from engine.service import conversation, presses
from engine.service.answers import Answers, Front, Verdict
from engine.service.conversation_said import Handled
from engine.texts import Texts, texts_for
from storage.models import Cursor, Inbound

if TYPE_CHECKING:
    from engine.channels.telegram import TelegramChannel

log = logging.getLogger("resolute.inbound")
OFFSET = "telegram.update_offset"
KINDS = {Pressed: "callback_query", Wrote: "message", Started: "message", Blocked: "member"}


@dataclass(frozen=True)
class Context:
    """What handling an update needs besides the update: the adapter it came from (answers go
    back through it), the secret (a press's signature, an invitation's token), the answers'
    queue and flood guard, and the templates of the controller's reports."""

    messenger: Messenger
    secret: bytes
    front: Front
    templates_dir: Path | None = None

    @property
    def texts(self) -> Texts:
        """The replies' wording: the built-in catalog with the templates folder's overrides."""
        return texts_for(self.templates_dir)


@contextlib.asynccontextmanager
async def answering(messenger: Messenger, front: Front | None) -> AsyncIterator[Front]:
    """``front``, or (without one) a queue of answers of the caller's own, drained when it is
    done: a pull called alone still answers everyone it read."""
    if front is not None:
        yield front
        return
    own = Front(Answers({messenger.name: messenger}))
    try:
        yield own
    finally:
        await own.answers.drain()


async def pull_telegram(
    tg: TelegramChannel,
    secret: bytes,
    now: datetime | Callable[[], datetime],
    *,
    wait_s: int = 0,
    templates_dir: Path | None = None,
    failures: Failures | None = None,
    front: Front | None = None,
) -> int:
    """Read and handle every pending Telegram update; returns how many were new.

    ``wait_s`` > 0 long-polls: the first request waits up to that long for an update (the
    service's listening loop); ``now`` may then be a clock, read as each update arrives.
    Answers go through ``front``'s queue (without one: a queue of this call's, drained before
    it returns), so a chat waiting for its paced slot holds up no other.
    """
    async with answering(tg, front) as front:
        failures = failures if failures is not None else Failures()
        context = Context(tg, secret, front, templates_dir)
        cursor = await Cursor.get_or_none(name=OFFSET)
        offset = int(cursor.value) if cursor else None
        handled = 0
        while True:
            updates = await tg.updates(offset, timeout_s=wait_s)
            wait_s = 0
            if not updates:
                return handled
            moment = now() if callable(now) else now
            before = offset
            for update in updates:
                with failures.guard("update", update.update_id):
                    if await take(context, update, moment):
                        handled += 1
                number = _number(update.update_id)
                if number is not None and number >= (offset or 0):
                    offset = number + 1
                    await Cursor.update_or_create(name=OFFSET, defaults={"value": str(offset)})
            await failures.save(moment)
            if offset == before:  # nothing in the batch said where to go on from: stop here
                return handled


def _number(update_id: str | None) -> int | None:
    try:
        return None if update_id is None else int(update_id)
    except ValueError:
        return None


def storable(value: Any) -> Any:
    """``value`` with every NUL character replaced (U+FFFD): PostgreSQL keeps no NUL in text or
    JSON, and an update carrying one must be recorded like any other, not lost or retried."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


async def take(context: Context, update: Received | Unreadable, now: datetime) -> bool:
    """Record one update of any messenger and act on it, once; True if it was new (an
    unreadable one is recorded, not counted)."""
    if isinstance(update, Unreadable):
        await _record_unreadable(update, now)
        return False
    key = storable(f"{update.channel}:update:{update.update_id}")
    kind = KINDS.get(type(update.event), "other")
    record, created = await Inbound.get_or_create(
        key=key, defaults={"kind": kind, "payload": storable(update.raw), "received_at": now}
    )
    if not created and record.outcome is not None:
        return False  # handled before a restart: replaying it must change nothing
    try:
        outcome = await _handle(context, key, update.event, now)
    except Exception:  # one bad update must not stop every later pass from reading the rest
        log.exception("inbound.failed update=%s", key)
        outcome = "error"
    record.outcome = outcome
    await record.save(update_fields=["outcome"])
    return True


async def _record_unreadable(update: Unreadable, now: datetime) -> None:
    """Keep an update we cannot read, once, as it came: someone may want to see it."""
    raw = json.dumps(storable(update.raw), sort_keys=True, ensure_ascii=False, default=str)
    key = storable(
        f"{update.channel}:update:{update.update_id}"
        if update.update_id is not None
        else f"{update.channel}:unreadable:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
    )
    _, created = await Inbound.get_or_create(
        key=key,
        defaults={
            "kind": "unreadable",
            "payload": {"raw": json.loads(raw), "reason": update.reason},
            "received_at": now,
            "outcome": "unreadable",
        },
    )
    if created:
        log.warning(
            event_line(
                "inbound.unreadable", channel=update.channel, update=update.update_id,
                reason=repr(update.reason),
            )
        )  # fmt: skip


async def _handle(context: Context, key: str, event: Event | None, now: datetime) -> str:
    if isinstance(event, Pressed):
        return await _on_press(context, event, now)
    if isinstance(event, Wrote | Started):
        return await _on_message(context, key, event, now)
    if isinstance(event, Blocked):
        return (await conversation.on_blocked(event, now)).name
    log.info(event_line("inbound.ignored", update=key))
    return "ignored"


async def _on_press(context: Context, event: Pressed, now: datetime) -> str:
    messenger, who = context.messenger, event.who
    result = await presses.press(Signer(context.secret), event, now, context.texts)
    await messenger.answer(event.press_id, result.answer)
    if event.message is not None and result.changed:
        await messenger.drop_buttons(event.message)
    if result.prompt is not None:
        context.front.answers.submit((who.channel, who.chat_id), result.prompt)
    if result.reports_for is not None:  # to the presser's own dialog, wherever the button was
        await send_reports(
            messenger, who.chat_id, result.reports_for, now, context.texts, context.templates_dir
        )
    return result.name


async def _on_message(context: Context, key: str, event: Wrote | Started, now: datetime) -> str:
    who, front = event.who, context.front
    chat = (who.channel, who.chat_id)
    verdict = await front.flood.admit(chat, now)
    if verdict is not Verdict.ADMIT:  # recorded, not acted on
        if verdict is Verdict.FLOODING:
            too_many = context.texts.say("answers.too_many", who.channel)
            front.answers.submit(chat, too_many, known=False, replace=True)
        return "flood-ignored"
    # All of a message's effects and its record as handled, or none of them (then it is
    # handled again after a restart): evidence is stored once however the process dies.
    async with in_transaction():
        handled: Handled
        if isinstance(event, Started):
            handled = await conversation.on_start(event, context.secret, now, context.texts)
        else:
            handled = await conversation.on_message(event, now, context.texts)
        await Inbound.filter(key=key).update(outcome=handled.name)
    known = handled.name != "stranger"
    for said in handled.replies:
        front.answers.submit(chat, said.html, said.buttons, known=known)
    if handled.reports_for is not None:  # built after the transaction: it only reads
        await send_reports(
            context.messenger,
            who.chat_id,
            handled.reports_for,
            now,
            context.texts,
            context.templates_dir,
        )
    return handled.name
