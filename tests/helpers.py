"""Small builders shared by the integration and acceptance tests."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

from engine.settings import Settings

SECRET = "test-secret-not-for-production"

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


def settings(db_url: str, api_url: str | None = None, token: str = "123456:TEST") -> Settings:
    values: dict[str, object] = {"db_url": db_url, "secret": SECRET}
    if api_url is not None:
        values |= {"telegram_token": token, "telegram_api_url": api_url}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def button_data(message: object) -> str:
    """The callback data of the first button under a sent message."""
    markup = message.reply_markup  # type: ignore[attr-defined]
    assert markup is not None, "the message has no keyboard"
    return str(markup["inline_keyboard"][0][0]["callback_data"])
