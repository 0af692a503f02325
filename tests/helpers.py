"""Small builders shared by the integration and acceptance tests."""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from engine.app import App
from engine.channels.pacing import Pacer
from engine.service.apply import apply_catalog
from engine.settings import Settings
from engine.texts import builtin_texts
from engine.workflow.catalog import load_catalog

SECRET = "test-secret-not-for-production"
CHATS = {"ivanov": 111, "petrova": 222, "control": 999}  # sidorov has no Telegram
APPLIED = "2023-10-06T10:00+03:00"  # when the test workflow is applied
words = builtin_texts().plain  # a built-in text, as the tests expect it word for word

ROSTER = """\
people:
  - id: ivanov
    name: Иванов И.И.
    organisation: Подольская территориальная организация
    telegram: 111
  - id: petrova
    name: Петрова П.П.
    telegram: 222
  - id: sidorov
    name: Сидоров С.С.
    email: sidorov@example.org
  - id: control
    name: Контролёва К.К.
    telegram: 999
groups:
  - id: chairs
    members: [ivanov, petrova, sidorov]
"""

RESOLUTION = """\
resolution:
  id: r-1
  title: О мерах <по> улучшению & развитию
  number: "1-1"
  adopted: 2023-10-05
  timezone: Europe/Moscow
  controller: control
policy:
  remind: [-7d, -1d, 0d]
  remind_at: "09:00"
  acceptance: {acceptance}
clauses:
  - id: A.1
    text: Разработать <b>рекомендации</b> & разослать их.
    owners: [{owners}]
    deadline: {deadline}
"""


def write_workflow(
    folder: Path,
    *,
    owners: str = "chairs",
    deadline: str = "2023-10-20",
    acceptance: str = "controller",
) -> Path:
    """A roster and a one-clause resolution in ``folder``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    (folder / "r-1.yaml").write_text(
        textwrap.dedent(RESOLUTION).format(owners=owners, deadline=deadline, acceptance=acceptance),
        encoding="utf-8",
    )
    return folder


def at(iso: str) -> datetime:
    """An aware instant from ISO 8601 with an offset, in UTC."""
    moment = datetime.fromisoformat(iso)
    assert moment.tzinfo is not None, "give the offset: time is an argument, never local"
    return moment.astimezone(UTC)


def settings(
    db_url: str, api_url: str | None = None, token: str = "123456:TEST", **more: object
) -> Settings:
    """Settings for a test: the database, Telegram at ``api_url`` if given, anything else
    (e.g. ``smtp_host=…``) as keyword arguments."""
    values: dict[str, object] = {"db_url": db_url, "secret": SECRET, **more}
    if api_url is not None:
        values |= {"telegram_token": token, "telegram_api_url": api_url}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def smtp_settings(smtp: object) -> dict[str, object]:
    """Settings that point the app at a FakeSMTP."""
    security = smtp.security  # type: ignore[attr-defined]
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,  # type: ignore[attr-defined]
        "smtp_security": security,
        "smtp_from": "Контроль исполнения <robot@example.org>",
        "smtp_timeout_s": 5.0,
    }
    if security != "none":
        values["smtp_ca_file"] = str(smtp.ca_path)  # type: ignore[attr-defined]
    return values


def button_data(message: object) -> str:
    """The callback data of the first button under a sent message."""
    markup = message.reply_markup  # type: ignore[attr-defined]
    assert markup is not None, "the message has no keyboard"
    return str(markup["inline_keyboard"][0][0]["callback_data"])


class VirtualClock:
    """Monotonic seconds that move only when something sleeps: waiting costs no wall time.

    A sleeper wakes at once with the clock at (at least) the moment it waited for, so the
    pacer's order and spacing hold in virtual time while the tests run at CPU speed.
    """

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def app_for(settings: Settings) -> App:
    """The app as a test uses it: Telegram pacing on a virtual clock."""
    clock = VirtualClock()
    return App(settings, pacer=Pacer(clock=clock, sleep=clock.sleep))


@contextlib.asynccontextmanager
async def running(db_url: str, api_url: str, folder: Path, **workflow: str) -> AsyncIterator[App]:
    """The app wired to a (fake) Bot API, with the test workflow applied on 6 October."""
    async with app_for(settings(db_url, api_url)) as app:
        await apply_catalog(load_catalog([write_workflow(folder, **workflow)]), at(APPLIED))
        yield app
