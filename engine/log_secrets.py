"""No token, password or secret in any output, at any log level.

Secrets leak three ways: third-party loggers that print what they send (httpx logs every Bot API
URL, which carries the token, at INFO; aiosmtplib and aioimaplib log the AUTH and LOGIN lines at
DEBUG), exception texts that quote a URL (``…/bot<TOKEN>/getMe``), and tracebacks. So: those
loggers are held at a level where they say nothing sensitive, and every record that reaches a
handler — and every message the command line prints — passes through :func:`mask`, which
replaces the configured secrets and any Bot API token in a URL with ``***``.

This module only filters; how records are formatted (text or JSON) is decided elsewhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, SecretStr
from rich.console import Console

HIDDEN = "***"
# Loggers that print request lines or protocol traffic: held at least at these levels.
QUIET_LOGGERS = {
    "httpx": logging.WARNING,  # "HTTP Request: POST https://…/bot<TOKEN>/getUpdates"
    "httpcore": logging.WARNING,
    "aiosmtplib": logging.INFO,  # AUTH PLAIN <base64 of the password> at DEBUG
    "aioimaplib": logging.INFO,  # LOGIN user password at DEBUG
    "aioimaplib.aioimaplib": logging.INFO,
    "mail.log": logging.INFO,  # aiosmtpd (the tests' fake server)
}
_BOT_TOKEN = re.compile(r"(?<=/bot)\d+:[A-Za-z0-9_-]+")  # {url}/bot{token}/{method}
_BARE_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b")  # a token quoted on its own
_URL_PASSWORD = re.compile(r"(?<=://)([^/@\s:]*):[^/@\s]+@")  # scheme://user:password@host
_MIN_SECRET_CHARS = 4  # shorter values would mask ordinary words

_known: set[str] = set()


def remember(secrets: Iterable[str | None]) -> None:
    """Secrets that :func:`mask` hides from now on (settings: tokens, passwords, the secret)."""
    _known.update(s for s in secrets if s and len(s) >= _MIN_SECRET_CHARS)


def mask(text: str) -> str:
    """``text`` with every remembered secret, Bot API token and URL password replaced."""
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, HIDDEN)
    text = _BOT_TOKEN.sub(HIDDEN, text)
    text = _BARE_TOKEN.sub(HIDDEN, text)
    return _URL_PASSWORD.sub(rf"\1:{HIDDEN}@", text)


class MaskSecrets(logging.Filter):
    """A handler filter: the record's message (arguments merged) and exception text, masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed format: still never show the arguments
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = mask(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install(secrets: Iterable[str | None], root: logging.Logger | None = None) -> None:
    """Quiet the chatty loggers, remember ``secrets`` and mask every handler of ``root``."""
    remember(secrets)
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, MaskSecrets) for f in handler.filters):
            handler.addFilter(MaskSecrets())


class MaskedConsole(Console):
    """A rich Console whose printed strings pass through :func:`mask` (the command line's
    messages quote exception texts, which may quote a URL with the token)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(mask(o) if isinstance(o, str) else o for o in objects), **kwargs)


def settings_secrets(settings: BaseModel) -> list[str]:
    """Every SecretStr value of ``settings`` (tokens, passwords, RESOLUTE_SECRET)."""
    values = (getattr(settings, name) for name in type(settings).model_fields)
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
