"""One conversation, either messenger: a driver over the Telegram fake and one over the MAX fake
with the same verbs, so that a scenario is written once and run on both.

The people are those of ``tests/helpers.py``: on Telegram as the roster there has them (chats
111, 222, 999), on MAX with the roster's ``max:`` ids instead (users 7111, 7222, 7999, each of
whom has opened the bot). Sidorov is on neither until invited: he joins as chat 333 / user 7333.
The verbs speak of people by their roster id; ``pump`` runs a tick, which reads what they did.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from engine.app import App
from engine.channels.telegram_text import plain_text
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.max_api import FakeMaxAPI
from tests.helpers import APPLIED, CHATS, ROSTER, VirtualClock, at, settings, write_workflow

MESSENGERS = ["telegram", "max"]
TELEGRAM_USERS = CHATS | {"sidorov": 333}
MAX_USERS = {person: 7000 + chat for person, chat in TELEGRAM_USERS.items()}
MAX_ROSTER = ROSTER
for _person, _chat in CHATS.items():
    MAX_ROSTER = MAX_ROSTER.replace(f"telegram: {_chat}", f"max: {MAX_USERS[_person]}")


class Driver(Protocol):
    name: str
    app: App

    async def pump(self, now: datetime) -> None: ...
    def start(self, person: str, token: str | None = None) -> None: ...
    def write(self, person: str, text: str) -> None: ...
    def photo(self, person: str, caption: str = "") -> None: ...
    def file(self, person: str, name: str = "акт.pdf") -> None: ...
    def press(self, person: str, label: str) -> None: ...
    def press_data(self, person: str, data: str) -> None: ...
    def block(self, person: str) -> None: ...
    def texts(self, person: str) -> list[str]: ...
    def answers(self) -> list[str]: ...
    def buttons(self, person: str) -> list[str]: ...
    def copies(self, person: str) -> int: ...


class _Base:
    name = ""
    app: App

    async def pump(self, now: datetime) -> None:
        await tick(self.app, now)


class TelegramDriver(_Base):
    name = "telegram"

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    def start(self, person: str, token: str | None = None) -> None:
        chat = TELEGRAM_USERS[person]
        self.api.add_chat(chat)
        self.api.send_text(chat, "/start" + (f" {token}" if token else ""))

    def write(self, person: str, text: str) -> None:
        self.api.send_text(TELEGRAM_USERS[person], text)

    def photo(self, person: str, caption: str = "") -> None:
        self.api.send_photo(TELEGRAM_USERS[person], caption=caption or None)

    def file(self, person: str, name: str = "акт.pdf") -> None:
        self.api.send_document(TELEGRAM_USERS[person], file_name=name)

    def _keyed(self, person: str) -> list[tuple[int, list[dict[str, Any]]]]:
        chat = TELEGRAM_USERS[person]
        return [
            (m.message_id, [b for row in m.reply_markup["inline_keyboard"] for b in row])
            for m in self.api.messages_to(chat)
            if m.reply_markup and "inline_keyboard" in m.reply_markup
        ]

    def press(self, person: str, label: str) -> None:
        for message_id, buttons in reversed(self._keyed(person)):
            for button in buttons:
                if label in button["text"]:
                    self.api.press_button(
                        TELEGRAM_USERS[person], message_id, button["callback_data"]
                    )
                    return
        raise AssertionError(f"no button «{label}» under {person}'s messages")

    def press_data(self, person: str, data: str) -> None:
        message_id, _ = self._keyed(person)[-1]
        self.api.press_button(TELEGRAM_USERS[person], message_id, data)

    def block(self, person: str) -> None:
        self.api.block(TELEGRAM_USERS[person])

    def texts(self, person: str) -> list[str]:
        return [m.plain_text for m in self.api.messages_to(TELEGRAM_USERS[person])]

    def answers(self) -> list[str]:
        return [a.text or "" for a in self.api.callback_answers]

    def buttons(self, person: str) -> list[str]:
        keyed = self._keyed(person)
        return [b["text"] for b in keyed[-1][1]] if keyed else []

    def copies(self, person: str) -> int:
        """How many of the users' messages the bot copied into this person's chat."""
        return sum(1 for m in self.api.messages_to(TELEGRAM_USERS[person]) if m.copied_from)


class MaxDriver(_Base):
    name = "max"

    def __init__(self, api: FakeMaxAPI) -> None:
        self.api = api
        for user in MAX_USERS.values():
            if user != MAX_USERS["sidorov"]:
                api.add_user(user)

    def start(self, person: str, token: str | None = None) -> None:
        self.api.start(MAX_USERS[person], token)

    def write(self, person: str, text: str) -> None:
        self.api.send_text(MAX_USERS[person], text)

    def photo(self, person: str, caption: str = "") -> None:
        self.api.send_photo(MAX_USERS[person], caption=caption)

    def file(self, person: str, name: str = "акт.pdf") -> None:
        self.api.send_file(MAX_USERS[person], file_name=name)

    def _dialog(self, person: str) -> int:
        return self.api.dialog_of(MAX_USERS[person])

    def _keyed(self, person: str) -> list[tuple[str, list[dict[str, Any]]]]:
        return [
            (m.mid, [b for row in m.keyboard for b in row])
            for m in self.api.messages_to(self._dialog(person))
            if m.keyboard
        ]

    def press(self, person: str, label: str) -> None:
        for mid, buttons in reversed(self._keyed(person)):
            for button in buttons:
                if label in button["text"]:
                    self.api.press(MAX_USERS[person], mid, button["payload"])
                    return
        raise AssertionError(f"no button «{label}» under {person}'s messages")

    def press_data(self, person: str, data: str) -> None:
        mid, _ = self._keyed(person)[-1]
        self.api.press(MAX_USERS[person], mid, data)

    def block(self, person: str) -> None:
        self.api.block(MAX_USERS[person])

    def texts(self, person: str) -> list[str]:
        return [plain_text(m.text or "") for m in self.api.messages_to(self._dialog(person))]

    def answers(self) -> list[str]:
        return [a.notification or "" for a in self.api.answers]

    def buttons(self, person: str) -> list[str]:
        keyed = self._keyed(person)
        return [b["text"] for b in keyed[-1][1]] if keyed else []

    def copies(self, person: str) -> int:
        messages = self.api.messages_to(self._dialog(person))
        return sum(1 for m in messages if m.link and m.link.get("type") == "forward")


@contextlib.asynccontextmanager
async def conversation(name: str, db_url: str, folder: Path, **more: object) -> AsyncIterator[Any]:
    """The app on ``name``'s fake with the test workflow applied on 6 October; yields the
    driver. ``more``: further settings (e.g. SMTP's)."""
    clock = VirtualClock()
    async with contextlib.AsyncExitStack() as stack:
        driver: TelegramDriver | MaxDriver
        if name == "telegram":
            tg = await stack.enter_async_context(FakeBotAPI())
            for chat in CHATS.values():
                tg.add_chat(chat)
            driver = TelegramDriver(tg)
            values = settings(db_url, tg.url, **more)
        else:
            fake = await stack.enter_async_context(FakeMaxAPI())
            driver = MaxDriver(fake)
            values = settings(db_url, max_token=fake.token, max_api_url=fake.url, **more)
        from engine.channels.pacing import Pacer

        app = App(values, pacer=Pacer(clock=clock, sleep=clock.sleep), clock=clock,
                  sleep=clock.sleep)  # fmt: skip
        driver.app = await stack.enter_async_context(app)
        write_workflow(folder)
        if name == "max":
            (folder / "roster.yaml").write_text(MAX_ROSTER, encoding="utf-8")
        await apply_catalog(load_catalog([folder]), at(APPLIED))
        # The first poll: MAX, asked without a marker, gives only its latest update (and the
        # marker to go on from), so the service has polled once before anyone writes.
        await driver.pump(at(APPLIED))
        yield driver
