"""Messages people write to the bot, in any messenger: commands, answers the bot asked for,
replies to our messages; the dialog opened (with an invitation or without) and the bot blocked.

What the next message from a dialog is for (a report, a date, a reason, a comment) is kept in
the ``dialogue`` table, so a restart or another instance continues the conversation. Everything
is answered in Russian; nothing here changes a task its writer is not entitled to change. The
parts: ``conversation_commands`` (/tasks, /status, /report, /help, /cancel),
``conversation_steps`` (the answers a dialogue waits for), ``conversation_evidence`` (a message
as evidence, replies to our messages).
"""

from __future__ import annotations

from datetime import datetime

from engine.channels.events import Blocked, Started, Wrote
from engine.service import invites
from engine.service.conversation_commands import command
from engine.service.conversation_evidence import reply_to_ours
from engine.service.conversation_said import Handled, Said
from engine.service.conversation_steps import continue_dialogue
from engine.service.identity import person_of, reachable_again, set_blocked
from engine.service.notices import esc
from engine.texts import Texts
from storage.models import Dialogue


async def on_message(wrote: Wrote, now: datetime, texts: Texts) -> Handled:
    if not wrote.private:
        return Handled("ignored-not-private")
    who = wrote.who
    person = await person_of(who)
    if person is None:
        return Handled("stranger", [Said(texts.say("conversation.stranger", who.channel))])
    await reachable_again(who, person)  # they write to us: reachable again
    if wrote.command is not None:
        return await command(wrote.command, person, who, now, texts)
    # An explicit reply to one of our messages about a task wins over a dialogue in progress:
    # the reply says which task it is about.
    if wrote.reply_to is not None:
        handled = await reply_to_ours(wrote, person, now, texts)
        if handled is not None:
            return handled
    dialogue = await Dialogue.get_or_none(channel=who.channel, chat_id=who.chat_id)
    if dialogue is not None and dialogue.expires_at > now and dialogue.person_id == person.id:
        handled = await continue_dialogue(dialogue, wrote, person, now, texts)
        if handled is not None:
            return handled
    elif dialogue is not None:  # expired, or left by whoever used this dialog before
        await dialogue.delete()
    return Handled("hint", [Said(texts.say("conversation.hint", who.channel))])


async def on_start(started: Started, secret: bytes, now: datetime, texts: Texts) -> Handled:
    """The dialog opened: with an invitation's token it links the person (``secret`` checks
    the token), without one it greets whoever is linked there."""
    if started.token:
        redeemed = await invites.redeem(secret, started.token, started.who, now, texts)
        return Handled(redeemed.name, [Said(esc(redeemed.answer))])
    channel = started.who.channel
    person = await person_of(started.who)
    if person is None:
        return Handled("greeted-stranger", [Said(texts.say("conversation.stranger", channel))])
    await reachable_again(started.who, person)
    greeting = texts.say("invites.greeting", channel, name=person.name)
    return Handled("greeted", [Said(greeting)])


async def on_blocked(blocked: Blocked, now: datetime) -> Handled:
    """The person blocked the bot (messages go by their next channel) or unblocked it."""
    return Handled(await set_blocked(blocked.who, blocked.blocked, now))
