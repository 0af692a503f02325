"""One-time deep links: ``https://t.me/<bot>?start=<token>`` (MAX: ``https://max.ru/<bot>?start=…``)
binds a chat to a person.

The token is the messenger's own start parameter; redeeming it works for any messenger: in
Telegram the person's ``telegram_chat_id`` is set, elsewhere their ``link`` row for that channel
is created or moved to the new user and dialog.

Only a keyed hash of each token is stored (HMAC with RESOLUTE_SECRET), so the database alone
cannot be turned into working links. A token works once and until it expires; issuing a new one
for a person withdraws their earlier unused ones.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from engine.audit import record, refusal
from engine.channels.email import Mail
from engine.channels.events import Who
from engine.errors import ConfigError
from engine.service.copies import name_of
from engine.texts import Texts
from storage.models import Dialogue, Invite, Link, Person

TOKEN_BYTES = 24  # 32 URL-safe characters: within Telegram's 64 for a start parameter
DEFAULT_TTL = timedelta(days=14)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def token_hash(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


LINKS = {
    "telegram": "https://t.me/{bot}?start={token}",
    "max": "https://max.ru/{bot}?start={token}",
}


def deep_link(bot_username: str, token: str, channel: str = "telegram") -> str:
    return LINKS[channel].format(bot=bot_username, token=token)


async def issue(
    secret: bytes,
    person: Person,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    channel: str = "telegram",
) -> str:
    """A new one-time token for ``person`` on ``channel`` (their earlier unused ones for that
    messenger stop working; another messenger's stay valid)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with in_transaction():
        await Invite.filter(person_id=person.id, channel=channel, used_at=None).delete()
        await Invite.create(
            token_hash=token_hash(secret, token), person_id=person.id, channel=channel,
            created_at=now, expires_at=now + ttl,
        )  # fmt: skip
        await record("person.invited", at=now, actor="cli", person=person.id)
    return token


@dataclass(frozen=True)
class Redeemed:
    answer: str
    name: str  # stable outcome name
    person: Person | None = None


async def redeem(secret: bytes, token: str, who: Who, now: datetime, texts: Texts) -> Redeemed:
    """``/start <token>`` from ``who``: bind their dialog to the invited person, once (the
    answer is plain text, in the words of ``texts``)."""
    chat_id = who.chat_id

    def say(key: str, **context: object) -> str:
        return texts.plain(key, who.channel, **context)

    if not _TOKEN.fullmatch(token):
        refusal("invite.unknown", channel=who.channel, chat=chat_id)
        return Redeemed(say("invites.unknown"), "invite-unknown")
    async with in_transaction():
        invite = await Invite.get_or_none(token_hash=token_hash(secret, token))
        if invite is not None and invite.channel != who.channel:  # a link for the other bot
            refusal("invite.other_channel", channel=who.channel, chat=chat_id)
            invite = None
        if invite is None:
            refusal("invite.unknown", channel=who.channel, chat=chat_id)
            return Redeemed(say("invites.unknown"), "invite-unknown")
        person = await Person.get(id=invite.person_id)
        if invite.used_at is not None:
            if invite.used_by_chat == who.user_id and await _holds(who, person):
                return Redeemed(say("invites.greeting", name=person.name), "invite-again", person)
            refusal("invite.reused", channel=who.channel, chat=chat_id, person=person.id)
            return Redeemed(say("invites.used"), "invite-reused")
        if invite.expires_at <= now:
            refusal("invite.expired", channel=who.channel, chat=chat_id, person=person.id)
            return Redeemed(say("invites.expired"), "invite-expired")
        holder = await _holder(who, person)
        if holder is not None:
            refusal(
                "invite.chat_taken", channel=who.channel, chat=chat_id, person=person.id,
                holder=holder.id,
            )  # fmt: skip
            taken = say("invites.taken", messenger=name_of(who.channel), name=holder.name)
            return Redeemed(taken, "invite-chat-taken")
        used = await Invite.filter(id=invite.id, used_at=None).update(
            used_at=now, used_by_chat=who.user_id
        )
        if not used:  # the same link pressed twice at once: the other press won
            return Redeemed(say("invites.used"), "invite-reused")
        await _bind(who, person, now)
        # Whatever the bot was waiting for from this dialog, or from this person's old dialog
        # on this messenger, was someone else's conversation (or an old one): it ends here.
        await Dialogue.filter(
            Q(channel=who.channel) & (Q(chat_id=chat_id) | Q(person_id=person.id))
        ).delete()
        await record("person.linked", at=now, actor=person.id, chat=chat_id, via=who.channel)
    if who.channel == "telegram":
        person.telegram_chat_id = chat_id
    return Redeemed(say("invites.greeting", name=person.name), "linked", person)


async def _holds(who: Who, person: Person) -> bool:
    """Whether ``who`` is already the person's account on that messenger."""
    if who.channel == "telegram":
        return bool(person.telegram_chat_id == who.chat_id)
    return await Link.filter(channel=who.channel, user_id=who.user_id, person_id=person.id).exists()


async def _holder(who: Who, person: Person) -> Person | None:
    """Someone else this account is linked to already (it is not rebound)."""
    if who.channel == "telegram":
        return await Person.filter(telegram_chat_id=who.chat_id).exclude(id=person.id).first()
    link = await Link.filter(channel=who.channel, user_id=who.user_id).exclude(person_id=person.id)
    return await Person.get(id=link[0].person_id) if link else None


async def _bind(who: Who, person: Person, now: datetime) -> None:
    if who.channel == "telegram":
        await Person.filter(id=person.id).update(
            telegram_chat_id=who.chat_id, telegram_blocked_at=None
        )
        return
    moved = await Link.filter(channel=who.channel, person_id=person.id).update(
        user_id=who.user_id, chat_id=who.chat_id, linked_at=now, blocked_at=None
    )
    if not moved:
        await Link.create(
            channel=who.channel, user_id=who.user_id, chat_id=who.chat_id, person_id=person.id,
            linked_at=now,
        )  # fmt: skip


@dataclass(frozen=True)
class Issued:
    person: Person
    link: str
    already_linked: bool


async def invite_people(
    ids: list[str],
    everyone: bool,
    bot_username: str,
    secret: bytes,
    now: datetime,
    ttl: timedelta,
    *,
    channel: str = "telegram",
) -> list[Issued]:
    """Links to ``channel``'s bot for the named people, or for everyone not linked there yet
    (``everyone``). Raises ConfigError naming the unknown ids before issuing anything."""
    if channel == "telegram":
        linked = Person.filter(telegram_chat_id__isnull=False).values_list("id", flat=True)
    else:
        linked = Link.filter(channel=channel).values_list("person_id", flat=True)
    holders = {str(p) for p in await linked}
    if everyone:
        people = await Person.exclude(id__in=list(holders)).order_by("id")
    else:
        found = {p.id: p for p in await Person.filter(id__in=ids)}
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise ConfigError(
                f"Нет в базе: {', '.join(unknown)}. Проверьте идентификаторы "
                "или сначала выполните resolute apply."
            )
        people = [found[i] for i in dict.fromkeys(ids)]
    issued = []
    for person in people:
        token = await issue(secret, person, now, ttl, channel)
        issued.append(Issued(person, deep_link(bot_username, token, channel), person.id in holders))
    return issued


def invite_mail(
    issued: Issued, ttl: timedelta, now: datetime, texts: Texts, messenger: str = "Telegram"
) -> Mail:
    """The invitation by e-mail, for people who are not in ``messenger`` with the bot yet."""
    person = issued.person
    assert person.email is not None
    text = texts.plain(
        "invites.mail_text",
        "email",
        name=person.name,
        link=issued.link,
        days=ttl.days,
        messenger=messenger,
    )
    link = html.escape(issued.link)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    body = body.replace(link, f'<a href="{link}">{link}</a>')
    return Mail(
        person.email, person.name, texts.plain("invites.mail_subject", "email"), body, text,
        f"invite:{person.id}:{now.isoformat()}",
    )  # fmt: skip
