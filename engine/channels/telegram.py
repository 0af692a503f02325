"""Telegram through python-telegram-bot, pointed at ``RESOLUTE_TELEGRAM_API_URL``.

python-telegram-bot stays the API; this adapter only narrows it to what the engine uses and
turns its exceptions into DeliveryError (permanent or not) and ChannelUnavailable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from types import TracebackType

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from engine.channels.base import Button, ChannelUnavailable, Delivered, DeliveryError
from engine.channels.pacing import Pacer

log = logging.getLogger("resolute.telegram")


class TelegramChannel:
    """One bot. Use as ``async with TelegramChannel(...) as tg:``."""

    def __init__(
        self, token: str, api_url: str, *, timeout_s: float = 10.0, pacer: Pacer | None = None
    ) -> None:
        # Opt in to python-telegram-bot's coming behaviour (durations as timedelta), which also
        # silences its deprecation warning on every RetryAfter.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        root = api_url.rstrip("/")
        self._timeout_s = timeout_s
        self.outage: str | None = None
        self.pacer = pacer or Pacer()
        self.bot = Bot(
            token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=HTTPXRequest(
                connection_pool_size=8,
                connect_timeout=timeout_s,
                read_timeout=timeout_s,
                write_timeout=timeout_s,
                pool_timeout=timeout_s,
            ),
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, connect_timeout=timeout_s, read_timeout=timeout_s + 60
            ),
        )

    async def __aenter__(self) -> TelegramChannel:
        try:
            await self.bot.initialize()
        except InvalidToken:
            raise ChannelUnavailable(
                "Telegram отклонил RESOLUTE_TELEGRAM_TOKEN: проверьте токен бота."
            ) from None
        except TelegramError as exc:
            # Unreachable for now: work goes on (messages are queued and retried), and the
            # outage is reported instead of failing the whole pass.
            self.outage = f"Telegram недоступен ({exc}); сообщения будут отправлены позже."
            log.warning("telegram.unavailable error=%r", str(exc))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.bot.shutdown()

    @property
    def username(self) -> str:
        return self.bot.username

    async def send(self, chat_id: int, html: str, buttons: Sequence[Button] = ()) -> Delivered:
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.text, callback_data=b.data)] for b in buttons]
            )
            if buttons
            else None
        )
        await self.pacer.wait(chat_id)
        try:
            message = await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=None,
            )
        except RetryAfter as exc:
            retry = exc.retry_after
            seconds = retry.total_seconds() if isinstance(retry, timedelta) else float(retry)
            raise DeliveryError("telegram: 429", permanent=False, retry_after_s=seconds) from None
        except Forbidden as exc:
            raise DeliveryError(
                f"telegram: {exc.message}", permanent=True, recipient_unreachable=True
            ) from None
        except BadRequest as exc:
            raise DeliveryError(f"telegram: {exc.message}", permanent=True) from None
        except InvalidToken:
            raise ChannelUnavailable("Telegram отклонил токен бота.") from None
        except TelegramError as exc:  # timeouts, 5xx, network: try again later
            raise DeliveryError(f"telegram: {exc.message}", permanent=False) from None
        return Delivered(f"{chat_id}:{message.message_id}")

    async def updates(self, offset: int | None, *, timeout_s: int = 0) -> tuple[Update, ...]:
        """Pending updates from ``offset`` on (which also acknowledges the ones before it)."""
        try:
            return await self.bot.get_updates(
                offset=offset, timeout=timeout_s, allowed_updates=["message", "callback_query"]
            )
        except TelegramError as exc:
            raise ChannelUnavailable(f"Telegram: не удалось получить обновления: {exc}") from None

    async def answer(self, callback_query_id: str, text: str) -> None:
        """Answer a button press (best effort: the state change is already recorded)."""
        try:
            await self.bot.answer_callback_query(callback_query_id, text=text)
        except TelegramError:
            return

    async def drop_buttons(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except TelegramError:
            return

    async def reply(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramError:
            return
