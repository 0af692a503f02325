"""Updates from Telegram: each recorded once (by update id) and then acted on.

The offset of the next update lives in the database, so a restart neither skips nor replays an
update; an update recorded but not finished before a crash is finished on the next pass, and the
handlers are idempotent (a second "done" press on a reported task changes nothing).

One update fails alone: one python-telegram-bot cannot read is recorded once as ``unreadable``
with its raw JSON, one whose handling raises is recorded as ``error``; either way the offset
moves past it and the next update is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telegram import Update
from tortoise.transactions import in_transaction

from engine.audit import event_line
from engine.channels.telegram import TelegramChannel, Unreadable
from engine.isolation import Failures
from engine.report.bot import send_reports
from engine.service import conversation, presses
from engine.service.answers import TOO_MANY, Answers, Front, Verdict
from storage.models import Cursor, Inbound

log = logging.getLogger("resolute.inbound")
OFFSET = "telegram.update_offset"


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
    """Read and handle every pending update; returns how many were new.

    ``wait_s`` > 0 long-polls: the first request waits up to that long for an update (the
    service's listening loop); ``now`` may then be a clock, read as each update arrives.
    Answers go through ``front``'s queue (without one: a queue of this call's, drained before
    it returns), so a chat waiting for its paced slot holds up no other.
    """
    if front is None:
        own = Front(Answers(tg))
        try:
            return await pull_telegram(tg, secret, now, wait_s=wait_s, failures=failures, front=own)
        finally:
            await own.answers.drain()
    failures = failures if failures is not None else Failures()
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
                if isinstance(update, Unreadable):
                    await _record_unreadable(update, moment)
                elif await _handle_once(tg, secret, update, moment, front, templates_dir):
                    handled += 1
            if update.update_id is not None and update.update_id >= (offset or 0):
                offset = update.update_id + 1
                await Cursor.update_or_create(name=OFFSET, defaults={"value": str(offset)})
        await failures.save(moment)
        if offset == before:  # nothing in the batch said where to go on from: stop here
            return handled


async def _record_unreadable(update: Unreadable, now: datetime) -> None:
    """Keep an update we cannot read, once, as it came: someone may want to see it."""
    raw = json.dumps(update.raw, sort_keys=True, ensure_ascii=False, default=str)
    key = (
        f"telegram:update:{update.update_id}"
        if update.update_id is not None
        else f"telegram:unreadable:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
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
            event_line("inbound.unreadable", update=update.update_id, reason=repr(update.reason))
        )


async def _handle_once(
    tg: TelegramChannel,
    secret: bytes,
    update: Update,
    now: datetime,
    front: Front,
    templates: Path | None,
) -> bool:
    key = _key(update)
    record, created = await Inbound.get_or_create(
        key=key,
        defaults={"kind": _kind(update), "payload": update.to_dict(), "received_at": now},
    )
    if not created and record.outcome is not None:
        return False  # handled before a restart: replaying it must change nothing
    try:
        outcome = await _handle(tg, secret, update, now, front, templates)
    except Exception:  # one bad update must not stop every later tick from reading the rest
        log.exception("inbound.failed update=%s", update.update_id)
        outcome = "error"
    record.outcome = outcome
    await record.save(update_fields=["outcome"])
    return True


def _key(update: Update) -> str:
    return f"telegram:update:{update.update_id}"


def _kind(update: Update) -> str:
    if update.callback_query is not None:
        return "callback_query"
    if update.message is not None:
        return "message"
    return "other"


async def _handle(
    tg: TelegramChannel,
    secret: bytes,
    update: Update,
    now: datetime,
    front: Front,
    templates: Path | None,
) -> str:
    query = update.callback_query
    if query is not None:
        result = await presses.press(secret, query.data, query.from_user.id, now)
        await tg.answer(query.id, result.answer)
        message = query.message
        if message is not None:
            if result.changed:
                await tg.drop_buttons(message.chat.id, message.message_id)
            if result.prompt is not None:
                front.answers.submit(message.chat.id, result.prompt)
            if result.reports_for is not None:
                # to the presser's own chat, whatever chat the button was in
                await send_reports(tg, query.from_user.id, result.reports_for, now, templates)
        return result.name
    if update.message is not None:
        chat_id = update.message.chat.id
        verdict = await front.flood.admit(chat_id, now)
        if verdict is not Verdict.ADMIT:  # recorded, not acted on
            if verdict is Verdict.FLOODING:
                front.answers.submit(chat_id, TOO_MANY, known=False, replace=True)
            return "flood-ignored"
        # All of a message's effects and its record as handled, or none of them (then it is
        # handled again after a restart): evidence is stored once however the process dies.
        async with in_transaction():
            handled = await conversation.on_message(update.message, secret, now)
            await Inbound.filter(key=_key(update)).update(outcome=handled.name)
        known = handled.name != "stranger"
        for said in handled.replies:
            front.answers.submit(chat_id, said.html, said.buttons, known=known)
        if handled.reports_for is not None:  # built after the transaction: it only reads
            await send_reports(tg, chat_id, handled.reports_for, now, templates)
        return handled.name
    log.info("inbound.ignored update=%s kind=%s", update.update_id, _kind(update))
    return "ignored"
