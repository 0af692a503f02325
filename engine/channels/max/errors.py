"""What a failed MAX call means for the engine: retry later, try the next channel, or stop.

MAX answers errors as ``{"code", "message"}`` with an HTTP status. The mapping decides from
the status first and the code second, so that an error code the docs do not list still lands
on the right side:

- 401 or ``verify.token``: a wrong token; nothing on this channel works (ChannelUnavailable).
- 429 or ``too.many.requests``: retry, not before ``Retry-After`` (default 1 s).
- 5xx, timeouts, network failures, an unreadable answer: retry later.
- 403 (``chat.denied``: the user blocked the bot or never started it), 404: unreachable.
- ``attachment.not.ready``: retry later (the upload is still being processed).
- other 400s: the platform refused this content (``content_rejected``).
"""

from __future__ import annotations

from engine.channels.base import ChannelUnavailable, DeliveryError
from engine.channels.max.client import MaxApiError

DEFAULT_RETRY_AFTER_S = 1.0
_RECIPIENT_CODES = ("chat.denied", "chat.not.found", "user.not.found", "dialog.not.found")


def is_content_error(exc: MaxApiError) -> bool:
    """The platform refused the message itself (its text, markup or keyboard)."""
    return (
        exc.status == 400
        and exc.code not in ("attachment.not.ready", "verify.token", "too.many.requests")
        and not any(c in exc.code for c in _RECIPIENT_CODES)
    )


def delivery_error(exc: MaxApiError) -> DeliveryError | ChannelUnavailable:
    """The engine's form of a failed call: what to do next, not what happened."""
    reason = f"max: {exc.status} {exc.code} {exc.message}".strip()
    if exc.status == 401 or exc.code == "verify.token":
        return ChannelUnavailable("MAX отклонил RESOLUTE_MAX_TOKEN: проверьте токен бота.")
    if exc.status == 429 or exc.code == "too.many.requests":
        retry = exc.retry_after_s if exc.retry_after_s is not None else DEFAULT_RETRY_AFTER_S
        return DeliveryError(reason, permanent=False, retry_after_s=float(retry))
    if exc.status == 0 or exc.status >= 500 or exc.code == "unreadable.response":
        return DeliveryError(reason, permanent=False)
    if exc.code == "attachment.not.ready":
        return DeliveryError(reason, permanent=False, retry_after_s=exc.retry_after_s)
    if exc.status in (403, 404) or any(c in exc.code for c in _RECIPIENT_CODES):
        return DeliveryError(reason, permanent=True, recipient_unreachable=True)
    if exc.status == 400:
        return DeliveryError(reason, permanent=True, content_rejected=True)
    return DeliveryError(reason, permanent=True)  # 405, 409, …: retrying the same cannot help
