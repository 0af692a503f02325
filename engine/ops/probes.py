"""Probes of the outside systems for ``resolute doctor``: connect, log in, send nothing.

Each probe returns a ``Check``; none raises for a failure it can describe. Secrets are never
part of a message: only hosts, user names and what the server said.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosmtplib
from aioimaplib import IMAP4, IMAP4_SSL, AioImapException
from tortoise import Tortoise, connections
from tortoise.exceptions import BaseORMException, ConfigurationError, DBConnectionError
from tortoise.migrations.executor import MigrationExecutor

from engine.channels.base import ChannelUnavailable
from engine.settings import Settings
from storage.db import APP, tortoise_config

TIMEOUT_S = 10.0
MAX_CLOCK_SKEW_S = 60.0


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: ✓ or ✗, what was found, and what to do if ✗."""

    title: str
    ok: bool
    detail: str
    hint: str = ""

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        text = f"{mark} {self.title}: {self.detail}"
        if not self.ok and self.hint:
            text += f"\n    → {self.hint}"
        return text


def redacted(db_url: str) -> str:
    """The URL without its user and password (up to the last ``@``) or query (``?password=``)."""
    scheme, sep, rest = db_url.partition("://")
    rest = rest.split("?", 1)[0]
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return scheme + sep + rest


async def database(settings: Settings, now: datetime) -> list[Check]:
    """Reachable, migrations current (and which would run), the database server's clock."""
    url = settings.db_url
    title = f"База данных {redacted(url)}"
    if url.startswith("sqlite://") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite://").split("?", 1)[0])
        if not path.exists():  # noqa: ASYNC240 (one stat, before any connection)
            return [
                Check(title, False, "файла ещё нет.",
                      "Создайте её: resolute apply workflows (или укажите RESOLUTE_DB_URL).")
            ]  # fmt: skip
    config = tortoise_config(url)
    try:
        async with asyncio.timeout(TIMEOUT_S):
            await Tortoise.init(config=config)
            conn = connections.get("default")
            await conn.execute_query("SELECT 1")
            steps = await MigrationExecutor(conn, {APP: config["apps"][APP]}).plan(None)
            server_now = None
            if conn.capabilities.dialect == "postgres":
                _, rows = await conn.execute_query("SELECT now() AS now")
                server_now = rows[0]["now"]
    except TimeoutError:
        return [Check(title, False, f"не ответила за {TIMEOUT_S:.0f} с.", _DB_HINT)]
    except ConfigurationError as exc:
        return [Check(title, False, f"адрес не понят: {exc}", "Проверьте RESOLUTE_DB_URL.")]
    except (OSError, DBConnectionError, BaseORMException) as exc:
        return [Check(title, False, f"недоступна: {_first_line(exc)}", _DB_HINT)]
    finally:
        with contextlib.suppress(Exception):  # a URL that never opened fails to close too
            await connections.close_all(discard=True)
    pending = [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]
    checks = [
        Check(title, not pending,
              "схема актуальна." if not pending
              else f"не применены миграции: {', '.join(pending)}.",
              "Их применит любая команда с базой, например resolute apply workflows; "
              "перед этим сделайте копию (resolute backup или pg_dump).")
    ]  # fmt: skip
    if server_now is not None:
        skew = abs((server_now - now).total_seconds())
        checks.append(
            Check("Часы сервера базы данных", skew <= MAX_CLOCK_SKEW_S,
                  f"расходятся с часами этой машины на {skew:.0f} с.",
                  "Включите синхронизацию времени (NTP, systemd-timesyncd) на обеих машинах.")
        )  # fmt: skip
    return checks


_DB_HINT = "Проверьте RESOLUTE_DB_URL, что сервер запущен и пускает этого пользователя."


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


async def telegram(settings: Settings) -> Check:
    """getMe: the token is accepted; the bot's @username and the deep-link base."""
    from engine.channels.telegram import TelegramChannel  # brings python-telegram-bot

    title = "Telegram"
    if not settings.telegram_enabled:
        return Check(title, True, "выключен (RESOLUTE_TELEGRAM_TOKEN не задан).")
    assert settings.telegram_token is not None
    channel = TelegramChannel(
        settings.telegram_token.get_secret_value(),
        settings.telegram_api_url,
        timeout_s=min(settings.telegram_timeout_s, TIMEOUT_S),
    )
    try:
        async with channel:
            if channel.outage is not None:
                return Check(title, False, f"{settings.telegram_api_url} недоступен.",
                             "Проверьте доступ к api.telegram.org (прокси, файрвол) "
                             "или RESOLUTE_TELEGRAM_API_URL.")  # fmt: skip
            username = channel.username
    except ChannelUnavailable:
        # Entering failed, so leaving is ours: close the client's HTTP sessions
        with contextlib.suppress(Exception):
            await channel.bot.shutdown()
        with contextlib.suppress(Exception):
            await channel.bot.request.shutdown()
        return Check(title, False, "токен отклонён (getMe: Unauthorized).", _TOKEN_HINT)
    return Check(
        title, True, f"бот @{username}; ссылки-приглашения: https://t.me/{username}?start=…"
    )


_TOKEN_HINT = "Возьмите токен у @BotFather и запишите в RESOLUTE_TELEGRAM_TOKEN."  # noqa: S105 (a hint, not a token)


async def max_bot(settings: Settings) -> Check:
    """GET /me: the token is accepted; the bot's name and the deep-link base."""
    from engine.channels.max import MaxChannel

    title = "MAX"
    if not settings.max_enabled:
        return Check(title, True, "выключен (RESOLUTE_MAX_TOKEN не задан).")
    assert settings.max_token is not None
    try:
        channel = MaxChannel(
            settings.max_token.get_secret_value(),
            settings.max_api_url,
            timeout_s=min(settings.max_timeout_s, TIMEOUT_S),
            ca_file=settings.max_ca_file,
        )
    except (OSError, ssl.SSLError) as exc:
        return Check(title, False, f"файл сертификатов не читается: {_first_line(exc)}",
                     "Проверьте путь в RESOLUTE_MAX_CA_FILE (PEM-файл).")  # fmt: skip
    try:
        async with channel:
            if channel.outage is not None:
                return Check(title, False, f"{settings.max_api_url} недоступен.",
                             "Проверьте доступ к API MAX (прокси, файрвол), RESOLUTE_MAX_API_URL "
                             "и доверие к сертификату (RESOLUTE_MAX_CA_FILE).")  # fmt: skip
            username = channel.username
    except ChannelUnavailable:
        return Check(title, False, "токен отклонён (GET /me: verify.token).", _MAX_TOKEN_HINT)
    link = f"https://max.ru/{username}?start=…" if username else "имя бота не получено"
    return Check(title, True, f"бот {username or '(без имени)'}; ссылки-приглашения: {link}")


_MAX_HINT = "Возьмите токен бота на платформе MAX для бизнеса (Чат-боты → Интеграция)"
_MAX_TOKEN_HINT = f"{_MAX_HINT} и запишите в RESOLUTE_MAX_TOKEN."


async def smtp(settings: Settings) -> Check:
    """Connect, STARTTLS/TLS as configured, log in, QUIT: nothing is sent."""
    title = "Почта (SMTP)"
    if not settings.smtp_host:
        return Check(title, True, "выключена (RESOLUTE_SMTP_HOST не задан).")
    security = settings.smtp_security
    port = settings.smtp_port or {"none": 25, "starttls": 587, "tls": 465}[security]
    where = f"{settings.smtp_host}:{port} ({security})"
    try:
        tls = _tls(security != "none", settings.smtp_ca_file)
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=port, use_tls=security == "tls",
            start_tls=security == "starttls", tls_context=tls, timeout=TIMEOUT_S,
        )  # fmt: skip
        await client.connect()
        try:
            if settings.smtp_username:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                await client.login(settings.smtp_username, password)
        finally:
            await client.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        return Check(title, False, f"{where}: вход отклонён ({exc.code}).",
                     "Проверьте RESOLUTE_SMTP_USERNAME и RESOLUTE_SMTP_PASSWORD.")  # fmt: skip
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError, TimeoutError) as exc:
        return Check(title, False, f"{where}: {type(exc).__name__}: {_first_line(exc)}",
                     "Проверьте RESOLUTE_SMTP_HOST, _PORT и _SECURITY (и _CA_FILE для "
                     "своего удостоверяющего центра).")  # fmt: skip
    who = f" как {settings.smtp_username}" if settings.smtp_username else " (без входа)"
    return Check(title, True, f"{where}: соединение и вход{who}; письма не отправлялись.")


async def imap(settings: Settings) -> Check:
    """Log in and select the mailbox."""
    title = "Входящая почта (IMAP)"
    if not settings.imap_host:
        return Check(
            title, True, "выключена (RESOLUTE_IMAP_HOST не задан): ответы письмом не читаются."
        )
    assert settings.imap_username is not None
    assert settings.imap_password is not None
    security = settings.imap_security
    port = settings.imap_port or (993 if security == "tls" else 143)
    where = f"{settings.imap_host}:{port}"
    client: IMAP4
    try:
        tls = _tls(security == "tls", settings.imap_ca_file)
        if tls is not None:
            client = IMAP4_SSL(settings.imap_host, port, timeout=TIMEOUT_S, ssl_context=tls)
        else:
            client = IMAP4(settings.imap_host, port, timeout=TIMEOUT_S)
        await client.wait_hello_from_server()
        try:
            login = await client.login(
                settings.imap_username, settings.imap_password.get_secret_value()
            )
            if login.result != "OK":
                refused = f"{where}: вход как {settings.imap_username} отклонён."
                return Check(title, False, refused, _IMAP_LOGIN_HINT)
            selected = await client.select(settings.imap_mailbox)
            if selected.result != "OK":
                return Check(title, False, f"{where}: папки «{settings.imap_mailbox}» нет.",
                             "Проверьте RESOLUTE_IMAP_MAILBOX (по умолчанию INBOX).")  # fmt: skip
        finally:
            await _logout(client)
    except (AioImapException, OSError, ssl.SSLError, TimeoutError) as exc:
        return Check(title, False, f"{where}: {type(exc).__name__}: {_first_line(exc)}",
                     "Проверьте RESOLUTE_IMAP_HOST, _PORT и _SECURITY.")  # fmt: skip
    return Check(
        title,
        True,
        f"{where}: вход как {settings.imap_username}, папка «{settings.imap_mailbox}» есть.",
    )


_IMAP_LOGIN_HINT = "Проверьте RESOLUTE_IMAP_USERNAME и RESOLUTE_IMAP_PASSWORD."


async def _logout(client: IMAP4) -> None:
    with contextlib.suppress(AioImapException, OSError, TimeoutError, AttributeError):
        await client.logout()


def _tls(on: bool, ca_file: str | None) -> ssl.SSLContext | None:
    return ssl.create_default_context(cafile=ca_file) if on else None
