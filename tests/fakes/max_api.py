"""A loopback MAX Bot API for tests, spoken to by the real MAX adapter over HTTP.

Longer than ~300 lines because it is one server: the endpoints share the state of one bot
(its users, dialogs, messages, uploads, queued updates), as ``tests/fakes/bot_api.py`` does.

It answers as the published OpenAPI description says (docs/channels-max.md): the token in the
``Authorization`` header (anything else is 401 ``verify.token``), JSON bodies, errors as
``{"code", "message"}``. A test plays the users (``add_user``, ``start``, ``send_text``,
``send_file``, ``press``, ``block``), injects faults (``fail_next``, ``not_ready``,
``hang_next``) and asserts on what the bot did (``sent``, ``edits``, ``answers``, ``uploads``,
``calls``, ``subscriptions``, ``commands``)::

    async with FakeMaxAPI() as api:
        chat_id = api.add_user(42)
        async with MaxChannel(api.token, api.url) as channel:
            ...

Updates queue for ``GET /updates`` with markers (without a marker only the latest update is
returned, as MAX does since May 2026), or go to a subscribed webhook with ``deliver()``.
Deliberate differences: HTML and Markdown are recorded, not parsed; the error code for an
overlong text (``proto.payload``) is a guess, the docs name none; uploads are always ready
unless ``not_ready`` says otherwise.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]
SECRET_HEADER: Final = "X-Max-Bot-Api-Secret"


@dataclass(frozen=True, slots=True)
class Call:
    """One request as it arrived, whatever its outcome."""

    method: str
    path: str
    query: dict[str, str]
    body: object
    authorization: str | None
    at: float


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent with ``POST /messages``."""

    mid: str
    user_id: int | None  # the query's user_id, when it was addressed so
    chat_id: int  # the dialog or group chat it landed in
    text: str | None
    format: str | None
    keyboard: list[list[JSONDict]] | None  # the inline keyboard's rows, as sent
    attachments: list[JSONDict]  # the other attachments (files)
    link: JSONDict | None  # {"type": "forward" | "reply", "mid": ...}
    at: float


@dataclass(frozen=True, slots=True)
class Edit:
    mid: str
    body: JSONDict
    at: float


@dataclass(frozen=True, slots=True)
class Answer:
    callback_id: str
    notification: str | None
    at: float


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A file posted to an upload URL; ``authorization`` is the header it came with."""

    token: str
    file_name: str
    content: bytes
    authorization: str | None


@dataclass(slots=True)
class _User:
    user_id: int
    chat_id: int
    name: str
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class _Fault:
    status: int
    code: str
    message: str
    retry_after: int | None


@dataclass(slots=True)
class _Subscription:
    url: str
    secret: str | None
    update_types: list[str] = field(default_factory=list)


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> web.Response:
        return web.json_response({"code": self.code, "message": self.message}, status=self.status)


class FakeMaxAPI:
    """The MAX Bot API of one bot, on 127.0.0.1 at a free port (see the module docstring)."""

    def __init__(
        self,
        token: str = "max-test-token-7f3a9c",
        bot_username: str = "resolute_test_bot",
        *,
        bot_id: int = 90_000_001,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token: Final = token
        self.bot_username: Final = bot_username
        self.bot_id: Final = bot_id
        self._clock = clock
        self._users: dict[int, _User] = {}
        self._groups: set[int] = set()
        self._messages: dict[str, JSONDict] = {}
        self._updates: list[tuple[int, JSONDict]] = []
        self._seq = itertools.count(1)
        self._mids = itertools.count(1)
        self._callbacks = itertools.count(1)
        self._upload_slots = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._hangs: dict[str, deque[float]] = {}
        self._not_ready = 0
        self._file_tokens: set[str] = set()
        self.sent: list[SentMessage] = []
        self.edits: list[Edit] = []
        self.answers: list[Answer] = []
        self.uploads: list[Uploaded] = []
        self.calls: list[Call] = []
        self.subscriptions: list[_Subscription] = []
        self.commands: list[JSONDict] | None = None
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._pushed = asyncio.Event()

    # --- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/upload/{slot}", self._handle_upload)
        app.router.add_route("*", "/{path:.*}", self._handle_api)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner, self._url = runner, f"http://127.0.0.1:{site.port}"
        self._pushed = asyncio.Event()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        runner, self._runner = self._runner, None
        self._pushed.set()
        if runner is not None:
            await runner.cleanup()

    @contextlib.contextmanager
    def serving_in_thread(self, startup_timeout_s: float = 10.0) -> Iterator[Self]:
        """Serve from a background thread with its own event loop, for tests that run the
        ``resolute`` command. Play the users only while no long poll waits (``tick`` polls
        without waiting)."""
        started: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Event]]
        started = concurrent.futures.Future()

        async def serve() -> None:
            stop = asyncio.Event()
            async with self:
                started.set_result((asyncio.get_running_loop(), stop))
                await stop.wait()

        def run() -> None:
            try:
                asyncio.run(serve())
            except BaseException as error:  # handed to the test's thread below
                if not started.done():
                    started.set_exception(error)

        thread = threading.Thread(target=run, name="FakeMaxAPI", daemon=True)
        thread.start()
        loop, stop = started.result(timeout=startup_timeout_s)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=startup_timeout_s)

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeMaxAPI is not serving: use `async with`")
        return self._url

    # --- the users' side -------------------------------------------------------------------------

    def add_user(self, user_id: int, *, name: str = "Тест") -> int:
        """A user who started the bot; returns the dialog's chat_id (not the user_id)."""
        user = self._users.get(user_id) or _User(user_id, -(7_000_000_000 + user_id), name)
        user.blocked = False
        self._users[user_id] = user
        return user.chat_id

    def dialog_of(self, user_id: int) -> int:
        """The chat_id of the user's dialog with the bot."""
        return self._users[user_id].chat_id

    def add_group(self, chat_id: int) -> None:
        """A group chat the bot is a member of."""
        self._groups.add(chat_id)

    def start(self, user_id: int, payload: str | None = None) -> int:
        """The user opens the bot (by a deep link with ``payload``): ``bot_started``."""
        chat_id = self.add_user(user_id)
        update = {"chat_id": chat_id, "user": self._user_json(user_id), "user_locale": "ru"}
        return self._enqueue("bot_started", update | ({"payload": payload} if payload else {}))

    def block(self, user_id: int) -> int:
        """The user stops the bot: ``bot_stopped``, and sends to them get 403 chat.denied."""
        user = self._users[user_id]
        user.blocked = True
        return self._enqueue(
            "bot_stopped", {"chat_id": user.chat_id, "user": self._user_json(user_id)}
        )

    def send_text(
        self, user_id: int, text: str, *, reply_to: str | None = None, links: Mapping[str, str] = {}
    ) -> str:
        """The user writes; ``links`` maps a piece of the text to a URL (link markup)."""
        markup = [
            {"type": "link", "from": text.index(piece), "length": len(piece), "url": url}
            for piece, url in links.items()
        ]
        return self._user_message(user_id, {"text": text, "markup": markup}, reply_to)

    def send_file(
        self, user_id: int, *, file_name: str = "scan.pdf", size: int = 1234, caption: str = ""
    ) -> str:
        """The user sends a file; its attachment carries a token the bot could send again."""
        attachment = {
            "type": "file",
            "payload": {"token": f"user-file-{next(self._mids)}", "url": "https://files.invalid/1"},
            "filename": file_name,
            "size": size,
        }
        return self._user_message(user_id, {"text": caption, "attachments": [attachment]}, None)

    def send_photo(self, user_id: int, *, caption: str = "") -> str:
        """The user sends a photo (an ``image`` attachment with its token and URL)."""
        n = next(self._mids)
        attachment = {
            "type": "image",
            "payload": {"photo_id": n, "token": f"user-photo-{n}", "url": f"https://i.invalid/{n}"},
        }
        return self._user_message(user_id, {"text": caption, "attachments": [attachment]}, None)

    def press(self, user_id: int, mid: str, payload: str) -> str:
        """The user presses a button with ``payload`` under message ``mid``; the callback id."""
        callback_id = f"cb.{next(self._callbacks):08d}"
        self._open_callbacks.add(callback_id)
        callback = {
            "timestamp": self._now_ms(),
            "callback_id": callback_id,
            "payload": payload,
            "user": self._user_json(user_id),
        }
        message = copy.deepcopy(self._messages[mid])
        self._enqueue("message_callback", {"callback": callback, "message": message})
        return callback_id

    def push(self, update: object) -> int:
        """Queue any JSON as an update, e.g. a malformed one; returns its sequence number."""
        seq = next(self._seq)
        self._updates.append((seq, update))  # type: ignore[arg-type]
        self._pushed.set()
        return seq

    # --- faults ----------------------------------------------------------------------------------

    def fail_next(
        self,
        route: str,
        status: int = 500,
        code: str = "internal.error",
        message: str = "Internal error",
        *,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``route`` ("POST /messages") with an error."""
        fault = _Fault(status, code, message, retry_after)
        self._faults.setdefault(route, deque()).extend([fault] * times)

    def hang_next(self, route: str, seconds: float) -> None:
        """Hold the next request to ``route`` for ``seconds`` before handling it."""
        self._hangs.setdefault(route, deque()).append(seconds)

    def not_ready(self, times: int) -> None:
        """The next ``times`` messages with an uploaded file get 400 attachment.not.ready."""
        self._not_ready = times

    # --- what the bot did ------------------------------------------------------------------------

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def calls_to(self, route: str) -> list[Call]:
        method, _, path = route.partition(" ")
        return [c for c in self.calls if c.method == method and c.path == path]

    def message(self, mid: str) -> JSONDict:
        return copy.deepcopy(self._messages[mid])

    @property
    def pending(self) -> list[object]:
        return [u for _, u in self._updates]

    async def deliver(self) -> list[int]:
        """Post the queued updates to the subscribed webhook, one request each, with its
        secret; an update answered 200 leaves the queue. Returns the statuses."""
        if not self.subscriptions:
            raise RuntimeError("no webhook subscription")
        subscription = self.subscriptions[-1]
        statuses = []
        for seq, update in list(self._updates):
            status = await self.push_webhook(subscription.url, update, subscription.secret)
            statuses.append(status)
            if status == 200:
                self._updates = [(s, u) for s, u in self._updates if s != seq]
        return statuses

    @staticmethod
    async def push_webhook(url: str, update: object, secret: str | None) -> int:
        """POST one update (JSON, or raw bytes as they are) to ``url``; the answer's status."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        data = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers["Content-Type"] = "application/json"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=data, headers=headers) as response,
        ):
            return response.status

    # --- HTTP ------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        query = dict(request.query)
        authorization = request.headers.get("Authorization")
        route = f"{request.method} {path}"
        self.calls.append(Call(request.method, path, query, body, authorization, self._clock()))
        if authorization != self.token or "access_token" in query:
            return _ApiError(401, "verify.token", "Invalid access_token").response()
        hangs = self._hangs.get(route)
        if hangs:
            await asyncio.sleep(hangs.popleft())
        faults = self._faults.get(route)
        if faults:
            fault = faults.popleft()
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
            return web.json_response(
                {"code": fault.code, "message": fault.message}, status=fault.status, headers=headers
            )
        endpoint = _ROUTES.get(route)
        if endpoint is None:
            return _ApiError(404, "not.found", f"Path {path} is not recognized").response()
        try:
            result = await endpoint(self, query, body)
        except _ApiError as error:
            return error.response()
        return web.json_response(result)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        data = form.get("data")
        if not isinstance(data, web.FileField):
            return web.json_response({"code": "bad.request", "message": "no data"}, status=400)
        token = f"file-token-{request.match_info['slot']}"
        self._file_tokens.add(token)
        content = data.file.read()
        auth = request.headers.get("Authorization")
        self.uploads.append(Uploaded(token, data.filename, content, auth))
        return web.json_response({"token": token})

    async def _get_me(self, query: dict[str, str], body: object) -> object:
        info = self._bot_json() | {"description": None}
        return info | ({"commands": self.commands} if self.commands is not None else {})

    async def _patch_me(self, query: dict[str, str], body: object) -> object:
        commands = _dict(body).get("commands")
        if commands is not None:
            if not isinstance(commands, list) or len(commands) > 32:
                raise _ApiError(400, "proto.payload", "commands: up to 32")
            self.commands = commands
        return self._bot_json()

    async def _post_messages(self, query: dict[str, str], body: object) -> object:
        message = _dict(body)
        chat_id, user_id = self._target(query)
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > 4000):
            raise _ApiError(400, "proto.payload", "text: size must be between 0 and 4000")
        if message.get("format") not in (None, "html", "markdown"):
            raise _ApiError(400, "proto.payload", "format: html or markdown")
        keyboard, files = self._attachments(message.get("attachments"))
        link = message.get("link")
        if link is not None:
            link = _dict(link)
            if (
                link.get("type") not in ("forward", "reply")
                or link.get("mid") not in self._messages
            ):
                raise _ApiError(400, "proto.payload", "link: no such message")
        if not text and not files and link is None:
            raise _ApiError(400, "proto.payload", "message: text, attachments or link")
        if files and self._not_ready > 0:
            self._not_ready -= 1
            raise _ApiError(400, "attachment.not.ready", "Key: errors.process.attachment.file")
        mid = f"mid.{next(self._mids):016x}"
        attachments = files + (
            [{"type": "inline_keyboard", "payload": {"buttons": keyboard}}] if keyboard else []
        )
        json_message = {
            "sender": self._bot_json(),
            "recipient": {"chat_id": chat_id, "chat_type": "dialog" if user_id else "chat"},
            "timestamp": self._now_ms(),
            "body": {"mid": mid, "seq": next(self._seq), "text": text, "attachments": attachments},
        }
        if link is not None:
            json_message["link"] = {"type": link["type"], "message": {"mid": link["mid"]}}
        self._messages[mid] = json_message
        self.sent.append(
            SentMessage(
                mid, user_id, chat_id, text, message.get("format"), keyboard, files,
                link, self._clock(),
            )
        )  # fmt: skip
        return {"message": json_message}

    async def _put_messages(self, query: dict[str, str], body: object) -> object:
        mid = query.get("message_id", "")
        message = self._messages.get(mid)
        if message is None or message["sender"].get("user_id") != self.bot_id:
            raise _ApiError(404, "not.found", "Message not found")
        edit = _dict(body)
        if edit.get("attachments") is not None:
            keyboard, files = self._attachments(edit["attachments"])
            message["body"]["attachments"] = files + (
                [{"type": "inline_keyboard", "payload": {"buttons": keyboard}}] if keyboard else []
            )
        if edit.get("text") is not None:
            message["body"]["text"] = edit["text"]
        self.edits.append(Edit(mid, edit, self._clock()))
        return {"success": True}

    async def _post_answers(self, query: dict[str, str], body: object) -> object:
        callback_id = query.get("callback_id", "")
        if callback_id not in self._open_callbacks:
            raise _ApiError(400, "not.found", "callback_id: unknown")
        answer = _dict(body)
        notification = answer.get("notification")
        if notification is None and answer.get("message") is None:
            raise _ApiError(400, "proto.payload", "message or notification")
        self.answers.append(Answer(callback_id, notification, self._clock()))
        return {"success": True}

    async def _get_updates(self, query: dict[str, str], body: object) -> object:
        limit = int(query.get("limit", "100"))
        timeout = min(int(query.get("timeout", "30")), 90)
        types = set(query["types"].split(",")) if query.get("types") else None
        marker = query.get("marker")
        if marker is None:  # since May 2026: without a marker, only the latest update
            latest = self._updates[-1:]
            next_marker = latest[0][0] + 1 if latest else next(self._seq)
            return {"updates": [u for _, u in latest], "marker": next_marker}
        start = int(marker)
        self._updates = [(s, u) for s, u in self._updates if s >= start]  # acknowledged
        if not self._updates and timeout > 0:
            self._pushed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._pushed.wait(), timeout)
        batch = self._updates[:limit]
        chosen = [
            u
            for _, u in batch
            if types is None or not isinstance(u, dict) or u.get("update_type") in types
        ]
        return {"updates": chosen, "marker": batch[-1][0] + 1 if batch else start}

    async def _get_subscriptions(self, query: dict[str, str], body: object) -> object:
        return {"subscriptions": [{"url": s.url, "time": 0} for s in self.subscriptions]}

    async def _post_subscriptions(self, query: dict[str, str], body: object) -> object:
        request = _dict(body)
        url, secret = request.get("url"), request.get("secret")
        if not isinstance(url, str) or not url:
            raise _ApiError(400, "proto.payload", "url: required")
        self.subscriptions = [s for s in self.subscriptions if s.url != url]
        self.subscriptions.append(_Subscription(url, secret, list(request.get("update_types", []))))
        return {"success": True}

    async def _delete_subscriptions(self, query: dict[str, str], body: object) -> object:
        before = len(self.subscriptions)
        self.subscriptions = [s for s in self.subscriptions if s.url != query.get("url")]
        return {"success": len(self.subscriptions) < before}

    async def _post_uploads(self, query: dict[str, str], body: object) -> object:
        kind = query.get("type")
        if kind not in ("image", "video", "audio", "file"):
            raise _ApiError(400, "proto.payload", "type: image, video, audio or file")
        return {"url": f"{self.url}/upload/{next(self._upload_slots)}"}

    # --- helpers ---------------------------------------------------------------------------------

    def _target(self, query: dict[str, str]) -> tuple[int, int | None]:
        if "user_id" in query:
            user = self._users.get(int(query["user_id"]))
            if user is None:
                raise _ApiError(404, "chat.not.found", "Chat not found")
            if user.blocked:
                raise _ApiError(403, "chat.denied", "chat.denied")
            return user.chat_id, user.user_id
        if "chat_id" in query:
            chat_id = int(query["chat_id"])
            for user in self._users.values():
                if user.chat_id == chat_id:
                    if user.blocked:
                        raise _ApiError(403, "chat.denied", "chat.denied")
                    return chat_id, None
            if chat_id in self._groups:
                return chat_id, None
            raise _ApiError(404, "chat.not.found", "Chat not found")
        raise _ApiError(400, "proto.payload", "user_id or chat_id")

    def _attachments(
        self, attachments: object
    ) -> tuple[list[list[JSONDict]] | None, list[JSONDict]]:
        keyboard: list[list[JSONDict]] | None = None
        files: list[JSONDict] = []
        for item in attachments or []:
            item = _dict(item)
            if item.get("type") == "inline_keyboard":
                keyboard = _check_keyboard(_dict(item.get("payload")).get("buttons"))
            elif item.get("type") == "file":
                if _dict(item.get("payload")).get("token") not in self._file_tokens:
                    raise _ApiError(400, "proto.payload", "attachment: unknown token")
                files.append(item)
            else:
                raise _ApiError(400, "proto.payload", f"attachment type {item.get('type')}")
        return keyboard, files

    def _user_message(self, user_id: int, body: JSONDict, reply_to: str | None) -> str:
        user = self._users[user_id]
        mid = f"mid.{next(self._mids):016x}"
        message: JSONDict = {
            "sender": self._user_json(user_id),
            "recipient": {"chat_id": user.chat_id, "chat_type": "dialog", "user_id": self.bot_id},
            "timestamp": self._now_ms(),
            "body": {"mid": mid, "seq": next(self._seq)} | body,
        }
        if reply_to is not None:
            message["link"] = {
                "type": "reply",
                "chat_id": user.chat_id,
                "message": {"mid": reply_to, "text": self._messages[reply_to]["body"].get("text")},
            }
        self._messages[mid] = message
        self._enqueue("message_created", {"message": copy.deepcopy(message), "user_locale": "ru"})
        return mid

    def _enqueue(self, update_type: str, update: JSONDict) -> int:
        return self.push({"update_type": update_type, "timestamp": self._now_ms()} | update)

    def _now_ms(self) -> int:
        return int(time.time() * 1000)

    def _user_json(self, user_id: int) -> JSONDict:
        user = self._users.get(user_id)
        name = user.name if user else "Тест"
        return {"user_id": user_id, "first_name": name, "name": name, "is_bot": False,
                "last_activity_time": self._now_ms()}  # fmt: skip

    def _bot_json(self) -> JSONDict:
        return {"user_id": self.bot_id, "first_name": "Resolute", "name": "Resolute",
                "username": self.bot_username, "is_bot": True,
                "last_activity_time": self._now_ms()}  # fmt: skip


def _dict(value: object) -> JSONDict:
    if not isinstance(value, dict):
        raise _ApiError(400, "proto.payload", "expected a JSON object")
    return value


def _check_keyboard(rows: object) -> list[list[JSONDict]]:
    """MAX's keyboard limits: 210 buttons, 30 rows, 7 a row, text 1–128, payload ≤ 1024."""
    if not isinstance(rows, list) or not rows or len(rows) > 30:
        raise _ApiError(400, "proto.payload", "buttons: 1 to 30 rows")
    if sum(len(row) if isinstance(row, list) else 0 for row in rows) > 210:
        raise _ApiError(400, "proto.payload", "buttons: at most 210")
    for row in rows:
        if not isinstance(row, list) or not 0 < len(row) <= 7:
            raise _ApiError(400, "proto.payload", "buttons: 1 to 7 a row")
        for button in row:
            button = _dict(button)
            text, payload = button.get("text"), button.get("payload")
            if not isinstance(text, str) or not 0 < len(text) <= 128:
                raise _ApiError(400, "proto.payload", "button text: 1 to 128 characters")
            if button.get("type") == "callback" and (
                not isinstance(payload, str) or len(payload) > 1024
            ):
                raise _ApiError(400, "proto.payload", "callback payload: up to 1024 characters")
    return rows


_ROUTES: Final = {
    "GET /me": FakeMaxAPI._get_me,
    "PATCH /me": FakeMaxAPI._patch_me,
    "POST /messages": FakeMaxAPI._post_messages,
    "PUT /messages": FakeMaxAPI._put_messages,
    "POST /answers": FakeMaxAPI._post_answers,
    "GET /updates": FakeMaxAPI._get_updates,
    "GET /subscriptions": FakeMaxAPI._get_subscriptions,
    "POST /subscriptions": FakeMaxAPI._post_subscriptions,
    "DELETE /subscriptions": FakeMaxAPI._delete_subscriptions,
    "POST /uploads": FakeMaxAPI._post_uploads,
}
