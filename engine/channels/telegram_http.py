"""python-telegram-bot's transport on aiohttp, for sending.

python-telegram-bot stays the API; only the HTTP client under it changes, through its documented
extension point ``telegram.request.BaseRequest``. Its default (``HTTPXRequest``) costs 2–3 ms of
CPU per message; this one about a third of that (bench/README.md has the figures), so the engine
stays far below Telegram's 30 messages a second of a core however it is deployed.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Requests over one ``aiohttp.ClientSession``: kept-alive connections, at most
    ``connection_pool_size`` at once. Timeouts as python-telegram-bot means them: per call
    when given, else the defaults here. A timeout raises ``TimedOut``, any other failure
    ``NetworkError``, as with python-telegram-bot's own transport."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 10.0,
        pool_timeout_s: float = 10.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._pool_timeout_s = pool_timeout_s
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout_s

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        connect = _given(connect_timeout, self._connect_timeout_s)
        pool = _given(pool_timeout, self._pool_timeout_s)
        timeout = aiohttp.ClientTimeout(
            connect=None if connect is None or pool is None else connect + pool,  # pool wait too
            sock_connect=connect,
            sock_read=_given(read_timeout, self._read_timeout_s),
        )  # aiohttp has no write timeout: write_timeout is accepted and not applied
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's own timeouts included
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _given(value: float | object | None, default: float) -> float | None:
    if isinstance(value, int | float) or value is None:
        return value
    return default  # DEFAULT_NONE: not passed by the caller


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form-encoded parameters, as the Bot API takes them; multipart when a file is uploaded."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (file_name, content, content_type) in files.items():
        form.add_field(name, content, filename=file_name, content_type=content_type)
    return form
