"""What each python-telegram-bot error means for the engine: retry, give up, or reroute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from engine.channels.base import DeliveryError
from engine.channels.telegram import _delivery_error


@pytest.mark.parametrize(
    ("exc", "permanent", "unreachable"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), True, True),
        (Forbidden("Forbidden: bot can't initiate conversation with a user"), True, True),
        (BadRequest("Chat not found"), True, True),  # a chat id that never started the bot
        (BadRequest("User not found"), True, True),
        (BadRequest("PEER_ID_INVALID"), True, True),
        (BadRequest("Can't parse entities: unsupported start tag"), True, False),
        (TimedOut(), False, False),
        (NetworkError("Bad Gateway"), False, False),
    ],
)
def test_errors_map_to_what_to_do_next(exc: Exception, permanent: bool, unreachable: bool) -> None:
    error = _delivery_error(exc)  # type: ignore[arg-type]
    assert isinstance(error, DeliveryError)
    assert (error.permanent, error.recipient_unreachable) == (permanent, unreachable)


def test_retry_after_is_kept_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as TelegramChannel opts in
    error = _delivery_error(RetryAfter(timedelta(seconds=7)))
    assert isinstance(error, DeliveryError)
    assert error.retry_after_s == 7.0
    assert not error.permanent
