"""HTTP to the MAX Bot API: one aiohttp session, the token in the ``Authorization`` header only.

The wire format is the platform's published OpenAPI description (docs/channels-max.md says
which parts were checked against it). Every answer that is not a 2xx JSON object becomes a
``MaxApiError`` carrying the status and the platform's ``{"code", "message"}``; a network
failure or a timeout becomes one too (status 0). What the engine should do about it is
decided in ``errors.py``. The token never appears in a URL, a log line, an exception or a repr.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

log = logging.getLogger("resolute.max")

DEFAULT_API_URL = "https://platform-api2.max.ru"  # the host the docs name since June 2026
MAX_INT_DIGITS = 4000  # Python refuses to read longer integers: keep them as text

JSONDict = dict[str, Any]


class MaxApiError(Exception):
    """A request that did not succeed: ``status`` 0 when no HTTP answer came at all."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after_s: float | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s


def _int_or_text(digits: str) -> int | str:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else digits


def load_json(body: bytes) -> object:
    """JSON as MAX sends it; an integer too long for Python is kept as text. Raises
    ValueError for anything that is not JSON."""
    return json.loads(body.decode("utf-8", "replace"), parse_int=_int_or_text)


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 86_400 else None


class MaxClient:
    """The Bot API of one bot at ``api_url``. Use as ``async with MaxClient(...) as api:``."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        timeout_s: float = 10.0,
        ca_file: str | None = None,
    ) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        # The platform's certificate chains to the Russian Trusted Root CA, which many systems
        # do not trust by default: its file, when given, is trusted besides the system's CAs.
        self._ssl: ssl.SSLContext | bool = True
        if ca_file:
            self._ssl = ssl.create_default_context()
            self._ssl.load_verify_locations(cafile=ca_file)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"MaxClient(api_url={self.api_url!r}, token=<hidden>)"

    async def __aenter__(self) -> MaxClient:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=8, ssl=self._ssl),
                cookie_jar=aiohttp.DummyCookieJar(),  # the API sets a language cookie: unused
            )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _hide(self, text: str) -> str:
        """Server text with the token cut out, should the platform ever echo it."""
        return text.replace(self._token, "<hidden>") if self._token else text

    async def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: object = None,
        timeout_s: float | None = None,
    ) -> JSONDict:
        """One API call; the answer's JSON object, or MaxApiError."""
        headers = {"Authorization": self._token}
        url = f"{self.api_url}{path}"
        return await self._request(
            method, url, headers, query=query, json_body=body, timeout_s=timeout_s, what=path
        )

    async def upload(
        self, url: str, file_name: str, content: bytes, *, timeout_s: float | None = None
    ) -> JSONDict:
        """Upload a file to the URL ``POST /uploads`` gave, as one multipart request (field
        ``data``). The token is not sent there: that URL is on another host and carries its
        own authorisation."""
        form = aiohttp.FormData(quote_fields=False)  # a UTF-8 file name as browsers send it
        form.add_field("data", content, filename=file_name)
        return await self._request(
            "POST", url, {}, form=form, timeout_s=timeout_s or self.timeout_s * 6, what="upload"
        )

    async def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        what: str,
        query: Mapping[str, str | int] | None = None,
        json_body: object = None,
        form: aiohttp.FormData | None = None,
        timeout_s: float | None = None,
    ) -> JSONDict:
        if self._session is None or self._session.closed:
            raise MaxApiError(0, "client.closed", "the MAX client is not open")
        timeout = aiohttp.ClientTimeout(total=timeout_s or self.timeout_s)
        params = {k: str(v) for k, v in (query or {}).items()}
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=json_body if form is None and json_body is not None else None,
                data=form,
                headers=headers,
                timeout=timeout,
            ) as response:
                status = response.status
                raw = await response.read()
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except TimeoutError:
            log.debug("max.request_timeout what=%s", what)
            raise MaxApiError(0, "timeout", f"{what}: no answer in time") from None
        except aiohttp.ClientError as exc:
            log.debug("max.request_failed what=%s error=%s", what, type(exc).__name__)
            raise MaxApiError(0, "network", f"{what}: aiohttp.{type(exc).__name__}") from None
        log.debug("max.request what=%s status=%s", what, status)
        try:
            data = load_json(raw) if raw.strip() else {}
        except (ValueError, RecursionError):  # not JSON, or nested past what Python reads
            data = None
        if not 200 <= status < 300:
            error = data if isinstance(data, dict) else {}
            code, message = error.get("code"), error.get("message")
            raise MaxApiError(
                status,
                self._hide(code if isinstance(code, str) else "")[:100],
                self._hide(message if isinstance(message, str) else "")[:300],
                retry_after_s=retry_after,
            )
        if not isinstance(data, dict):
            raise MaxApiError(status, "unreadable.response", f"{what}: not a JSON object")
        return data
