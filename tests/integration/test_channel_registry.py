"""The channel registry carries a third messenger with no engine change: a test-only "fakechat"
addressed through link rows, sent by a tiny in-memory sender, routed by a person's ``channels:``
order, falling back to e-mail when it says the person is unreachable (marked blocked in their
link row), and named in the controller's «Нет связи»."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from engine.channels.base import Delivered, DeliveryError
from engine.channels.email import Mail
from engine.channels.registry import CHANNELS, messenger
from engine.errors import WorkflowError
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.cycle import TickReport, advance
from engine.service.delivery import Keyboard, Outlets
from engine.workflow.catalog import load_catalog
from storage.models import Link, Outbox, OutboxStatus
from tests.helpers import at, write_workflow

SECRET = b"test-secret"
ROSTER = """\
people:
  - id: ivanov
    name: Иванов И.И.
    email: ivanov@example.org
    channels: [fakechat, email]
  - id: control
    name: Контролёва К.К.
    email: control@example.org
groups:
  - id: chairs
    members: [ivanov]
"""


class FakeChat:
    """Accepts every message, or says the person blocked the bot."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, Keyboard]] = []
        self.blocked = False

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        if self.blocked:
            raise DeliveryError("blocked", permanent=True, recipient_unreachable=True)
        self.sent.append((chat_id, html, buttons))
        return Delivered(f"{chat_id}:{len(self.sent)}")

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int) -> Delivered:
        return await self.send(chat_id, "")


class Mailbox:
    from_address = "robot@example.org"

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail, now: datetime) -> Delivered:
        self.sent.append(mail)
        return Delivered(f"<{len(self.sent)}@example.org>")


@pytest.fixture
def fakechat() -> Iterator[None]:
    with CHANNELS.registered(messenger("fakechat", "FakeChat")):
        yield


async def _setup(folder: Path) -> None:
    write_workflow(folder, owners="ivanov")
    (folder / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    await apply_catalog(load_catalog([folder]), at("2023-10-06T10:00+03:00"))
    await Link.create(
        channel="fakechat",
        user_id=5,
        chat_id=55,
        person_id="ivanov",
        linked_at=at("2023-10-06T10:00+03:00"),
    )


async def test_a_registered_messenger_gets_messages_by_the_persons_channel_order(
    db: str, tmp_path: Path, fakechat: None
) -> None:
    await _setup(tmp_path)
    chat, mail = FakeChat(), Mailbox()
    outlets = Outlets(fakechat=chat, email=mail)
    await advance(TickReport(), at("2023-10-13T09:00+03:00"), outlets, Renderer(), SECRET)
    [(chat_id, html, buttons)] = chat.sent
    assert chat_id == 55
    assert "напоминаем" in html
    assert len(buttons) == 3
    assert mail.sent == []
    [row] = await Outbox.filter(kind="reminder")
    assert (row.channel, row.status) == ("fakechat", OutboxStatus.SENT)


async def test_unreachable_falls_back_to_email_marks_the_link_and_tells_the_controller(
    db: str, tmp_path: Path, fakechat: None
) -> None:
    await _setup(tmp_path)
    chat, mail = FakeChat(), Mailbox()
    chat.blocked = True
    outlets = Outlets(fakechat=chat, email=mail)
    await advance(TickReport(), at("2023-10-13T09:00+03:00"), outlets, Renderer(), SECRET)
    [reminder] = mail.sent  # in the same pass, by the next channel of the person's order
    assert reminder.to_address == "ivanov@example.org"
    link = await Link.get(channel="fakechat", person_id="ivanov")
    assert link.blocked_at == at("2023-10-13T09:00+03:00")
    [row] = await Outbox.filter(kind="reminder")
    assert (row.channel, row.status) == ("email", OutboxStatus.SENT)

    await advance(TickReport(), at("2023-10-19T09:00+03:00"), outlets, Renderer(), SECRET)
    assert mail.sent[-1].to_address == "ivanov@example.org"  # no second try on the blocked one
    await advance(TickReport(), at("2023-10-21T09:30+03:00"), outlets, Renderer(), SECRET)
    [digest] = [m for m in mail.sent if m.to_address == "control@example.org"]
    unreachable = digest.text.split("НЕТ СВЯЗИ С ИСПОЛНИТЕЛЯМИ")[1]
    assert "Иванов И.И." in unreachable
    assert "бот в FakeChat заблокирован 13.10; получает письма" in unreachable


async def test_an_unregistered_channel_in_the_roster_is_refused(tmp_path: Path) -> None:
    write_workflow(tmp_path, owners="ivanov")
    (tmp_path / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    with pytest.raises(WorkflowError, match="fakechat"):
        load_catalog([tmp_path])
