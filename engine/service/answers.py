"""Answers to people who write to the bot: queued per chat, so that one chat's pacing (Telegram
allows about a message a second per chat) holds up only that chat, and flood control. A chat is
(channel, chat id): each messenger's answers go through that messenger's adapter.

- ``Answers`` sends each chat's answers from a task of its own. The Pacer spaces a chat's
  messages; a chat waiting for its slot keeps no other chat waiting. Strangers' answers go
  through one slot at a time, so however many strangers write, an owner's answer is next.
  A chat has at most ``PENDING_PER_CHAT`` answers waiting; more are dropped (logged).
- ``FloodGuard`` counts each chat's messages: past ``FLOOD_MESSAGES`` within ``FLOOD_WINDOW``
  the chat gets one polite ``TOO_MANY`` (replacing what it still had queued) and its messages
  are recorded but not acted on for ``FLOOD_MUTE``. Time is the pass's ``now``; the mute is
  kept in the database, so it holds across ticks and instances.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from engine.audit import event_line
from engine.channels.base import Keyboard
from engine.isolation import reason_of
from storage.models import Cursor

log = logging.getLogger("resolute.answers")
Chat = tuple[str, int]  # (channel, chat id): chat ids of two messengers may coincide

PENDING_PER_CHAT = 5
FLOOD_MESSAGES = 20  # messages a chat may send within FLOOD_WINDOW
FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_MUTE = timedelta(minutes=10)


class Replier(Protocol):
    """What sends an answer (a messenger adapter's ``reply``: paced, best effort, never
    raises)."""

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None: ...


@dataclass(frozen=True)
class _Answer:
    html: str
    buttons: Keyboard
    known: bool  # to a person of the roster (else a stranger)


class Answers:
    """The queue of answers; ``drain`` waits until everything queued is sent."""

    def __init__(self, repliers: Mapping[str, Replier], *, stranger_slots: int = 1) -> None:
        """``repliers``: each messenger's adapter, by channel name."""
        self._repliers = dict(repliers)
        self._queues: dict[Chat, deque[_Answer]] = {}
        self._tasks: dict[Chat, asyncio.Task[None]] = {}
        self._strangers = asyncio.Semaphore(stranger_slots)

    def submit(
        self,
        chat: Chat,
        html: str,
        buttons: Keyboard = (),
        *,
        known: bool = True,
        replace: bool = False,
    ) -> None:
        """Queue an answer (returns at once). ``replace``: drop what the chat still has queued."""
        queue = self._queues.setdefault(chat, deque())
        if replace:
            queue.clear()
        if len(queue) >= PENDING_PER_CHAT:
            channel, chat_id = chat
            log.info(
                event_line("answer.dropped", channel=channel, chat=chat_id, pending=len(queue))
            )
            return
        queue.append(_Answer(html, buttons, known))
        if chat not in self._tasks:
            self._tasks[chat] = asyncio.create_task(self._send_chat(chat, queue))

    async def _send_chat(self, chat: Chat, queue: deque[_Answer]) -> None:
        channel, chat_id = chat
        try:
            while queue:
                answer = queue.popleft()
                try:
                    replier = self._repliers[channel]
                    if answer.known:
                        await replier.reply(chat_id, answer.html, answer.buttons)
                    else:
                        async with self._strangers:
                            await replier.reply(chat_id, answer.html, answer.buttons)
                except Exception as exc:  # one answer's failure is not the queue's
                    reason = repr(reason_of(exc))
                    log.warning(
                        event_line("answer.failed", channel=channel, chat=chat_id, reason=reason)
                    )
        finally:
            del self._tasks[chat]
            if not queue:
                self._queues.pop(chat, None)

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values()) + len(self._tasks)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop: what is still queued is not sent (an answer is best effort; they can ask again)."""
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)


class Verdict(StrEnum):
    ADMIT = "admit"
    FLOODING = "flooding"  # just went over the limit: one notice, then ignored
    MUTED = "muted"  # ignored until the mute ends


@dataclass
class FloodGuard:
    """Per-chat message counts in this process, and the mutes (kept in the database)."""

    _seen: dict[Chat, deque[datetime]] = field(default_factory=dict)
    _muted: dict[Chat, datetime | None] = field(default_factory=dict)  # None: not muted

    async def admit(self, chat: Chat, now: datetime) -> Verdict:
        if chat not in self._muted:
            cursor = await Cursor.get_or_none(name=_mute_key(chat))
            self._muted[chat] = datetime.fromisoformat(cursor.value) if cursor else None
        until = self._muted[chat]
        if until is not None and now < until:
            return Verdict.MUTED
        seen = self._seen.setdefault(chat, deque())
        seen.append(now)
        while seen and seen[0] <= now - FLOOD_WINDOW:
            seen.popleft()
        if len(seen) <= FLOOD_MESSAGES:
            return Verdict.ADMIT
        until = self._muted[chat] = now + FLOOD_MUTE
        seen.clear()
        await Cursor.update_or_create(name=_mute_key(chat), defaults={"value": until.isoformat()})
        log.warning(
            event_line(
                "inbound.flood", channel=chat[0], chat=chat[1], muted_until=until.isoformat()
            )
        )
        return Verdict.FLOODING


def _mute_key(chat: Chat) -> str:
    channel, chat_id = chat
    return f"{channel}.flood:{chat_id}"  # Telegram's as before channels were told apart


@dataclass
class Front:
    """What stands between the chats and the handlers: the answer queue and the flood guard.
    One per ``tick``; one for the whole of ``run``."""

    answers: Answers
    flood: FloodGuard = field(default_factory=FloodGuard)
