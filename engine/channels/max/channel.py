"""The MAX channel: the engine's sends, presses and updates over the MAX Bot API.

Shaped like TelegramChannel where the platforms agree. Who is addressed: a person by their
``user_id`` (works once they started the bot; the dialog's ``chat_id`` differs from it and is
not needed to write to them), a group chat by its ``chat_id``. Editing and forwarding need
only the message's ``mid``. Every call is paced to the platform's 30 requests a second per
bot, and answers to presses to 2 a second per chat.

Over 300 lines on purpose: the whole MAX surface the engine uses (sends, splits, keyboards,
forwards, answers, uploads, polling) in one class beside its client; each method is short.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from engine.callbacks import Signer
from engine.channels.base import Button, ChannelUnavailable, Delivered, DeliveryError
from engine.channels.max.client import DEFAULT_API_URL, MaxApiError, MaxClient
from engine.channels.max.errors import delivery_error, is_content_error
from engine.channels.max.keyboard import KeyboardTooLarge, inline_keyboard
from engine.channels.max.updates import UPDATE_TYPES, Received, translate
from engine.channels.pacing import Pacer
from engine.channels.telegram_text import plain_text, split_message

log = logging.getLogger("resolute.max")

TEXT_LIMIT = 4000  # characters per message (split_message counts UTF-16 units: never fewer)
DEEP_LINK_PAYLOAD_LIMIT = 512
_SECRET = re.compile(r"[A-Za-z0-9_-]{5,256}")
NOT_READY_DELAYS_S = (1.0, 2.0, 4.0, 8.0)  # after an upload, until the file is processed


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a message goes: a person (``user_id``) or a group chat (``chat_id``)."""

    user_id: int | None = None
    chat_id: int | None = None

    def query(self) -> dict[str, str | int]:
        if self.user_id is not None:
            return {"user_id": self.user_id}
        if self.chat_id is not None:
            return {"chat_id": self.chat_id}
        raise ValueError("a MAX recipient needs a user_id or a chat_id")

    @property
    def key(self) -> int:
        return self.user_id if self.user_id is not None else self.chat_id or 0


@dataclass(frozen=True)
class Sent(Delivered):
    """A message MAX accepted: ``external_id`` is its ``mid``; ``chat_id`` the chat it landed
    in (for a person addressed by ``user_id``, their dialog's id, as MAX answered it)."""

    chat_id: int | None = None


def _rows(
    buttons: Sequence[Button | Sequence[Button]], signer: Signer | None
) -> list[list[tuple[str, str]]]:
    """A Button is a row of its own, a sequence of them one row: as (text, signed payload)
    pairs, signed now (the intent is what is stored; the signature is made as it goes out)."""
    rows = [[b] if isinstance(b, Button) else list(b) for b in buttons]
    if not any(rows):
        return []
    if signer is None:
        raise DeliveryError("max: кнопки без подписи не отправляются", permanent=False)
    return [[(b.text, signer.sign(b.press)) for b in row] for row in rows]


class MaxChannel:
    """One MAX bot. Use as ``async with MaxChannel(token, api_url) as max_:``."""

    name = "max"

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout_s: float = 10.0,
        ca_file: str | None = None,
        signer: Signer | None = None,
        pacer: Pacer | None = None,
        answer_pacer: Pacer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api = MaxClient(token, api_url, timeout_s=timeout_s, ca_file=ca_file)
        self._signer = signer
        self.pacer = pacer or Pacer(29.0, 0.0)  # a little under 30 requests a second per bot
        self.answer_pacer = answer_pacer or Pacer(1000.0, 0.55)  # 2 answers a second per chat
        self._sleep = sleep
        self._username = ""
        self.outage: str | None = None

    def __repr__(self) -> str:
        return f"MaxChannel({self.api!r})"

    async def __aenter__(self) -> MaxChannel:
        await self.api.open()
        try:
            me = await self._call("GET", "/me")
        except MaxApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, ChannelUnavailable):
                await self.api.close()
                raise error from None
            self.outage = (
                f"MAX недоступен ({exc.code or exc.status}); сообщения будут отправлены позже."
            )
            log.warning("max.unavailable status=%s code=%s", exc.status, exc.code)
            return self
        username = me.get("username")
        self._username = username if isinstance(username, str) else ""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.api.close()

    @property
    def username(self) -> str:
        """The bot's name for links, from ``GET /me`` ("" until it answered)."""
        return self._username

    def deep_link(self, payload: str) -> str:
        """``https://max.ru/<bot>?start=<payload>``: opens the dialog and sends ``bot_started``."""
        if not self._username:
            raise ChannelUnavailable("MAX: имя бота ещё неизвестно, ссылку не составить.")
        if not 0 < len(payload) <= DEEP_LINK_PAYLOAD_LIMIT:
            raise ValueError(f"a MAX start payload takes 1–512 characters, not {len(payload)}")
        return f"https://max.ru/{self._username}?start={payload}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        await self.pacer.wait(0)  # the bot's overall rate; no per-chat limit for messages
        return await self.api.call(method, path, **kwargs)

    async def send(
        self, to: Recipient, html: str, buttons: Sequence[Button | Sequence[Button]] = ()
    ) -> Sent:
        """Send HTML with buttons under it, in as many messages of ≤ 4000 characters as it
        takes (cut at line breaks; the buttons under the last). When MAX refuses the content,
        the plain text goes instead; when that is refused too, DeliveryError says
        ``content_rejected``: try the next channel."""
        try:
            keyboard = inline_keyboard(_rows(buttons, self._signer))
        except KeyboardTooLarge as exc:
            log.warning("max.keyboard_refused reason=%r", str(exc))
            raise DeliveryError(f"max: {exc}", permanent=True, content_rejected=True) from None
        try:
            return await self._send_parts(to, split_message(html, TEXT_LIMIT), keyboard, "html")
        except MaxApiError as exc:
            if not is_content_error(exc):
                raise delivery_error(exc) from None
            log.warning("max.plain_fallback to=%s code=%s", to.key, exc.code)
        plain = split_message(plain_text(html), TEXT_LIMIT, markup=False)
        try:
            return await self._send_parts(to, plain, keyboard, None)
        except MaxApiError as exc:
            if not is_content_error(exc):
                raise delivery_error(exc) from None
            raise DeliveryError(
                f"max: {exc.code} {exc.message} (и в виде простого текста)",
                permanent=True,
                content_rejected=True,
            ) from None

    async def _send_parts(
        self, to: Recipient, parts: list[str], keyboard: dict[str, Any] | None, fmt: str | None
    ) -> Sent:
        *first, last = parts or ["…"]
        for part in first:
            await self._post_message(to, {"text": part, "format": fmt})
        attachments = [keyboard] if keyboard is not None else []
        return await self._post_message(
            to, {"text": last, "format": fmt, "attachments": attachments}
        )

    async def _post_message(self, to: Recipient, body: dict[str, Any]) -> Sent:
        message = {"text": None, "attachments": [], "link": None} | body
        if message.get("format") is None:
            message.pop("format", None)  # plain text
        answer = await self._call("POST", "/messages", query=to.query(), body=message)
        sent = answer.get("message")
        mid = sent.get("body", {}).get("mid") if isinstance(sent, dict) else None
        if not isinstance(mid, str) or not mid:
            raise MaxApiError(200, "unreadable.response", "POST /messages: no message mid")
        recipient = sent.get("recipient") if isinstance(sent, dict) else None
        chat_id = recipient.get("chat_id") if isinstance(recipient, dict) else None
        valid = isinstance(chat_id, int) and not isinstance(chat_id, bool)
        return Sent(mid, chat_id if valid else to.chat_id)

    async def copy(self, to: Recipient, mid: str) -> Sent:
        """Forward a user's message (a photo, a file) to another chat, e.g. to the controller."""
        try:
            return await self._post_message(
                to, {"attachments": None, "link": {"type": "forward", "mid": mid}}
            )
        except MaxApiError as exc:
            raise delivery_error(exc) from None

    async def send_document(
        self, to: Recipient, file_name: str, content: bytes, caption: str | None = None
    ) -> Sent:
        """Upload a file and send it (e.g. a report for the controller). MAX processes an
        upload before it can be attached: ``attachment.not.ready`` is retried with growing
        pauses; a caption over the limit goes as a message of its own before the file."""
        if caption is not None and len(caption) > TEXT_LIMIT:
            await self.send(to, caption)
            caption = None
        try:
            slot = await self._call("POST", "/uploads", query={"type": "file"})
            url = slot.get("url")
            if not isinstance(url, str) or not url:
                raise MaxApiError(200, "unreadable.response", "POST /uploads: no url")
            uploaded = await self.api.upload(url, file_name, content)
            token = uploaded.get("token") or slot.get("token")
            if not isinstance(token, str) or not token:
                raise MaxApiError(200, "unreadable.response", "upload: no token")
            body = {
                "text": caption,
                "format": "html" if caption else None,
                "attachments": [{"type": "file", "payload": {"token": token}}],
            }
            for delay_s in (*NOT_READY_DELAYS_S, None):
                try:
                    return await self._post_message(to, body)
                except MaxApiError as exc:
                    if exc.code != "attachment.not.ready" or delay_s is None:
                        raise
                    log.info("max.attachment_not_ready retry_in_s=%s", delay_s)
                    await self._sleep(delay_s)
        except MaxApiError as exc:
            raise delivery_error(exc) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    async def answer(self, callback_id: str, text: str, *, chat_id: int | None = None) -> None:
        """Answer a button press with a short notification (best effort: the state change is
        already recorded). ``chat_id``: where the press was, for the 2-a-second pacing (without
        it only the bot's overall rate applies: one key for all chats would slow every chat)."""
        if chat_id is not None:
            await self.answer_pacer.wait(chat_id)
        try:
            await self._call(
                "POST", "/answers", query={"callback_id": callback_id}, body={"notification": text}
            )
        except MaxApiError as exc:
            log.warning("max.answer_failed status=%s code=%s", exc.status, exc.code)

    async def drop_buttons(self, mid: str) -> None:
        """Remove the keyboard under one of the bot's messages, keeping its text (an empty
        ``attachments`` list removes them all). Best effort."""
        try:
            await self._call(
                "PUT", "/messages", query={"message_id": mid}, body={"attachments": []}
            )
        except MaxApiError as exc:
            log.warning("max.drop_buttons_failed status=%s code=%s", exc.status, exc.code)

    async def reply(
        self, to: Recipient, html: str, buttons: Sequence[Button | Sequence[Button]] = ()
    ) -> None:
        """Answer someone who just wrote to the bot (best effort: they can ask again)."""
        try:
            await self.send(to, html, buttons)
        except (DeliveryError, ChannelUnavailable) as exc:
            log.warning("max.reply_failed to=%s reason=%r", to.key, str(exc))

    async def updates(
        self, marker: int | None, *, timeout_s: int = 0, limit: int = 100
    ) -> tuple[tuple[Received, ...], int | None]:
        """Long polling: the updates from ``marker`` on and the marker to pass next time (the
        one given when MAX sends none). Always pass the last marker: without one MAX returns
        only the latest update. An update that cannot be read comes as Unreadable."""
        query: dict[str, str | int] = {
            "timeout": max(0, min(timeout_s, 90)),
            "limit": max(1, min(limit, 1000)),
            "types": ",".join(UPDATE_TYPES),
        }
        if marker is not None:
            query["marker"] = marker
        try:
            page = await self._call("GET", "/updates", query=query, timeout_s=timeout_s + 15.0)
        except MaxApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, ChannelUnavailable):
                raise error from None
            raise ChannelUnavailable(f"MAX: не удалось получить обновления ({exc.code}).") from None
        items = page.get("updates")
        if not isinstance(items, list):
            raise ChannelUnavailable("MAX: ответ на /updates не удалось прочитать.")
        new_marker = page.get("marker")
        if isinstance(new_marker, bool) or not isinstance(new_marker, int):
            new_marker = marker
        return tuple(translate(item) for item in items), new_marker

    async def subscribe(
        self, url: str, secret: str, update_types: Sequence[str] = UPDATE_TYPES
    ) -> None:
        """Receive updates by webhook at ``url`` (HTTPS, port 443, a trusted certificate),
        each with ``secret`` in X-Max-Bot-Api-Secret. Polling stops working meanwhile."""
        if not _SECRET.fullmatch(secret):
            raise ValueError("a MAX webhook secret is 5–256 characters of A–Z, a–z, 0–9, _ and -")
        body = {"url": url, "secret": secret, "update_types": list(update_types)}
        await self._subscription("POST", body=body)

    async def unsubscribe(self, url: str) -> None:
        """Stop the webhook at ``url``; long polling works again."""
        await self._subscription("DELETE", query={"url": url})

    async def _subscription(self, method: str, **kwargs: Any) -> None:
        try:
            answer = await self._call(method, "/subscriptions", **kwargs)
        except MaxApiError as exc:
            error = delivery_error(exc)
            if isinstance(error, ChannelUnavailable):
                raise error from None
            raise ChannelUnavailable(f"MAX: подписка не изменена ({exc.code}).") from None
        if answer.get("success") is not True:
            raise ChannelUnavailable(f"MAX: подписка не изменена ({answer.get('message')!s:.200}).")

    async def set_commands(self, commands: Sequence[tuple[str, str]]) -> None:
        """The bot's command menu (best effort: the commands work without it)."""
        body = {"commands": [{"name": c.lstrip("/"), "description": d} for c, d in commands]}
        try:
            await self._call("PATCH", "/me", body=body)
        except MaxApiError as exc:
            log.warning("max.commands_not_set status=%s code=%s", exc.status, exc.code)
