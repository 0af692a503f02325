"""The MAX channel as the engine's Messenger (engine.channels.events): what the pipeline, the
answers' queue and the outbox call, in the engine's terms.

Addressing: the engine's ``chat_id`` for MAX is the dialog's ``chat_id`` — what every event
carries (``Who.chat_id``) and what the person's ``link`` row keeps once they opened the dialog
(by an invitation or by writing to the bot). Writing to a dialog by its ``chat_id`` gives a
delivered id ``"<chat_id>:<mid>"`` that is exactly what a reply to that message carries, so a
reply to a reminder is found. A ``link`` row known only by ``user_id`` (the roster's ``max:``,
before the person ever wrote) is reached by ``send_to_user``. docs/channels-max.md, "Addressing".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from engine.callbacks import Signer
from engine.channels.base import Delivered, Keyboard
from engine.channels.events import MessageRef, Received, Unreadable
from engine.channels.max.channel import MaxChannel, Recipient
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
        delivered = await self.channel.send(Recipient(chat_id=chat_id), html, buttons)
        return Delivered(f"{chat_id}:{delivered.external_id}")

    async def send_to_user(self, user_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        """To a person whose dialog is not known yet, by their MAX user id."""
        delivered = await self.channel.send(Recipient(user_id=user_id), html, buttons)
        return Delivered(f"user:{user_id}:{delivered.external_id}")

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
        await self.channel.reply(Recipient(chat_id=chat_id), html, buttons)

    async def send_document(
        self, chat_id: int, file_name: str, content: bytes, caption: str | None = None
    ) -> Delivered:
        delivered = await self.channel.send_document(
            Recipient(chat_id=chat_id), file_name, content, caption
        )
        return Delivered(f"{chat_id}:{delivered.external_id}")

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered:
        """Forward a message of MAX (a photo, a file); the source's ``mid`` is enough."""
        delivered = await self.channel.copy(Recipient(chat_id=chat_id), str(message_id))
        return Delivered(f"{chat_id}:{delivered.external_id}")

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
