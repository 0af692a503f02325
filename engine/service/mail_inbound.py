"""Replies from the IMAP inbox: matched to a task, checked against its owner, recorded once.

A reply counts for a task only when its author (the one addr-spec of its From: see
engine/mail_address.py) is the address one of our messages was sent to, that message's keyed
Message-ID is in its In-Reply-To or References (engine/service/mail_match.py), and that address
is the task's owner's. A first line «Выполнено», «готово» or «done» confirms per the policy; the
reply's own words and its attachments become evidence, and the owner is told what could not be
kept as sent (an unknown charset, a shortened file name). Anything else changes nothing: it is
logged with a stable event name and its reason is recorded on the inbound row, with the
server's Authentication-Results; a failed DMARC is shown to the controller. A bounce marks only
the recipient of the message it quotes. Each message is recorded by its Message-ID (or its
UIDVALIDITY/UID), so a restart, or a recreated mailbox, processes nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from engine.audit import event_line, refusal
from engine.channels.imap import ImapMailbox
from engine.mail_address import normalise
from engine.mail_replies import Reply, parse
from engine.render import Renderer
from engine.service import mail_answers
from engine.service.confirm import Piece, attach, owner_says_done
from engine.service.mail_match import NotMatched, bounced_people, match
from engine.texts import Texts
from storage.models import Cursor, Inbound, Outbox, Person, Task, TaskState

log = logging.getLogger("resolute.mail")
VALIDITY, LAST_UID = "imap.uidvalidity", "imap.last_uid"


async def pull_email(
    mailbox: ImapMailbox, now: datetime, secret: bytes, renderer: Renderer | None = None
) -> int:
    """Read and handle every new message; returns how many were new to us. ``secret`` checks
    our Message-IDs and signs the controller's buttons on a report that arrives by mail;
    ``renderer`` (default: the built-in templates) words what people are told about a mail."""
    renderer = renderer or Renderer()
    cursors = dict(await Cursor.filter(name__in=[VALIDITY, LAST_UID]).values_list("name", "value"))
    validity = int(cursors[VALIDITY]) if VALIDITY in cursors else None
    last_uid = int(cursors.get(LAST_UID, "0"))
    handled = 0
    while True:
        fetched = await mailbox.fetch_new(validity, last_uid)
        if fetched.uidvalidity != validity:
            validity, last_uid = fetched.uidvalidity, 0
            await _save(VALIDITY, str(validity))
            await _save(LAST_UID, "0")
        if not fetched.messages:
            return handled
        for uid, raw in fetched.messages:
            if await _handle_once(validity, uid, raw, now, secret, renderer):
                handled += 1
            last_uid = uid
            await _save(LAST_UID, str(uid))


async def _save(name: str, value: str) -> None:
    if not await Cursor.filter(name=name).update(value=value):
        await Cursor.create(name=name, value=value)


async def _handle_once(
    validity: int, uid: int, raw: bytes, now: datetime, secret: bytes, renderer: Renderer
) -> bool:
    try:
        reply = parse(raw)
    except Exception:  # a message no parser can read must not stop the inbox
        log.exception("mail.unparsable uid=%s", uid)
        reply = None
    ident = reply.message_id if reply and reply.message_id else f"{validity}:{uid}"
    key = "email:" + hashlib.sha256(ident.encode()).hexdigest()[:40]
    payload: dict[str, object] = {
        "uid": uid,
        "message_id": ident,
        "from": reply.sender if reply else "",
    }
    if reply and reply.sender_refused:
        payload["from_header"] = reply.from_header
    if reply and reply.authentication.headers:
        payload["authentication"] = list(reply.authentication.headers)
        payload["dmarc"] = reply.authentication.dmarc
    try:
        inbound, created = await Inbound.get_or_create(
            key=key, defaults={"kind": "email", "payload": payload, "received_at": now}
        )
    except Exception:  # what the mail said cannot be stored: keep only where it was, go on
        log.exception("mail.failed uid=%s", uid)
        key = f"email:{validity}:{uid}"
        inbound, created = await Inbound.get_or_create(
            key=key, defaults={"kind": "email", "payload": {"uid": uid}, "received_at": now}
        )
        reply = None
    if not created and inbound.outcome is not None:
        return False
    reason: str | None = None
    try:
        if reply is None:
            outcome = "unparsable"
        else:
            outcome, reason = await _handle(reply, key, now, secret, renderer)
    except Exception:
        log.exception("mail.failed uid=%s", uid)
        outcome = "error"
    inbound.outcome = outcome
    if reason is not None:
        inbound.payload = {**inbound.payload, "reason": reason}
    await inbound.save(update_fields=["outcome", "payload"])
    return True


async def _handle(
    reply: Reply, key: str, now: datetime, secret: bytes, renderer: Renderer
) -> tuple[str, str | None]:
    """The outcome for the inbound row, and the reason when the mail was refused."""
    if reply.bounced or reply.bounce_of:
        return await _bounce(reply, now, secret)
    if reply.sender_refused is not None:
        refusal("mail.sender_refused", reason=reply.sender_refused, message=reply.message_id)
        return "refused", reply.sender_refused
    found = await match(reply, secret)
    if isinstance(found, NotMatched):
        refusal(
            f"mail.{found.outcome}",
            reason=found.reason,
            sender=reply.sender,
            message=reply.message_id,
            task=found.row.task_id if found.row else None,
        )
        if found.outcome == "legacy" and found.row is not None:
            await _answer_legacy(found.row, reply, renderer, now)
        return found.outcome, found.reason
    ours = found.row
    owner, task = ours.person, ours.task
    if task is None:
        log.info(event_line("mail.ignored", sender=reply.sender, reason="reply to a digest"))
        return "not-a-task", None
    if task.state == TaskState.CANCELLED:
        return "cancelled", None
    texts = Texts.for_renderer(renderer)
    stored = await _store_evidence(task, owner, reply, now, texts)
    await mail_answers.tell_kept_partly(renderer, task, owner, reply, stored, key, now)
    warning = mail_answers.caution(renderer, reply)
    if warning:
        log.warning(event_line("mail.dmarc_failed", task=task.id, sender=reply.sender))
    outcome, changed, announced = ("evidence" if stored else "empty"), stored > 0, False
    if reply.confirms:
        result = await owner_says_done(task, now, texts=texts, via="email", caution=warning)
        await mail_answers.answer_confirmation(task, owner, reply.message_id, result, now, texts)
        outcome, changed = result.name, changed or result.changed
        announced = result.changed and result.name == TaskState.REPORTED.value
    if warning and changed and not announced:  # the report notice already carries it
        await mail_answers.warn_controller(renderer, task, owner, reply, key, now)
    return outcome, None


async def _answer_legacy(row: Outbox, reply: Reply, renderer: Renderer, now: datetime) -> None:
    """The owner answered mail sent before Message-IDs were keyed: tell them, at their roster
    channel, how to answer instead (never a stranger: only when the From is their address)."""
    task = row.task
    if task is None or reply.auto_submitted:
        return
    if normalise(row.person.email or "") == reply.sender:
        await mail_answers.tell_legacy(renderer, task, row.person, now)


async def _store_evidence(
    task: Task, owner: Person, reply: Reply, now: datetime, texts: Texts
) -> int:
    pieces = [Piece(reply.text, reference=reply.message_id)] if reply.text else []
    pieces += [
        Piece(None, f.file_name, f.content_type, len(f.data), f.data, reply.message_id)
        for f in reply.files
    ]
    if reply.too_large:
        log.warning(event_line("mail.attachments_skipped", task=task.id, files=reply.too_large))
    attached = await attach(task, owner.id, pieces, now, texts, source="email")
    for reason in attached.refused:
        log.warning(event_line("mail.evidence_refused", task=task.id, reason=repr(reason)))
    return attached.stored


async def _bounce(reply: Reply, now: datetime, secret: bytes) -> tuple[str, str | None]:
    """A delivery-status notification: an address stops being used only when the report quotes
    a message we sent to that address (the original's Message-ID), and only that address."""
    gone = await bounced_people(reply, secret)
    if not gone:
        refusal(
            "mail.bounce_refused",
            failed=",".join(reply.bounced) or None,
            about=",".join(reply.bounce_of) or None,
        )
        return "bounce-refused", "no-message-of-ours-to-that-recipient"
    await Person.filter(id__in=sorted(gone), email_bounced_at=None).update(email_bounced_at=now)
    log.warning(event_line("mail.bounced", people=",".join(sorted(gone)), about=reply.bounce_of))
    return "bounce", None
