"""The masking filter: remembered secrets, Bot API tokens in URLs and URL passwords never reach
a log line, an exception text or a printed message."""

from __future__ import annotations

import io
import logging

import pytest

from engine import log_secrets

TOKEN = "123456:AAH-unit-token-abcdefghijklmnopqrstu"


@pytest.fixture(autouse=True)
def _forget() -> None:
    log_secrets._known.clear()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"http://[::1/bot{TOKEN}/getMe", "http://[::1/bot***/getMe"),
        (f"token {TOKEN} refused", "token *** refused"),
        ("postgres://app:pa55word@db:5432/x", "postgres://app:***@db:5432/x"),
        ("нет секретов: 12:30, 2023-10-20", "нет секретов: 12:30, 2023-10-20"),
    ],
)
def test_mask(text: str, expected: str) -> None:
    assert log_secrets.mask(text) == expected


def test_a_handler_never_writes_a_remembered_secret_even_in_a_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.log_secrets")
    root = logging.Logger("root-for-test")
    root.addHandler(handler)
    logger.parent = root
    logger.propagate = True
    log_secrets.install(["smtp-password-1", None, ""], root=root)
    try:
        raise RuntimeError("login failed for smtp-password-1")
    except RuntimeError:
        logger.exception("auth %s %s", "smtp-password-1", f"https://x/bot{TOKEN}/getUpdates")
    written = stream.getvalue()
    assert "smtp-password-1" not in written
    assert TOKEN not in written
    assert "auth *** https://x/bot***/getUpdates" in written
    assert "RuntimeError: login failed for ***" in written


def test_httpx_is_held_at_warning_even_at_debug() -> None:
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    log_secrets.install([], root=logging.Logger("another-root"))
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
