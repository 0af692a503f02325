"""Receiving MAX updates by webhook: an aiohttp application for behind a reverse proxy.

MAX posts each update as one JSON ``Update`` object to the subscribed HTTPS URL, with the
subscription's secret in ``X-Max-Bot-Api-Secret``. A request without the right secret is
refused (401 when the header is missing, 403 when it is wrong: compared in constant time) and
the refusal is logged, without the value sent. An accepted request is translated (unreadable
bodies included, as Unreadable: MAX would otherwise retry them for 8 hours) and handed to
``on_updates``, which should only record it (record-once is the engine's) and return; the
answer is 200 once it has. When ``on_updates`` fails the answer is 500, so MAX delivers the
update again later and nothing is lost.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from engine.channels.max.updates import Received, translate_body

log = logging.getLogger("resolute.max")

SECRET_HEADER = "X-Max-Bot-Api-Secret"  # noqa: S105 (a header name, not a secret)
MAX_BODY_BYTES = 1 << 20  # one update; attachments come as tokens and URLs, not as bytes
OnUpdates = Callable[[Sequence[Received]], Awaitable[None]]


def webhook_handler(
    secret: str, on_updates: OnUpdates
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The request handler alone, to mount on an application of one's own."""
    if not secret:
        raise ValueError("a MAX webhook needs a secret")
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        # Header bytes that are not UTF-8 arrive surrogate-escaped: compared as the bytes sent.
        if given is None or not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), expected
        ):
            status = 401 if given is None else 403
            log.warning(
                "max.webhook_refused status=%s reason=%s peer=%s",
                status,
                "no secret header" if given is None else "wrong secret",
                request.remote,
            )
            return web.json_response({"code": "refused"}, status=status)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("max.webhook_refused status=413 reason=too large peer=%s", request.remote)
            return web.json_response({"code": "too.large"}, status=413)
        received = translate_body(body)  # never raises: what it cannot read is Unreadable
        try:
            await on_updates([received])
        except Exception:
            log.exception("max.webhook_not_recorded update=%s", received.update_id)
            return web.json_response({"code": "not.recorded"}, status=500)
        return web.json_response({"ok": True})

    return handle


def webhook_app(
    secret: str, on_updates: OnUpdates, *, path: str = "/max/webhook"
) -> web.Application:
    """An application answering MAX's pushes at ``path`` (POST only)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(path, webhook_handler(secret, on_updates))
    return app
