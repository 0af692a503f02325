"""Replies from the IMAP inbox: matched to a task, checked against its owner, recorded once.

A reply counts for a task only when it answers one of our messages (our Message-ID in
In-Reply-To or References) *and* comes from that task's owner (addresses compared without case,
display names ignored). A first line «Выполнено», «готово» or «done» confirms per the policy;
the reply's own words and its attachments become evidence. Anything else changes nothing and is
logged. Bounces mark the address unreachable. Each message is recorded by its Message-ID (or its
UIDVALIDITY/UID), so a restart, or a recreated mailbox, processes nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from engine.audit import event_line, refusal
from engine.channels.imap import ImapMailbox
from engine.mail_replies import Reply, original_ids, parse
from engine.service.confirm import Piece, attach, owner_says_done
from engine.service.mail_answers import answer_confirmation
from storage.models import Cursor, Inbound, Outbox, Person, Task, TaskState

log = logging.getLogger("resolute.mail")
VALIDITY, LAST_UID = "imap.uidvalidity", "imap.last_uid"


async def pull_email(mailbox: ImapMailbox, now: datetime, secret: bytes) -> int:
    """Read and handle every new message; returns how many were new to us. ``secret`` signs
    the controller's buttons on a report that arrives by mail."""
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
            if await _handle_once(validity, uid, raw, now, secret):
                handled += 1
            last_uid = uid
            await _save(LAST_UID, str(uid))


async def _save(name: str, value: str) -> None:
    if not await Cursor.filter(name=name).update(value=value):
        await Cursor.create(name=name, value=value)


async def _handle_once(validity: int, uid: int, raw: bytes, now: datetime, secret: bytes) -> bool:
    try:
        reply = parse(raw)
    except Exception:  # a message no parser can read must not stop the inbox
        log.exception("mail.unparsable uid=%s", uid)
        reply = None
    ident = reply.message_id if reply and reply.message_id else f"{validity}:{uid}"
    key = "email:" + hashlib.sha256(ident.encode()).hexdigest()[:40]
    inbound, created = await Inbound.get_or_create(
        key=key,
        defaults={
            "kind": "email",
            "payload": {"uid": uid, "message_id": ident, "from": reply.sender if reply else ""},
            "received_at": now,
        },
    )
    if not created and inbound.outcome is not None:
        return False
    try:
        outcome = await _handle(reply, raw, now, secret) if reply else "unparsable"
    except Exception:
        log.exception("mail.failed uid=%s", uid)
        outcome = "error"
    inbound.outcome = outcome
    await inbound.save(update_fields=["outcome"])
    return True


async def _handle(reply: Reply, raw: bytes, now: datetime, secret: bytes) -> str:
    if reply.bounced:
        return await _bounce(reply, raw, now)
    ours = (
        await Outbox.filter(external_id__in=list(reply.refers_to), channel="email")
        .select_related("person", "task")
        .first()
        if reply.refers_to
        else None
    )
    if ours is None:
        refusal("mail.unmatched", sender=reply.sender, message=reply.message_id)
        return "unmatched"
    owner = ours.person
    if (owner.email or "").strip().lower() != reply.sender:
        refusal("mail.foreign", sender=reply.sender, task=ours.task_id, owner=owner.id)
        return "foreign"
    task = ours.task
    if task is None:
        log.info(event_line("mail.ignored", sender=reply.sender, reason="reply to a digest"))
        return "not-a-task"
    if task.state == TaskState.CANCELLED:
        return "cancelled"
    stored = await _store_evidence(task, owner, reply, now)
    if reply.confirms:
        result = await owner_says_done(task, now, via="email", secret=secret)
        await answer_confirmation(task, owner, reply.message_id, result, now)
        return result.name
    return "evidence" if stored else "empty"


async def _store_evidence(task: Task, owner: Person, reply: Reply, now: datetime) -> int:
    pieces = [Piece(reply.text, reference=reply.message_id)] if reply.text else []
    pieces += [
        Piece(None, f.file_name, f.content_type, len(f.data), f.data, reply.message_id)
        for f in reply.files
    ]
    if reply.too_large:
        log.warning(event_line("mail.attachments_skipped", task=task.id, files=reply.too_large))
    attached = await attach(task, owner.id, pieces, now, source="email")
    for reason in attached.refused:
        log.warning(event_line("mail.evidence_refused", task=task.id, reason=repr(reason)))
    return attached.stored


async def _bounce(reply: Reply, raw: bytes, now: datetime) -> str:
    """A delivery-status notification: the addresses it names as failed stop being used."""
    people = await Person.filter(email_bounced_at=None).only("id", "email")
    gone = [p.id for p in people if (p.email or "").lower() in reply.bounced]
    if gone:
        await Person.filter(id__in=gone).update(email_bounced_at=now)
        log.warning(event_line("mail.bounced", people=",".join(gone), about=original_ids(raw)))
    return "bounce"
