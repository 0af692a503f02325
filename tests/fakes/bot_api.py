"""A loopback Telegram Bot API server for tests, spoken to by the real python-telegram-bot.

The fake answers ``POST {url}/bot{token}/{method}`` exactly as api.telegram.org does: form-encoded
or JSON parameters in, ``{"ok": true, "result": ...}`` out, and errors with the status codes and
descriptions python-telegram-bot turns into ``BadRequest``, ``Forbidden``, ``InvalidToken``,
``Conflict``, ``RetryAfter`` and ``NetworkError``.

A test plays the user's side (``add_chat``, ``send_text``, ``press_button``, ``block``), injects
faults (``fail_next``, ``hang_next``, ``RateLimits``) and asserts on what the bot did (``sent``,
``edits``, ``callback_answers``, ``calls``)::

    async with FakeBotAPI() as api:                    # serves in the test's event loop
        api.add_chat(42, first_name="Ivan")
        bot = telegram.Bot(api.token, base_url=f"{api.url}/bot",
                           base_file_url=f"{api.url}/file/bot")
        ...

    with FakeBotAPI().serving_in_thread() as api:      # serves from a thread: sync tests
        subprocess.run([..., "tick"], env={"RESOLUTE_TELEGRAM_API_URL": api.url, ...})
        api.wait_for(lambda: len(api.messages_to(42)) == 1)

Every public method is thread-safe. Deliberate differences from Telegram: the HTML parser is
stricter about ``&`` (a bare ``&`` is an error, Telegram keeps it as text); Markdown parse modes are
accepted but not parsed; only private chats exist; webhooks, inline mode and uploads by the bot
other than ``sendDocument`` are not implemented (unknown methods answer 404 like Telegram).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from aiohttp import web

JSONDict = dict[str, Any]
_T = TypeVar("_T")

# --- records a test asserts on -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's flood limits, enforced on ``sendMessage`` over sliding one-second windows."""

    per_bot_per_s: int = 30
    per_chat_per_s: int = 1
    # Seconds of arrival jitter forgiven: requests paced 1.1 s apart by the client can arrive
    # closer on a loaded machine (the suite runs one worker per core), which says nothing of
    # the pacing. 0: Telegram's strict windows.
    jitter_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Call:
    """One request as it arrived, whatever its outcome (wrong token and 404s included)."""

    method: str  # canonical spelling ("sendMessage"), or the path segment as sent when unknown
    params: JSONDict  # decoded: JSON fields parsed, ids as int, flags as bool
    at: float  # the fake's clock (time.monotonic by default) on arrival


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot delivered through ``sendMessage``."""

    chat_id: int
    message_id: int
    text: str  # as the client sent it: the HTML source when parse_mode is "HTML"
    parse_mode: str | None
    reply_markup: JSONDict | None  # decoded, as sent (an inline keyboard or any other markup)
    reply_to_message_id: int | None
    at: float  # the fake's clock when it was accepted
    plain_text: str  # what the user sees: entities parsed out, surrounding whitespace trimmed
    entities: list[JSONDict]  # MessageEntity objects, offsets in UTF-16 code units
    copied_from: tuple[int, int] | None = None  # (chat, message) for ``copyMessage``


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot uploaded in a multipart request (e.g. ``document`` of sendDocument)."""

    file_name: str
    content_type: str
    content: bytes

    def __str__(self) -> str:
        return f"<file {self.file_name}>"


@dataclass(frozen=True, slots=True)
class SentDocument:
    """A document the bot delivered through ``sendDocument`` (an upload, not a file_id)."""

    chat_id: int
    message_id: int
    file_name: str
    content_type: str
    content: bytes
    caption: str | None
    at: float


@dataclass(frozen=True, slots=True)
class EditedMessage:
    """A successful ``editMessageText`` or ``editMessageReplyMarkup``."""

    method: str
    chat_id: int
    message_id: int
    text: str | None  # the new source text; None for editMessageReplyMarkup
    parse_mode: str | None
    reply_markup: JSONDict | None  # None: the keyboard was removed
    at: float


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """An ``answerCallbackQuery`` call that Telegram accepted."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    at: float


# --- Telegram's HTML dialect ---------------------------------------------------------------------


class TelegramHTMLError(ValueError):
    """Text that Telegram refuses with ``Bad Request: can't parse entities: <message>``."""


_SIMPLE_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
}
_TAGS: Final = frozenset(_SIMPLE_TAGS) | {"a", "code", "span", "blockquote", "tg-emoji"}
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE: Final = " \t\r\n"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_telegram_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse ``parse_mode="HTML"`` text into (plain text, MessageEntity dicts), as Telegram does.

    Raises TelegramHTMLError for what Telegram rejects: an unsupported or unclosed tag, a bare
    ``<``, mismatched nesting, and (stricter than Telegram) a ``&`` that starts no valid entity.
    """
    return _HTMLParser(source).parse()


@dataclass(slots=True)
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the plain text
    entity: JSONDict | None  # None: the tag makes no entity (<a> without href, <pre><code>)


class _HTMLParser:
    def __init__(self, source: str) -> None:
        self._src = source
        self._pos = 0
        self._out: list[str] = []
        self._utf16 = 0
        self._open: list[_OpenTag] = []
        self._entities: list[JSONDict] = []

    def parse(self) -> tuple[str, list[JSONDict]]:
        src = self._src
        while self._pos < len(src):
            if src.startswith("</", self._pos):
                self._end_tag()
            elif src[self._pos] == "<":
                self._start_tag()
            elif src[self._pos] == "&":
                char, self._pos = self._entity(self._pos)
                self._emit(char)
            else:
                stop = min(_find(src, "<", self._pos), _find(src, "&", self._pos))
                self._emit(src[self._pos : stop])
                self._pos = stop
        if self._open:
            name = self._open[-1].name
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self._entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self._out), self._entities

    def _emit(self, text: str) -> None:
        self._out.append(text)
        self._utf16 += utf16_len(text)

    def _error(self, message: str, pos: int, detail: str = "") -> TelegramHTMLError:
        offset = len(self._src[:pos].encode())
        return TelegramHTMLError(f"{message} at byte offset {offset}{detail}")

    def _entity(self, pos: int) -> tuple[str, int]:
        """Decode the character entity at ``pos``; return it and the position after it."""
        semicolon = self._src.find(";", pos + 1, pos + 12)
        name = self._src[pos + 1 : semicolon] if semicolon != -1 else ""
        code_point = -1
        if name in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[name], semicolon + 1
        if re.fullmatch(r"#[0-9]{1,7}", name):
            code_point = int(name[1:])
        elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", name):
            code_point = int(name[2:], 16)
        if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
            return chr(code_point), semicolon + 1
        raise self._error('Character "&" starts no valid HTML entity', pos, ' (write "&amp;")')

    def _decode(self, value: str, pos: int) -> str:
        """Decode the entities in an attribute value found at ``pos``."""
        parts: list[str] = []
        i = 0
        while (amp := value.find("&", i)) != -1:
            char, end = self._entity(pos + amp)
            parts += [value[i:amp], char]
            i = end - pos
        return "".join(parts) + value[i:]

    def _start_tag(self) -> None:
        src, begin = self._src, self._pos
        i = begin + 1
        while i < len(src) and src[i] not in _SPACE + ">":
            i += 1
        if i == len(src):
            raise self._error("Unclosed start tag", begin)
        name = src[begin + 1 : i].lower()
        if name not in _TAGS:
            raise self._error(f'Unsupported start tag "{name}"', begin)
        attributes: dict[str, str] = {}
        while True:
            while i < len(src) and src[i] in _SPACE:
                i += 1
            if i == len(src):
                raise self._error(f'Unclosed start tag "{name}"', begin)
            if src[i] == ">":
                break
            attribute_end = i
            while attribute_end < len(src) and src[attribute_end] not in _SPACE + "=>":
                attribute_end += 1
            attribute = src[i:attribute_end].lower()
            i = attribute_end
            value = ""
            if src.startswith("=", i):
                i += 1
                if i < len(src) and src[i] in "\"'":
                    close = src.find(src[i], i + 1)
                    if close == -1:
                        raise self._error(f'Unclosed start tag "{name}"', begin)
                    value, i = self._decode(src[i + 1 : close], i + 1), close + 1
                else:
                    value_end = i
                    while value_end < len(src) and src[value_end] not in _SPACE + ">":
                        value_end += 1
                    value, i = self._decode(src[i:value_end], i), value_end
            attributes[attribute] = value
        self._pos = i + 1
        self._open.append(_OpenTag(name, self._utf16, self._tag_entity(name, attributes, begin)))

    def _tag_entity(self, name: str, attributes: Mapping[str, str], begin: int) -> JSONDict | None:
        if name in _SIMPLE_TAGS:
            return {"type": _SIMPLE_TAGS[name]}
        if name == "a":
            href = attributes.get("href", "")
            return {"type": "text_link", "url": href} if href else None
        if name == "span":
            if attributes.get("class") != "tg-spoiler":
                raise self._error('Tag "span" must have class "tg-spoiler"', begin)
            return {"type": "spoiler"}
        if name == "blockquote":
            expandable = "expandable" in attributes
            return {"type": "expandable_blockquote" if expandable else "blockquote"}
        if name == "tg-emoji":
            if not attributes.get("emoji-id"):
                raise self._error('Tag "tg-emoji" must have attribute "emoji-id"', begin)
            return {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
        # <code>: inside <pre>, a class="language-X" names the language of the block instead.
        parent = self._open[-1] if self._open else None
        language = attributes.get("class", "").removeprefix("language-")
        if parent is not None and parent.name == "pre" and parent.entity is not None:
            if language and language != attributes.get("class"):
                parent.entity["language"] = language
            return None
        return {"type": "code"}

    def _end_tag(self) -> None:
        begin = self._pos
        close = self._src.find(">", begin)
        if close == -1:
            raise self._error("Unclosed end tag", begin)
        name = self._src[begin + 2 : close].strip().lower()
        if not self._open:
            raise self._error("Unexpected end tag", begin)
        tag = self._open.pop()
        if tag.name != name:
            detail = f', expected "</{tag.name}>", found "</{name}>"'
            raise self._error("Unmatched end tag", begin, detail)
        length = self._utf16 - tag.start
        if tag.entity is not None and length > 0:
            self._entities.append({**tag.entity, "offset": tag.start, "length": length})
        self._pos = close + 1


def _find(text: str, needle: str, start: int) -> int:
    found = text.find(needle, start)
    return len(text) if found == -1 else found


def _strip(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim surrounding whitespace as Telegram does, moving the entities along."""
    left = text.lstrip()
    shift = utf16_len(text) - utf16_len(left)
    stripped = left.rstrip()
    total = utf16_len(stripped)
    kept: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --- request decoding and errors -----------------------------------------------------------------

# fmt: off
_JSON_FIELDS: Final = frozenset({
    "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
    "link_preview_options", "reply_parameters",
})
_URL: Final = re.compile(r"https?://[^\s<>\"]+")
_INT_FIELDS: Final = frozenset({
    "chat_id", "message_id", "offset", "limit", "reply_to_message_id", "message_thread_id",
    "cache_time", "user_id", "from_chat_id",
})
_BOOL_FIELDS: Final = frozenset({
    "show_alert", "disable_notification", "protect_content", "allow_sending_without_reply",
    "drop_pending_updates", "allow_paid_broadcast",
})
_BUTTON_ACTIONS: Final = frozenset({
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
})
# fmt: on
_MAX_TEXT_UTF16: Final = 4096
_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


class _ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


def _bad_request(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _decode_params(raw: Mapping[str, object]) -> JSONDict:
    """Undo python-telegram-bot's per-field encoding: JSON fields, ids and flags get their type."""
    params: JSONDict = {}
    for key, value in raw.items():
        decoded = value
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                if key in _JSON_FIELDS:
                    decoded = json.loads(value)
                elif key in _INT_FIELDS:
                    decoded = int(value)
                elif key == "timeout":
                    decoded = float(value)
                elif key in _BOOL_FIELDS:
                    decoded = value.lower() in ("true", "1")
        params[key] = decoded
    return params


async def _read_params(request: web.Request) -> JSONDict:
    raw: dict[str, object] = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _bad_request("request body must be a JSON object")
        raw.update(body)
    else:  # form-encoded or multipart; uploaded files are only named, never stored
        for key, value in (await request.post()).items():
            if isinstance(value, str):
                raw[key] = value
            elif isinstance(value, bytes | bytearray):
                raw[key] = value.decode(errors="replace")
            else:
                raw[key] = Upload(value.filename, value.content_type, value.file.read())
    return _decode_params(raw)


def _int_param(params: JSONDict, name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_request(f"field {name!r} must be an integer")
    return value


def _chat_id(params: JSONDict) -> int:
    value = params.get("chat_id")
    if value is None or value == "":
        raise _bad_request("chat_id is empty")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_request("chat not found")  # "@username" chats: only private chats exist here
    return value


def _render_text(params: JSONDict) -> tuple[str, list[JSONDict]]:
    """Telegram's treatment of ``text`` + ``parse_mode``: (plain text, entities) or a 400."""
    source = params.get("text")
    if not isinstance(source, str):
        raise _bad_request("message text is empty")
    parse_mode = str(params.get("parse_mode") or "").lower()
    entities: list[JSONDict] = []
    if parse_mode == "html":
        try:
            source, entities = parse_telegram_html(source)
        except TelegramHTMLError as error:
            raise _bad_request(f"can't parse entities: {error}") from None
    elif parse_mode not in ("", "markdown", "markdownv2"):
        raise _bad_request("unsupported parse_mode")
    elif isinstance(params.get("entities"), list):
        entities = list(params["entities"])
    text, entities = _strip(source, entities)
    if not text:
        raise _bad_request("message text is empty")
    if utf16_len(text) > _MAX_TEXT_UTF16:
        raise _bad_request("message is too long")
    return text, entities


def _reply_markup(params: JSONDict) -> JSONDict | None:
    """The decoded ``reply_markup``, validated as Telegram validates inline keyboards."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return markup
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise _bad_request('field "inline_keyboard" must be an Array of Arrays')
    for button in itertools.chain.from_iterable(keyboard):
        if not isinstance(button, dict) or not button.get("text"):
            raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
        if not _BUTTON_ACTIONS & button.keys():
            raise _bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        data = button.get("callback_data")
        if "callback_data" in button and not (
            isinstance(data, str) and 1 <= len(data.encode()) <= 64
        ):
            raise _bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and not re.match(r"(https?|tg)://\S", str(url)):
            raise _bad_request("BUTTON_URL_INVALID")
    return markup


# --- the server ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Chat:
    """A private chat with a user who started the bot; its id is the user's id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False

    def user_json(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        return user | self._optional("last_name", "username", "language_code")

    def chat_json(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        return chat | self._optional("last_name", "username")

    def _optional(self, *names: str) -> JSONDict:
        return {name: getattr(self, name) for name in names if getattr(self, name)}


@dataclass(frozen=True, slots=True)
class _Fault:
    status: int
    description: str
    retry_after: int | None


@dataclass(frozen=True, slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes

    def json(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


_Endpoint = Callable[[JSONDict], Awaitable[object]]


class FakeBotAPI:
    """The Bot API of one bot, served on 127.0.0.1 at a free port (see the module docstring)."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "resolute_test_bot",
        *,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe the bot; nothing listens until ``start()``, ``async with`` or a thread.

        ``limits``: enforce flood limits on sendMessage (None: never answer 429).
        ``clock``: monotonic seconds for the rate limiter and the records' ``at``.
        """
        self.token: Final = token
        self.bot_username: Final = bot_username
        bot_id = token.partition(":")[0]
        self.bot_id: Final = int(bot_id) if bot_id.isdigit() else 123456
        self._limits = limits
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified on every recorded change
        self._endpoints: dict[str, tuple[str, _Endpoint]] = {
            name.lower(): (name, endpoint)
            for name, endpoint in [
                ("getMe", self._api_get_me),
                ("getUpdates", self._api_get_updates),
                ("deleteWebhook", self._api_delete_webhook),
                ("getWebhookInfo", self._api_get_webhook_info),
                ("sendMessage", self._api_send_message),
                ("copyMessage", self._api_copy_message),
                ("sendDocument", self._api_send_document),
                ("editMessageText", self._api_edit_message_text),
                ("editMessageReplyMarkup", self._api_edit_message_reply_markup),
                ("answerCallbackQuery", self._api_answer_callback_query),
                ("sendChatAction", self._api_send_chat_action),
                ("setMyCommands", self._api_set_my_commands),
                ("getMyCommands", self._api_get_my_commands),
                ("deleteMyCommands", self._api_delete_my_commands),
                ("getFile", self._api_get_file),
            ]
        }
        # state, guarded by self._lock
        self._chats: dict[int, _Chat] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._last_message_id: dict[int, int] = {}
        self._pending: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._files: dict[str, _StoredFile] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._hangs: dict[str, deque[float]] = {}
        self._bot_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._too_many_requests = 0
        self._sent: list[SentMessage] = []
        self._documents: list[SentDocument] = []
        self._edits: list[EditedMessage] = []
        self._calls: list[Call] = []
        self._callback_answers: list[CallbackAnswer] = []
        # serving, owned by the serving loop
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._url: str | None = None
        self._updates_pushed = asyncio.Event()
        self._closing = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 at a free port, in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already serving")
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._updates_pushed = asyncio.Event()
        self._closing = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._runner = runner
        self._url = f"http://127.0.0.1:{site.port}"

    async def close(self) -> None:
        """Answer pending long polls and hangs, then stop listening. Safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing.set()
        self._updates_pushed.set()
        try:
            await runner.cleanup()
        finally:
            self._loop = None
            self._loop_thread = None
            self._url = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @contextlib.contextmanager
    def serving_in_thread(self, startup_timeout_s: float = 10.0) -> Iterator[Self]:
        """Serve from a background thread with its own event loop, for synchronous tests."""
        started: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Event]]
        started = concurrent.futures.Future()
        finished: concurrent.futures.Future[None] = concurrent.futures.Future()

        async def serve() -> None:
            stop = asyncio.Event()
            await self.start()
            started.set_result((asyncio.get_running_loop(), stop))
            try:
                await stop.wait()
            finally:
                await self.close()

        def run() -> None:
            try:
                asyncio.run(serve())
            except BaseException as error:  # handed to the test's thread below
                if not started.done():
                    started.set_exception(error)
                finished.set_exception(error)
            else:
                finished.set_result(None)

        thread = threading.Thread(target=run, name="FakeBotAPI", daemon=True)
        thread.start()
        loop, stop = started.result(timeout=startup_timeout_s)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=startup_timeout_s)
            finished.result(timeout=0)

    @property
    def url(self) -> str:
        """The root URL, e.g. ``http://127.0.0.1:40123``; the API is at ``{url}/bot{token}/``."""
        if self._url is None:
            raise RuntimeError("FakeBotAPI is not serving: use `async with` or serving_in_thread()")
        return self._url

    @property
    def bot_user(self) -> JSONDict:
        """The bot's User object, as getMe returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Resolute (test)",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # --- the user's side -------------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
    ) -> None:
        """Register a user who has started the bot, so the bot may write to them (unblocks too)."""
        with self._changed:
            self._chats[chat_id] = _Chat(chat_id, first_name, last_name, username, language_code)
            self._changed.notify_all()

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: sends to them get 403 "bot was blocked by the user"."""
        with self._changed:
            self._known_chat(chat_id).blocked = True
            self._changed.notify_all()

    def unblock(self, chat_id: int) -> None:
        """The user unblocks the bot."""
        with self._changed:
            self._known_chat(chat_id).blocked = False
            self._changed.notify_all()

    def send_text(self, chat_id: int, text: str, *, reply_to_message_id: int | None = None) -> int:
        """The user writes ``text`` to the bot; returns the new message's id.

        An unknown chat is registered (writing to a bot starts it) and a blocked one unblocked.
        Text starting with "/" carries a ``bot_command`` entity, as Telegram sends it.
        """
        message: JSONDict = {"text": text}
        entities: list[JSONDict] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        for link in _URL.finditer(text):  # Telegram marks the links it finds in a user's text
            entities.append(
                {
                    "type": "url",
                    "offset": utf16_len(text[: link.start()]),
                    "length": utf16_len(link.group()),
                }
            )
        if entities:
            message["entities"] = entities
        return self._user_message(chat_id, message, reply_to_message_id)

    def send_photo(
        self,
        chat_id: int,
        *,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        media_group_id: str | None = None,
    ) -> int:
        """The user sends a photo (two sizes, both downloadable through getFile); photos sent
        together as an album share a ``media_group_id`` and arrive as separate messages."""
        sizes = []
        for width, height in ((90, 68), (1280, 960)):
            stored = self._store_file("photos", ".jpg", content)
            sizes.append(stored.json() | {"width": width, "height": height})
            sizes[-1].pop("file_path")
        message: JSONDict = {"photo": sizes} | ({"caption": caption} if caption else {})
        if media_group_id is not None:
            message["media_group_id"] = media_group_id
        return self._user_message(chat_id, message, reply_to_message_id)

    def send_document(
        self,
        chat_id: int,
        *,
        file_name: str = "report.pdf",
        content: bytes = b"%PDF-1.4\n% fake\n",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """The user sends a file, downloadable through getFile."""
        stored = self._store_file("documents", PurePosixPath(file_name).suffix, content)
        document = stored.json() | {"file_name": file_name, "mime_type": mime_type}
        document.pop("file_path")
        message: JSONDict = {"document": document} | ({"caption": caption} if caption else {})
        return self._user_message(chat_id, message, reply_to_message_id)

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, from_user_id: int | None = None
    ) -> str:
        """A user presses a button with callback ``data`` under a message; returns the query id.

        ``data`` is not checked against the keyboard, so forged callbacks can be tested; the
        update carries the message as it is now (after edits), as Telegram does.
        """
        with self._changed:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise KeyError(f"no message {message_id} in chat {chat_id}")
            query_id = str(next(self._callback_ids))
            self._open_queries.add(query_id)
            self._enqueue(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user_json(chat_id if from_user_id is None else from_user_id),
                        "message": copy.deepcopy(message),
                        "chat_instance": str(-7_000_000_000_000_000_000 - chat_id),
                        "data": data,
                    }
                }
            )
        return query_id

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue any Update object (without ``update_id``); returns the update_id it got."""
        with self._changed:
            return self._enqueue(dict(update))

    # --- fault injection -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error and do nothing else.

        ``description`` defaults to the status phrase ("Too Many Requests: retry after N" for 429);
        ``retry_after`` adds ``parameters.retry_after`` (python-telegram-bot raises RetryAfter).
        """
        if description is None:
            description = HTTPStatus(status).phrase
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
        fault = _Fault(status, description, retry_after)
        with self._lock:
            self._faults.setdefault(self._canonical(method), deque()).extend([fault] * times)

    def hang_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds``, then handle them normally.

        A client that times out meanwhile sees TimedOut although the call still takes effect,
        as with the real API. Closing the fake cuts the wait short (the call then gets a 503).
        """
        with self._lock:
            self._hangs.setdefault(self._canonical(method), deque()).extend([seconds] * times)

    # --- what the bot did ------------------------------------------------------------------------

    @property
    def sent(self) -> list[SentMessage]:
        """Every message delivered by sendMessage, in order."""
        with self._lock:
            return list(self._sent)

    def documents_to(self, chat_id: int) -> list[SentDocument]:
        """The documents the bot uploaded to one chat (sendDocument), in order."""
        with self._lock:
            return [d for d in self._documents if d.chat_id == chat_id]

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """The messages delivered to one chat, in order."""
        with self._lock:
            return [message for message in self._sent if message.chat_id == chat_id]

    @property
    def edits(self) -> list[EditedMessage]:
        """Every successful edit, in order."""
        with self._lock:
            return list(self._edits)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every accepted answerCallbackQuery, in order."""
        with self._lock:
            return list(self._callback_answers)

    @property
    def calls(self) -> list[Call]:
        """Every request that reached the fake, in order of arrival."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The requests for one method (any spelling of its name)."""
        canonical = self._canonical(method)
        with self._lock:
            return [call for call in self._calls if call.method == canonical]

    @property
    def too_many_requests(self) -> int:
        """How many sendMessage calls the rate limiter refused with 429 (fail_next not counted)."""
        with self._lock:
            return self._too_many_requests

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet acknowledged by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._pending)

    def message(self, chat_id: int, message_id: int) -> JSONDict:
        """A message of the chat (the bot's or the user's) as it is now, after edits."""
        with self._lock:
            return copy.deepcopy(self._messages[chat_id, message_id])

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """The commands set by setMyCommands for a scope (default: all private chats)."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    # --- waiting without sleeping ----------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        """Block until ``predicate()`` holds, re-checking on every change; TimeoutError if not.

        For threaded mode; in the serving loop itself use ``wait_for_async``.
        """
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("wait_for() would block the serving loop: use wait_for_async()")
        with self._changed:
            if not self._changed.wait_for(predicate, timeout=timeout_s):
                raise TimeoutError(f"FakeBotAPI: condition not met within {timeout_s} s")

    async def wait_for_async(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        """``wait_for`` for async tests in any loop (the predicate runs in a worker thread)."""
        await asyncio.to_thread(self.wait_for, predicate, timeout_s)

    # --- HTTP ------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        arrived = self._clock()
        try:
            params = await _read_params(request)
        except _ApiError as error:
            return error.response()
        method = request.match_info["method"]
        name, endpoint = self._endpoints.get(method.lower(), (method, None))
        with self._changed:
            self._calls.append(Call(name, params, arrived))
            self._changed.notify_all()
        if request.match_info["token"] != self.token:
            return _ApiError(401, "Unauthorized").response()
        if endpoint is None:
            return _ApiError(404, "Not Found").response()
        with self._lock:
            hang = _pop(self._hangs, name)
            fault = _pop(self._faults, name)
        try:
            if hang is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(hang):
                        await self._closing.wait()
                if self._closing.is_set():
                    raise _ApiError(503, "Service Unavailable: the fake Bot API is closing")
            if fault is not None:
                raise _ApiError(fault.status, fault.description, fault.retry_after)
            result = await endpoint(params)
        except _ApiError as error:
            return error.response()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            stored = next(
                (f for f in self._files.values() if f.file_path == request.match_info["path"]),
                None,
            )
        if request.match_info["token"] != self.token or stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        return _ApiError(404, "Not Found").response()

    # --- Bot API methods (each runs in the serving loop) -----------------------------------------

    async def _api_get_me(self, params: JSONDict) -> object:
        return self.bot_user

    async def _api_get_updates(self, params: JSONDict) -> object:
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = params.get("timeout") or 0.0
        if not isinstance(timeout, int | float):
            raise _bad_request("field 'timeout' must be a number")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self._changed:
            self._poll_generation += 1  # an older poll still waiting ends with 409 Conflict
            generation = self._poll_generation
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = frozenset(allowed) or None
            if offset > 0:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            elif offset < 0:
                self._pending = self._pending[offset:]
            self._changed.notify_all()
        self._wake_pollers()
        while True:
            self._updates_pushed.clear()
            with self._changed:
                if generation != self._poll_generation:
                    raise _ApiError(409, _CONFLICT)
                if self._allowed_updates is not None:  # Telegram never delivers the others
                    self._pending = [u for u in self._pending if _kind(u) in self._allowed_updates]
                batch = copy.deepcopy(self._pending[:limit])
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._updates_pushed.wait()

    async def _api_delete_webhook(self, params: JSONDict) -> object:
        if params.get("drop_pending_updates"):
            with self._changed:
                self._pending.clear()
                self._changed.notify_all()
        return True

    async def _api_get_webhook_info(self, params: JSONDict) -> object:
        with self._lock:
            pending = len(self._pending)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    async def _api_send_message(self, params: JSONDict) -> object:
        chat_id = _chat_id(params)
        with self._changed:
            chat = self._reachable_chat(chat_id)
            text, entities = _render_text(params)
            markup = _reply_markup(params)
            reply_to = self._reply_target(chat_id, params)
            self._take_send_slot(chat_id)
            message = self._new_message(chat_id, self.bot_user, {"text": text})
            if entities:
                message["entities"] = entities
            if markup is not None and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            self._store_message(message, reply_to)
            self._sent.append(
                SentMessage(
                    chat_id=chat.id,
                    message_id=message["message_id"],
                    text=params["text"],
                    parse_mode=params.get("parse_mode"),
                    reply_markup=markup,
                    reply_to_message_id=reply_to,
                    at=self._clock(),
                    plain_text=text,
                    entities=entities,
                )
            )
            self._changed.notify_all()
            return copy.deepcopy(self._messages[chat_id, message["message_id"]])

    async def _api_send_document(self, params: JSONDict) -> object:
        """An uploaded file (multipart) or a known file_id, with an optional caption."""
        chat_id = _chat_id(params)
        document = params.get("document")
        with self._changed:
            chat = self._reachable_chat(chat_id)
            if isinstance(document, Upload):
                upload = document
            elif isinstance(document, str) and document in self._files:
                known = self._files[document]
                upload = Upload(PurePosixPath(known.file_path).name, "application/octet-stream",
                                known.content)  # fmt: skip
            else:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            if not upload.content:
                raise _bad_request("file must be non-empty")
            caption = params.get("caption")
            if isinstance(caption, str) and len(caption) > 1024:
                raise _bad_request("message caption is too long")
            reply_to = self._reply_target(chat_id, params)
            self._take_send_slot(chat_id)
            stored = self._store_file("documents", PurePosixPath(upload.file_name).suffix,
                                      upload.content)  # fmt: skip
            content: JSONDict = {
                "document": stored.json() | {"file_name": upload.file_name,
                                             "mime_type": upload.content_type},
            }  # fmt: skip
            content["document"].pop("file_path")
            if isinstance(caption, str) and caption:
                content["caption"] = caption
            message = self._new_message(chat_id, self.bot_user, content)
            self._store_message(message, reply_to)
            self._documents.append(
                SentDocument(
                    chat_id=chat.id,
                    message_id=message["message_id"],
                    file_name=upload.file_name,
                    content_type=upload.content_type,
                    content=upload.content,
                    caption=caption if isinstance(caption, str) else None,
                    at=self._clock(),
                )
            )
            self._changed.notify_all()
            return copy.deepcopy(message)

    async def _api_copy_message(self, params: JSONDict) -> object:
        """Copy a message's content (text, photo, document, caption) into another chat."""
        chat_id = _chat_id(params)
        from_chat_id = _int_param(params, "from_chat_id", 0)
        message_id = _int_param(params, "message_id", 0)
        with self._changed:
            chat = self._reachable_chat(chat_id)
            source = self._messages.get((from_chat_id, message_id))
            if source is None:
                raise _bad_request("message to copy not found")
            content = {
                k: copy.deepcopy(v)
                for k, v in source.items()
                if k in ("text", "entities", "photo", "document", "caption", "caption_entities")
            }
            reply_to = self._reply_target(chat_id, params)
            self._take_send_slot(chat_id)
            message = self._new_message(chat_id, self.bot_user, content)
            self._store_message(message, reply_to)
            text = str(content.get("text") or content.get("caption") or "")
            self._sent.append(
                SentMessage(
                    chat_id=chat.id,
                    message_id=message["message_id"],
                    text=text,
                    parse_mode=None,
                    reply_markup=None,
                    reply_to_message_id=reply_to,
                    at=self._clock(),
                    plain_text=text.strip(),
                    entities=list(content.get("entities", [])),
                    copied_from=(from_chat_id, message_id),
                )
            )
            self._changed.notify_all()
            return {"message_id": message["message_id"]}

    async def _api_edit_message_text(self, params: JSONDict) -> object:
        text, entities = _render_text(params)
        content: JSONDict = {"text": text} | ({"entities": entities} if entities else {})
        return self._edit("editMessageText", params, content, params["text"])

    async def _api_edit_message_reply_markup(self, params: JSONDict) -> object:
        return self._edit("editMessageReplyMarkup", params, None, None)

    async def _api_answer_callback_query(self, params: JSONDict) -> object:
        query_id = str(params.get("callback_query_id", ""))
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        with self._changed:
            if query_id not in self._open_queries:
                raise _bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._open_queries.discard(query_id)
            self._callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=text if isinstance(text, str) else None,
                    show_alert=params.get("show_alert") is True,
                    url=params.get("url"),
                    at=self._clock(),
                )
            )
            self._changed.notify_all()
        return True

    async def _api_send_chat_action(self, params: JSONDict) -> object:
        with self._lock:
            self._reachable_chat(_chat_id(params))
        return True

    async def _api_set_my_commands(self, params: JSONDict) -> object:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(command.get("command"))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
        with self._changed:
            self._commands[_commands_key(params.get("scope"), params.get("language_code"))] = (
                commands
            )
            self._changed.notify_all()
        return True

    async def _api_get_my_commands(self, params: JSONDict) -> object:
        return self.commands(params.get("scope"), params.get("language_code") or "")

    async def _api_delete_my_commands(self, params: JSONDict) -> object:
        with self._changed:
            self._commands.pop(
                _commands_key(params.get("scope"), params.get("language_code")), None
            )
            self._changed.notify_all()
        return True

    async def _api_get_file(self, params: JSONDict) -> object:
        with self._lock:
            stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _bad_request("invalid file_id")
        return stored.json()

    # --- helpers; the caller holds self._lock ----------------------------------------------------

    def _canonical(self, method: str) -> str:
        try:
            return self._endpoints[method.lower()][0]
        except KeyError:
            raise ValueError(f"FakeBotAPI does not implement {method!r}") from None

    def _known_chat(self, chat_id: int) -> _Chat:
        try:
            return self._chats[chat_id]
        except KeyError:
            raise KeyError(f"chat {chat_id} never started the bot: call add_chat() first") from None

    def _reachable_chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _user_json(self, user_id: int) -> JSONDict:
        chat = self._chats.get(user_id)
        if chat is not None:
            return chat.user_json()
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def _reply_target(self, chat_id: int, params: JSONDict) -> int | None:
        """The message replied to (``reply_parameters`` or the older ``reply_to_message_id``)."""
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, lenient = reply.get("message_id"), reply.get("allow_sending_without_reply")
        else:
            message_id = params.get("reply_to_message_id")
            lenient = params.get("allow_sending_without_reply")
        if message_id is None:
            return None
        if (chat_id, message_id) not in self._messages:
            if lenient:
                return None
            raise _bad_request("message to be replied not found")
        return int(message_id)

    def _take_send_slot(self, chat_id: int) -> None:
        """Count a send against the rate limits, or refuse it with 429."""
        if self._limits is None:
            return
        now = self._clock()
        chat_window = self._chat_windows.setdefault(chat_id, deque())
        for window, limit in (
            (self._bot_window, self._limits.per_bot_per_s),
            (chat_window, self._limits.per_chat_per_s),
        ):
            while window and window[0] <= now - 1.0 + self._limits.jitter_s:
                window.popleft()
            if len(window) >= limit:
                retry_after = max(1, math.ceil(window[0] + 1.0 - now))
                self._too_many_requests += 1
                self._changed.notify_all()
                raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._bot_window.append(now)
        chat_window.append(now)

    def _new_message(self, chat_id: int, sender: JSONDict, content: JSONDict) -> JSONDict:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return {
            "message_id": message_id,
            "from": sender,
            "chat": self._chats[chat_id].chat_json(),
            "date": int(time.time()),
        } | content

    def _store_message(self, message: JSONDict, reply_to: int | None) -> None:
        chat_id = message["chat"]["id"]
        if reply_to is not None:
            replied = copy.deepcopy(self._messages[chat_id, reply_to])
            replied.pop("reply_to_message", None)  # Telegram nests one level only
            message["reply_to_message"] = replied
        self._messages[chat_id, message["message_id"]] = message

    def _user_message(self, chat_id: int, content: JSONDict, reply_to: int | None) -> int:
        with self._changed:
            chat = self._chats.setdefault(chat_id, _Chat(chat_id, f"User {chat_id}"))
            chat.blocked = False
            if reply_to is not None and (chat_id, reply_to) not in self._messages:
                raise KeyError(f"no message {reply_to} in chat {chat_id}")
            message = self._new_message(chat_id, chat.user_json(), content)
            self._store_message(message, reply_to)
            self._enqueue({"message": copy.deepcopy(message)})
            return int(message["message_id"])

    def _store_file(self, folder: str, suffix: str, content: bytes) -> _StoredFile:
        with self._lock:
            number = next(self._file_ids)
            stored = _StoredFile(
                f"FAKE-FILE-{number}",
                f"FAKE-UNIQUE-{number}",
                f"{folder}/file_{number}{suffix}",
                content,
            )
            self._files[stored.file_id] = stored
            return stored

    def _edit(
        self, method: str, params: JSONDict, content: JSONDict | None, source: str | None
    ) -> JSONDict:
        if "inline_message_id" in params:
            raise _bad_request("MESSAGE_ID_INVALID")  # inline mode is not faked
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        markup = _reply_markup(params)
        with self._changed:
            self._reachable_chat(chat_id)
            stored = self._messages.get((chat_id, message_id))
            if stored is None:
                raise _bad_request("message to edit not found")
            if stored["from"]["id"] != self.bot_id:
                raise _bad_request("message can't be edited")
            edited = {k: v for k, v in stored.items() if k not in ("reply_markup", "edit_date")}
            if content is not None:
                edited = {k: v for k, v in edited.items() if k != "entities"} | content
            if markup is not None and "inline_keyboard" in markup:
                edited["reply_markup"] = markup
            if edited == {k: v for k, v in stored.items() if k != "edit_date"}:
                raise _bad_request(
                    "message is not modified: specified new message content and reply markup are "
                    "exactly the same as a current content and reply markup of the message"
                )
            edited["edit_date"] = int(time.time())
            self._messages[chat_id, message_id] = edited
            self._edits.append(
                EditedMessage(
                    method,
                    chat_id,
                    message_id,
                    source,
                    params.get("parse_mode"),
                    markup,
                    self._clock(),
                )
            )
            self._changed.notify_all()
            return copy.deepcopy(edited)

    def _enqueue(self, body: JSONDict) -> int:
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id} | body)
        self._changed.notify_all()
        self._wake_pollers()
        return update_id

    def _wake_pollers(self) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._updates_pushed.set)


def _pop(queues: dict[str, deque[_T]], method: str) -> _T | None:
    queue = queues.get(method)
    return queue.popleft() if queue else None


def _kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _commands_key(scope: object, language_code: object) -> tuple[str, str]:
    scope = scope if isinstance(scope, Mapping) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(language_code or "")
