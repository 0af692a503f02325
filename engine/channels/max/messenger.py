"""The MAX channel as the engine's Messenger (engine.channels.events): what the pipeline, the
answers' queue and the outbox call, in the engine's terms.

Addressing: the engine's ``chat_id`` for MAX is what a person's ``link`` row says — the dialog's
``chat_id`` once known (every event carries it; an invitation or any message sets it), else the
user's ``user_id`` (the roster's ``max:``, before the person ever wrote). MAX's dialog and group
chat ids are negative and its user ids positive (in every payload published; the schema leaves
it open), so a positive address is written to by ``user_id=`` and any other by ``chat_id=``.
The delivered id is ``"<dialog chat_id>:<mid>"`` as MAX answered, exactly what a reply to that
message carries, so a reply to a reminder is found. docs/channels-max.md, "Addressing".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from engine.callbacks import Signer
from engine.channels.base import Delivered, Keyboard
from engine.channels.events import MessageRef, Received, Unreadable
from engine.channels.max.channel import MaxChannel, Recipient, Sent
from engine.channels.pacing import Pacer
from engine.settings import Settings


class MaxMessenger:
    """A MaxChannel that speaks the Messenger protocol; ``channel`` is the adapter itself."""

    name = "max"

    def __init__(self, channel: MaxChannel) -> None:
        self.channel = channel

    def __repr__(self) -> str:
        return f"MaxMessenger({self.channel!r})"

    @property
    def outage(self) -> str | None:
        return self.channel.outage

    @property
    def username(self) -> str:
        return self.channel.username

    async def answer(self, press_id: str, text: str) -> None:
        await self.channel.answer(press_id, text)

    async def drop_buttons(self, message: MessageRef) -> None:
        await self.channel.drop_buttons(message.message_id)

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        return _delivered(await self.channel.send(recipient(chat_id), html, buttons), chat_id)

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
        await self.channel.reply(recipient(chat_id), html, buttons)

    async def send_document(
        self, chat_id: int, file_name: str, content: bytes, caption: str | None = None
    ) -> Delivered:
        sent = await self.channel.send_document(recipient(chat_id), file_name, content, caption)
        return _delivered(sent, chat_id)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered:
        """Forward a message of MAX (a photo, a file); the source's ``mid`` is enough."""
        return _delivered(await self.channel.copy(recipient(chat_id), str(message_id)), chat_id)

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], chat_id: int | None = None
    ) -> None:
        """The bot's command menu. MAX has one menu per bot: a chat's own is not set."""
        if chat_id is None:
            await self.channel.set_commands(commands)

    async def updates(
        self, marker: int | None, *, timeout_s: int = 0
    ) -> tuple[tuple[Received | Unreadable, ...], int | None]:
        """Long polling, in the engine's events: the updates and the marker to keep."""
        received, new_marker = await self.channel.updates(marker, timeout_s=timeout_s)
        return tuple(r.engine() for r in received), new_marker


def recipient(address: int) -> Recipient:
    """A person by their user id (positive), a dialog or group by its chat id (negative)."""
    return Recipient(user_id=address) if address > 0 else Recipient(chat_id=address)


def _delivered(sent: Sent, address: int) -> Delivered:
    return Delivered(f"{sent.chat_id if sent.chat_id is not None else address}:{sent.external_id}")


def max_channel(
    settings: Settings,
    signer: Signer,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> MaxChannel:
    """The MAX bot the settings describe (use as an async context manager). ``clock`` and
    ``sleep`` drive its pacing (tests give a virtual clock: pacing then costs no wall time)."""
    assert settings.max_token is not None
    return MaxChannel(
        settings.max_token.get_secret_value(),
        settings.max_api_url,
        timeout_s=settings.max_timeout_s,
        ca_file=settings.max_ca_file,
        signer=signer,
        pacer=Pacer(29.0, 0.0, clock=clock, sleep=sleep),
        answer_pacer=Pacer(1000.0, 0.55, clock=clock, sleep=sleep),
        sleep=sleep,
    )
