"""Telegram through python-telegram-bot, pointed at ``RESOLUTE_TELEGRAM_API_URL``.

python-telegram-bot stays the API; this adapter only narrows it to what the engine uses
(``engine.channels.events.Messenger``), turns its updates into the engine's events
(``telegram_events``), signs the buttons it sends, and turns its exceptions into DeliveryError
(permanent or not) and ChannelUnavailable.

Over 300 lines on purpose: every Bot API call the engine makes and its error mapping stay
in one adapter, so python-telegram-bot is imported nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from engine.callbacks import Signer
from engine.channels.base import Button, ChannelUnavailable, Delivered, DeliveryError, Keyboard
from engine.channels.events import MessageRef, Received, Unreadable
from engine.channels.pacing import Pacer
from engine.channels.telegram_events import read, translate
from engine.channels.telegram_http import AiohttpRequest
from engine.channels.telegram_text import plain_text, split_message

log = logging.getLogger("resolute.telegram")
MAX_INT_DIGITS = 4000  # Python refuses to read longer integers (4,300 digits): keep them as text


def _int_or_text(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else digits


class _UpdatesRequest(HTTPXRequest):
    """getUpdates' transport. It keeps the body of the last answer, so that when
    python-telegram-bot cannot read one update of a batch the others can be read one by one,
    and it reads an integer too long for Python as text instead of failing the whole batch."""

    last_body: bytes | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(*args, **kwargs)
        self.last_body = body
        return status, body

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            data = json.loads(payload.decode("utf-8", "replace"), parse_int=_int_or_text)
        except ValueError as exc:
            raise TelegramError("Invalid server response") from exc
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response")
        return data

    def last_result(self) -> object:
        """The ``result`` of the last answer, as JSON."""
        if self.last_body is None:
            return None
        try:
            return self.parse_json_payload(self.last_body).get("result")
        except TelegramError:
            return None


class TelegramChannel:
    """One bot. Use as ``async with TelegramChannel(...) as tg:``."""

    name = "telegram"
    UPDATES = ("message", "callback_query", "my_chat_member")

    def __init__(
        self,
        token: str,
        api_url: str,
        *,
        timeout_s: float = 10.0,
        pacer: Pacer | None = None,
        signer: Signer | None = None,
    ) -> None:
        """``signer`` signs the buttons of what is sent (without one, nothing with buttons can
        be sent: enough for ``doctor``'s getMe)."""
        # Opt in to python-telegram-bot's coming behaviour (durations as timedelta), which also
        # silences its deprecation warning on every RetryAfter.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        root = api_url.rstrip("/")
        self._timeout_s = timeout_s
        self.outage: str | None = None
        self.pacer = pacer or Pacer()
        self._signer = signer
        self._updates_request = _UpdatesRequest(
            connection_pool_size=1, connect_timeout=timeout_s, read_timeout=timeout_s + 60
        )
        self.bot = Bot(
            token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=AiohttpRequest(  # sends: a third of HTTPXRequest's CPU per message
                connection_pool_size=8,
                connect_timeout_s=timeout_s,
                read_timeout_s=timeout_s,
                pool_timeout_s=timeout_s,
            ),
            get_updates_request=self._updates_request,
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

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        """Send HTML with buttons: a Button is a row of its own, a sequence of them one row.

        When Telegram refuses the message itself (too long, markup it cannot parse), the plain
        text goes instead, in as many messages as it takes (the buttons under the last); when
        that is refused too, DeliveryError says ``content_rejected``: try the next channel."""
        await self.pacer.wait(chat_id)
        try:
            message = await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=self._keyboard(buttons),
                link_preview_options=None,
            )
        except BadRequest as exc:
            if not _about_the_message(exc):
                raise _delivery_error(exc) from None
            log.warning("telegram.plain_fallback chat=%s reason=%r", chat_id, exc.message)
            return await self._send_plain(chat_id, html, buttons)
        except TelegramError as exc:
            raise _delivery_error(exc) from None
        return Delivered(f"{chat_id}:{message.message_id}")

    async def _send_plain(self, chat_id: int, html: str, buttons: Keyboard) -> Delivered:
        *first, last = split_message(plain_text(html), markup=False) or ["…"]
        try:
            for part in first:
                await self.pacer.wait(chat_id)
                await self.bot.send_message(chat_id, part, link_preview_options=None)
            await self.pacer.wait(chat_id)
            message = await self.bot.send_message(
                chat_id, last, reply_markup=self._keyboard(buttons), link_preview_options=None
            )
        except BadRequest as exc:
            if not _about_the_message(exc):
                raise _delivery_error(exc) from None
            raise DeliveryError(
                f"telegram: {exc.message} (и в виде простого текста)",
                permanent=True,
                content_rejected=True,
            ) from None
        except TelegramError as exc:
            raise _delivery_error(exc) from None
        return Delivered(f"{chat_id}:{message.message_id}")

    async def send_document(
        self, chat_id: int, file_name: str, content: bytes, caption: str | None = None
    ) -> Delivered:
        """Upload a file into a chat (e.g. a report for the controller)."""
        await self.pacer.wait(chat_id)
        try:
            message = await self.bot.send_document(
                chat_id,
                InputFile(content, filename=file_name),
                caption=caption,
                parse_mode=ParseMode.HTML,
                read_timeout=self._timeout_s * 6,  # a large file takes its time
                write_timeout=self._timeout_s * 6,
            )
        except TelegramError as exc:
            raise _delivery_error(exc) from None
        return Delivered(f"{chat_id}:{message.message_id}")

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered:
        """Copy a user's message (a photo, a file) into another chat, e.g. to the controller."""
        await self.pacer.wait(chat_id)
        try:
            copied = await self.bot.copy_message(chat_id, from_chat_id, int(message_id))
        except TelegramError as exc:
            raise _delivery_error(exc) from None
        return Delivered(f"{chat_id}:{copied.message_id}")

    async def updates(
        self, offset: int | None, *, timeout_s: int = 0
    ) -> tuple[Received | Unreadable, ...]:
        """Pending updates from ``offset`` on (which also acknowledges the ones before it), as
        events; one python-telegram-bot cannot read comes as Unreadable, the rest as usual."""
        self._updates_request.last_body = None
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=timeout_s, allowed_updates=list(self.UPDATES)
            )
        except TelegramError as exc:
            raise ChannelUnavailable(f"Telegram: не удалось получить обновления: {exc}") from None
        except Exception:  # one of them could not be read: read them one at a time
            raw = self._updates_request.last_result()
            if not isinstance(raw, list):
                raise
            return tuple(read(item, self.bot) for item in raw)
        return tuple(translate(update) for update in updates)

    async def set_commands(
        self, commands: Sequence[tuple[str, str]], chat_id: int | None = None
    ) -> None:
        """The bot's command menu, for every private chat or for one (best effort: the
        commands work without it)."""
        scope = BotCommandScopeChat(chat_id) if chat_id is not None else None
        try:
            await self.bot.set_my_commands([BotCommand(c, d) for c, d in commands], scope=scope)
        except TelegramError as exc:
            log.warning("telegram.commands_not_set reason=%r", str(exc))

    async def answer(self, press_id: str, text: str) -> None:
        """Answer a button press (best effort: the state change is already recorded)."""
        try:
            await self.bot.answer_callback_query(press_id, text=text)
        except TelegramError:
            return

    async def drop_buttons(self, message: MessageRef) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                message.chat_id, int(message.message_id), reply_markup=None
            )
        except (TelegramError, ValueError):
            return

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
        """Answer someone who just wrote to the bot (best effort: they can ask again)."""
        try:
            await self.send(chat_id, html, buttons)
        except (DeliveryError, ChannelUnavailable) as exc:
            log.warning("telegram.reply_failed chat=%s reason=%r", chat_id, str(exc))

    def _keyboard(self, buttons: Keyboard) -> InlineKeyboardMarkup | None:
        """The buttons' intents, signed now: the data a press brings back."""
        if not buttons:
            return None
        if self._signer is None:
            raise DeliveryError("telegram: кнопки без подписи не отправляются", permanent=False)
        sign = self._signer.sign
        rows = [[b] if isinstance(b, Button) else list(b) for b in buttons]
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.text, callback_data=sign(b.press)) for b in r] for r in rows]
        )


_NO_SUCH_CHAT = ("chat not found", "user not found", "peer_id_invalid")
_BAD_MESSAGE = ("message is too long", "can't parse entities", "text is empty", "text must be")


def _about_the_message(exc: BadRequest) -> bool:
    """Whether Telegram refused the message's text (not the chat, not the request)."""
    return any(m in exc.message.lower() for m in _BAD_MESSAGE)


def _delivery_error(exc: TelegramError) -> DeliveryError | ChannelUnavailable:
    """python-telegram-bot's exception as the engine's: what to do next, not what happened."""
    if isinstance(exc, RetryAfter):
        retry = exc.retry_after
        seconds = retry.total_seconds() if isinstance(retry, timedelta) else float(retry)
        return DeliveryError("telegram: 429", permanent=False, retry_after_s=seconds)
    if isinstance(exc, Forbidden):
        return DeliveryError(f"telegram: {exc.message}", permanent=True, recipient_unreachable=True)
    if isinstance(exc, BadRequest):
        # A chat id that never started the bot, or a typo in the roster: as unreachable as a
        # block, so the message goes by e-mail and the controller's digest says so.
        gone = any(m in exc.message.lower() for m in _NO_SUCH_CHAT)
        return DeliveryError(f"telegram: {exc.message}", permanent=True, recipient_unreachable=gone)
    if isinstance(exc, InvalidToken):
        return ChannelUnavailable("Telegram отклонил токен бота.")
    return DeliveryError(f"telegram: {exc.message}", permanent=False)  # timeouts, 5xx, network
