"""Answers to people who write to the bot: queued per chat, so that one chat's pacing (Telegram
allows about a message a second per chat) holds up only that chat, and flood control.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from engine.audit import event_line
from engine.channels.base import Button
from engine.isolation import reason_of
from storage.models import Cursor

log = logging.getLogger("resolute.answers")
Keyboard = Sequence[Button | Sequence[Button]]

PENDING_PER_CHAT = 5
FLOOD_MESSAGES = 20  # messages a chat may send within FLOOD_WINDOW
FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_MUTE = timedelta(minutes=10)
TOO_MANY = (
    "Слишком много сообщений. Пожалуйста, подождите несколько минут: "
    "новые сообщения я прочитаю позже."
)


class Replier(Protocol):
    """What sends an answer (TelegramChannel.reply: paced, best effort, never raises)."""

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None: ...


@dataclass(frozen=True)
class _Answer:
    html: str
    buttons: Keyboard
    known: bool  # to a person of the roster (else a stranger)


class Answers:
    """The queue of answers; ``drain`` waits until everything queued is sent."""

    def __init__(self, replier: Replier, *, stranger_slots: int = 1) -> None:
        self._replier = replier
        self._queues: dict[int, deque[_Answer]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._strangers = asyncio.Semaphore(stranger_slots)

    def submit(
        self,
        chat_id: int,
        html: str,
        buttons: Keyboard = (),
        *,
        known: bool = True,
        replace: bool = False,
    ) -> None:
        """Queue an answer (returns at once). ``replace``: drop what the chat still has queued."""
        queue = self._queues.setdefault(chat_id, deque())
        if replace:
            queue.clear()
        if len(queue) >= PENDING_PER_CHAT:
            log.info(event_line("answer.dropped", chat=chat_id, pending=len(queue)))
            return
        queue.append(_Answer(html, buttons, known))
        if chat_id not in self._tasks:
            self._tasks[chat_id] = asyncio.create_task(self._send_chat(chat_id, queue))

    async def _send_chat(self, chat_id: int, queue: deque[_Answer]) -> None:
        try:
            while queue:
                answer = queue.popleft()
                try:
                    if answer.known:
                        await self._replier.reply(chat_id, answer.html, answer.buttons)
                    else:
                        async with self._strangers:
                            await self._replier.reply(chat_id, answer.html, answer.buttons)
                except Exception as exc:  # one answer's failure is not the queue's
                    log.warning(
                        event_line("answer.failed", chat=chat_id, reason=repr(reason_of(exc)))
                    )
        finally:
            del self._tasks[chat_id]
            if not queue:
                self._queues.pop(chat_id, None)

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

    _seen: dict[int, deque[datetime]] = field(default_factory=dict)
    _muted: dict[int, datetime | None] = field(default_factory=dict)  # None: not muted

    async def admit(self, chat_id: int, now: datetime) -> Verdict:
        if chat_id not in self._muted:
            cursor = await Cursor.get_or_none(name=_mute_key(chat_id))
            self._muted[chat_id] = datetime.fromisoformat(cursor.value) if cursor else None
        until = self._muted[chat_id]
        if until is not None and now < until:
            return Verdict.MUTED
        seen = self._seen.setdefault(chat_id, deque())
        seen.append(now)
        while seen and seen[0] <= now - FLOOD_WINDOW:
            seen.popleft()
        if len(seen) <= FLOOD_MESSAGES:
            return Verdict.ADMIT
        until = self._muted[chat_id] = now + FLOOD_MUTE
        seen.clear()
        await Cursor.update_or_create(
            name=_mute_key(chat_id), defaults={"value": until.isoformat()}
        )
        log.warning(event_line("inbound.flood", chat=chat_id, muted_until=until.isoformat()))
        return Verdict.FLOODING


def _mute_key(chat_id: int) -> str:
    return f"telegram.flood:{chat_id}"


@dataclass
class Front:
    """What stands between the chats and the handlers: the answer queue and the flood guard.
    One per ``tick``; one for the whole of ``run``."""

    answers: Answers
    flood: FloodGuard = field(default_factory=FloodGuard)
