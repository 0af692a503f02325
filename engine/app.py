"""The one place that wires everything: settings → database, renderer, channels."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType

from engine.channels.telegram import TelegramChannel
from engine.render import Renderer
from engine.settings import Settings
from storage.db import database


class App:
    """Owns the open resources for one command or one service run.

    ``channels=False`` opens only the database (validate/apply/status need no Telegram).
    """

    def __init__(self, settings: Settings, *, channels: bool = True) -> None:
        self.settings = settings
        self._channels = channels
        self._stack = AsyncExitStack()
        self.telegram: TelegramChannel | None = None
        self.renderer = Renderer(
            Path(settings.templates_dir) if settings.templates_dir else Path("templates")
        )
        self.secret = b""

    async def __aenter__(self) -> App:
        await self._stack.__aenter__()
        try:
            if self._channels and self.settings.telegram_enabled:
                self.secret = self.settings.require_secret()
            await self._stack.enter_async_context(database(self.settings.db_url))
            if self._channels and self.settings.telegram_enabled:
                assert self.settings.telegram_token is not None
                self.telegram = await self._stack.enter_async_context(
                    TelegramChannel(
                        self.settings.telegram_token.get_secret_value(),
                        self.settings.telegram_api_url,
                        timeout_s=self.settings.telegram_timeout_s,
                    )
                )
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.__aexit__(exc_type, exc, tb)
