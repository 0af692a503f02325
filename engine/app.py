"""The one place that wires everything: settings → database, renderer, channels."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from types import TracebackType

from engine.callbacks import Signer
from engine.channels.email import SmtpChannel
from engine.channels.imap import ImapMailbox
from engine.channels.max.messenger import MaxMessenger, max_channel
from engine.channels.pacing import Pacer
from engine.channels.telegram import TelegramChannel
from engine.render import Renderer
from engine.service.delivery import Outlets
from engine.settings import Settings
from engine.texts import Texts
from storage.db import database


class App:
    """Owns the open resources for one command or one service run.

    ``channels=False`` opens only the database (validate/apply/status need no Telegram).
    ``pacer``: Telegram's pacing, on the wall clock unless one is given (tests give one on a
    virtual clock, so that spacing messages 1.1 s apart per chat costs them no time).
    ``clock``/``sleep``: what MAX's pacing runs on (the same, for tests).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        channels: bool = True,
        pacer: Pacer | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._channels = channels
        self._pacer = pacer
        self._clock, self._sleep = clock, sleep
        self._stack = AsyncExitStack()
        self.telegram: TelegramChannel | None = None
        self.max: MaxMessenger | None = None
        self.email: SmtpChannel | None = None
        self.inbox: ImapMailbox | None = None
        self.renderer = Renderer.for_settings(settings)
        self.texts = Texts.for_settings(settings)
        self.secret = b""

    async def __aenter__(self) -> App:
        await self._stack.__aenter__()
        try:
            s = self.settings
            if self._channels and (s.telegram_enabled or s.email_enabled or s.max_enabled):
                self.secret = self.settings.require_secret()
            await self._stack.enter_async_context(database(self.settings.db_url))
            if self._channels and self.settings.telegram_enabled:
                assert self.settings.telegram_token is not None
                self.telegram = await self._stack.enter_async_context(
                    TelegramChannel(
                        self.settings.telegram_token.get_secret_value(),
                        self.settings.telegram_api_url,
                        timeout_s=self.settings.telegram_timeout_s,
                        pacer=self._pacer,
                        signer=Signer(self.secret),
                    )
                )
            if self._channels and s.max_enabled:
                channel = max_channel(s, Signer(self.secret), clock=self._clock, sleep=self._sleep)
                self.max = MaxMessenger(await self._stack.enter_async_context(channel))
            if self._channels and self.settings.email_enabled:
                self.email = await self._stack.enter_async_context(self._smtp())
            if self._channels and self.settings.imap_enabled:
                self.inbox = self._imap()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    def _smtp(self) -> SmtpChannel:
        s = self.settings
        assert s.smtp_host is not None
        assert s.smtp_from is not None
        return SmtpChannel(
            s.smtp_host,
            port=s.smtp_port,
            security=s.smtp_security,
            sender=s.smtp_from,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            ca_file=s.smtp_ca_file,
            timeout_s=s.smtp_timeout_s,
            pool_size=s.smtp_pool_size,
            secret=self.secret,
        )

    def _imap(self) -> ImapMailbox:
        s = self.settings
        assert s.imap_host is not None
        assert s.imap_username is not None
        assert s.imap_password is not None
        return ImapMailbox(
            s.imap_host,
            port=s.imap_port,
            security=s.imap_security,
            username=s.imap_username,
            password=s.imap_password.get_secret_value(),
            mailbox=s.imap_mailbox,
            ca_file=s.imap_ca_file,
            timeout_s=s.imap_timeout_s,
        )

    @property
    def outlets(self) -> Outlets:
        return Outlets(telegram=self.telegram, max=self.max, email=self.email)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.__aexit__(exc_type, exc, tb)
