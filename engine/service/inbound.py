"""Updates from Telegram: each recorded once (by update id) and then acted on.

The offset of the next update lives in the database, so a restart neither skips nor replays an
update; an update recorded but not finished before a crash is finished on the next pass, and the
handlers are idempotent (a second "done" press on a reported task changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telegram import Update
from tortoise.transactions import in_transaction

from engine.channels.telegram import TelegramChannel
from engine.report.bot import send_reports
from engine.service import conversation, presses
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
) -> int:
    """Read and handle every pending update; returns how many were new.

    ``wait_s`` > 0 long-polls: the first request waits up to that long for an update (the
    service's listening loop); ``now`` may then be a clock, read as each update arrives.
    """
    cursor = await Cursor.get_or_none(name=OFFSET)
    offset = int(cursor.value) if cursor else None
    handled = 0
    while True:
        updates = await tg.updates(offset, timeout_s=wait_s)
        wait_s = 0
        if not updates:
            return handled
        moment = now() if callable(now) else now
        for update in updates:
            if await _handle_once(tg, secret, update, moment, templates_dir):
                handled += 1
            offset = update.update_id + 1
            await Cursor.update_or_create(name=OFFSET, defaults={"value": str(offset)})


async def _handle_once(
    tg: TelegramChannel, secret: bytes, update: Update, now: datetime, templates: Path | None
) -> bool:
    key = _key(update)
    record, created = await Inbound.get_or_create(
        key=key,
        defaults={"kind": _kind(update), "payload": update.to_dict(), "received_at": now},
    )
    if not created and record.outcome is not None:
        return False  # handled before a restart: replaying it must change nothing
    try:
        outcome = await _handle(tg, secret, update, now, templates)
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
    tg: TelegramChannel, secret: bytes, update: Update, now: datetime, templates: Path | None
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
                await tg.reply(message.chat.id, result.prompt)
            if result.reports_for is not None:
                # to the presser's own chat, whatever chat the button was in
                await send_reports(tg, query.from_user.id, result.reports_for, now, templates)
        return result.name
    if update.message is not None:
        # All of a message's effects and its record as handled, or none of them (then it is
        # handled again after a restart): evidence is stored once however the process dies.
        async with in_transaction():
            handled = await conversation.on_message(update.message, secret, now)
            await Inbound.filter(key=_key(update)).update(outcome=handled.name)
        for said in handled.replies:
            await tg.reply(update.message.chat.id, said.html, said.buttons)
        if handled.reports_for is not None:  # built after the transaction: it only reads
            await send_reports(tg, update.message.chat.id, handled.reports_for, now, templates)
        return handled.name
    log.info("inbound.ignored update=%s kind=%s", update.update_id, _kind(update))
    return "ignored"
