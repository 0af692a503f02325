"""Which of our messages a mail answers, and whether its author is the one we sent it to.

A reply counts only when it refers (In-Reply-To, References) to a Message-ID that a message we
actually sent carried, *and* that ID was made for the reply's author (engine/mail_ids.py binds
the ID to the recipient with RESOLUTE_SECRET), *and* the author is still that person's address,
*and* that person owns the task the message was about.
A bounce counts only for a recipient to whom the message it quotes was sent. Lookups go by the
outbox's index on ``external_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.mail_address import normalise
from engine.mail_ids import is_legacy, sent_to
from engine.mail_replies import Reply
from storage.models import Outbox, OutboxStatus


@dataclass(frozen=True)
class Matched:
    row: Outbox  # with ``person`` and ``task`` loaded


@dataclass(frozen=True)
class NotMatched:
    outcome: str  # unmatched | foreign | legacy
    reason: str  # stable, for the inbound row and the log
    row: Outbox | None = None  # the message referred to, when there is one


async def _sent_rows(ids: tuple[str, ...]) -> list[Outbox]:
    """Our sent e-mails carrying these IDs, in the order of ``ids``."""
    if not ids:
        return []
    rows = await Outbox.filter(
        external_id__in=list(ids), channel="email", status=OutboxStatus.SENT
    ).select_related("person", "task")
    order = {mid: n for n, mid in enumerate(ids)}
    return sorted(rows, key=lambda r: order.get(r.external_id or "", len(order)))


async def match(reply: Reply, secret: bytes) -> Matched | NotMatched:
    rows = await _sent_rows(reply.refers_to)
    if not rows:
        return NotMatched("unmatched", "no-message-of-ours")
    ours = [r for r in rows if sent_to(secret, r.external_id or "", r.key, reply.sender)]
    if not ours:
        legacy = next((r for r in rows if is_legacy(r.external_id or "", r.key)), None)
        if legacy is not None:
            return NotMatched("legacy", "legacy-message-id", legacy)
        return NotMatched("foreign", "not-sent-to-sender", rows[0])
    row = ours[0]
    if normalise(row.person.email or "") != reply.sender:
        return NotMatched("foreign", "address-changed", row)  # sent to an address since changed
    if row.task is not None and row.person_id != row.task.owner_id:
        # a notice about someone else's task (the controller's copy of a report): its
        # recipient may not confirm that task or add evidence to it
        return NotMatched("foreign", "not-the-owner", row)
    return Matched(row)


async def bounced_people(reply: Reply, secret: bytes) -> set[str]:
    """Person ids whose address a bounce may mark: the failed recipient is the address the
    quoted message was sent to, and still the person's address."""
    gone: set[str] = set()
    for row in await _sent_rows(reply.bounce_of):
        for recipient in reply.bounced:
            if sent_to(secret, row.external_id or "", row.key, recipient) and (
                normalise(row.person.email or "") == recipient
            ):
                gone.add(row.person_id)
    return gone
