"""Outbound pacing for Telegram: under 30 messages a second per bot and one a second per chat.

python-telegram-bot's AIORateLimiter does not pace private chats, so the adapter does it here.
A ``retry_after`` from Telegram is not kept here but in the database (the dispatcher's pause),
in the engine's own time, so that it holds across processes and for ``tick --now``.
Clock and sleep are injectable: tests of the pacing itself run on a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """Spaces sends ``1/per_second`` apart overall and ``chat_interval_s`` apart per chat."""

    def __init__(
        self,
        per_second: float = 29.0,  # a little under Telegram's 30: arrival jitter must not trip it
        chat_interval_s: float = 1.1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._gap_s = 1.0 / per_second
        self._chat_interval_s = chat_interval_s
        self._clock = clock
        self._sleep = sleep
        self._next_any = 0.0
        self._next_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        """Return when a message to ``chat_id`` may go out; reserves that moment.

        The chat's slot is waited for first, and only then one of the bot's: a chat waiting
        its second keeps no slot of the bot's, so the other chats' messages go meanwhile."""
        now = self._clock()
        chat_at = max(now, self._next_chat.get(chat_id, 0.0))
        self._next_chat[chat_id] = chat_at + self._chat_interval_s
        if len(self._next_chat) > 10_000:  # forget chats whose interval is long past
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        if chat_at > now:
            await self._sleep(chat_at - now)
            now = self._clock()
        at = max(now, self._next_any)
        self._next_any = at + self._gap_s
        if at > chat_at:  # held by the bot's overall rate: the chat's next slot moves along
            self._next_chat[chat_id] = max(
                self._next_chat.get(chat_id, 0.0), at + self._chat_interval_s
            )
        if at > now:
            await self._sleep(at - now)
