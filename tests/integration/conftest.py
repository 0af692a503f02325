"""Fixtures for tests that drive the app against the loopback Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import CHATS


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API, with every chat of the test roster started."""
    async with FakeBotAPI() as fake:
        for chat in CHATS.values():
            fake.add_chat(chat)
        yield fake
