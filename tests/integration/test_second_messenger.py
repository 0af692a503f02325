"""The inbound pipeline is every messenger's: a second one (here a recording stand-in named
"max") feeds the same events through ``inbound.take`` and gets the same cycle — linking by
invitation, identity by its own user ids, presses, dialogues apart from Telegram's chats with
the same number, evidence whose files are not copied across messengers. And Telegram's own
edges: a block update, and outbox rows queued with signed button data before intents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from engine.callbacks import Action, Press, Signer, sign
from engine.channels.base import Delivered, Keyboard
from engine.channels.events import (
    Attachment,
    Blocked,
    MessageRef,
    Pressed,
    Received,
    Started,
    Who,
    Wrote,
)
from engine.service import invites
from engine.service.answers import Answers, Front
from engine.service.apply import apply_catalog
from engine.service.inbound import Context, take
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Dialogue, Evidence, Link, Outbox, Person, Task, TaskState
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import APPLIED, SECRET, app_for, at, running, settings, words, write_workflow

NOW = at("2023-10-13T09:00+03:00")
KEY = SECRET.encode()
SIDOROV = Who("max", 7001, 111)  # MAX's dialog id 111: the number of Ivanov's Telegram chat


@dataclass
class Recording:
    """A messenger adapter that records what the engine asks of it."""

    name: str
    said: list[tuple[int, str, Keyboard]] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[MessageRef] = field(default_factory=list)

    async def answer(self, press_id: str, text: str) -> None:
        self.answers.append((press_id, text))

    async def drop_buttons(self, message: MessageRef) -> None:
        self.dropped.append(message)

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered:
        self.said.append((chat_id, html, buttons))
        return Delivered(f"{chat_id}:{len(self.said)}")

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
        await self.send(chat_id, html, buttons)

    async def send_document(
        self, chat_id: int, file_name: str, content: bytes, caption: str | None = None
    ) -> Delivered:
        return await self.send(chat_id, caption or file_name)

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered:
        raise AssertionError("nothing is copied in these tests")

    def texts(self, chat_id: int) -> list[str]:
        return [html for chat, html, _ in self.said if chat == chat_id]


class Feed:
    """Updates of both messengers through the one pipeline, answers drained after each."""

    def __init__(self) -> None:
        self.max, self.telegram = Recording("max"), Recording("telegram")
        self.front = Front(Answers({"max": self.max, "telegram": self.telegram}))
        self._ids = iter(range(1, 1000))

    async def __call__(self, event: object, now: object = NOW) -> None:
        messenger = self.max if event.who.channel == "max" else self.telegram  # type: ignore[attr-defined]
        update = Received(messenger.name, str(next(self._ids)), event)  # type: ignore[arg-type]
        assert await take(Context(messenger, KEY, self.front), update, now)  # type: ignore[arg-type]
        await self.front.answers.drain()


@pytest.fixture
async def feed(db_url: str, tmp_path: Path) -> AsyncIterator[Feed]:
    async with app_for(settings(db_url)):
        await apply_catalog(load_catalog([write_workflow(tmp_path)]), at(APPLIED))
        yield Feed()


async def _link_sidorov(feed: Feed) -> None:
    [issued] = await invites.invite_people(
        ["sidorov"], False, "b", KEY, NOW, timedelta(days=1), channel="max"
    )
    await feed(Started(SIDOROV, issued.link.split("start=")[1]))


async def test_an_invitation_links_a_max_user_who_is_then_known_by_their_max_id(
    feed: Feed,
) -> None:
    await _link_sidorov(feed)
    link = await Link.get(channel="max", user_id=7001)
    assert (link.person_id, link.chat_id) == ("sidorov", 111)
    assert feed.max.texts(111)[0].startswith("Здравствуйте, Сидоров С.С.!")
    assert (await Person.get(id="sidorov")).telegram_chat_id is None  # Telegram untouched
    # Telegram's user 111 is Ivanov; MAX's user 111 is nobody.
    await feed(Wrote(Who("max", 111, 5555), MessageRef(5555, "m1"), text="Здравствуйте"))
    assert feed.max.texts(5555) == [words("conversation.stranger")]


async def test_a_max_link_moves_with_a_new_invitation_and_a_taken_account_is_not_rebound(
    feed: Feed,
) -> None:
    await _link_sidorov(feed)
    [again] = await invites.invite_people(
        ["sidorov"], False, "b", KEY, NOW, timedelta(days=1), channel="max"
    )
    await feed(Started(Who("max", 7002, 222), again.link.split("start=")[1]))  # a new phone
    assert [(link.user_id, link.chat_id) for link in await Link.all()] == [(7002, 222)]
    [ivanov] = await invites.invite_people(
        ["ivanov"], False, "b", KEY, NOW, timedelta(days=1), channel="max"
    )
    await feed(Started(Who("max", 7002, 222), ivanov.link.split("start=")[1]))
    taken = words("invites.taken", messenger="MAX", name="Сидоров С.С.")
    assert feed.max.texts(222)[-1] == taken
    assert await Link.filter(person_id="ivanov").count() == 0


async def test_a_press_a_dialogue_and_a_report_in_max_apart_from_telegram_chat_111(
    feed: Feed,
) -> None:
    await _link_sidorov(feed)
    task = await Task.get(owner_id="sidorov")
    signed = Signer(KEY).sign(Press(Action.REPORT, task.id))
    await feed(Pressed(SIDOROV, "p-1", signed, MessageRef(111, "m2")))
    assert feed.max.answers == [("p-1", "Жду отчёт следующим сообщением.")]
    assert await Dialogue.filter(channel="max", chat_id=111).exists()
    # Ivanov writes in Telegram chat 111: not the report MAX's dialog 111 waits for.
    await feed(Wrote(Who("telegram", 111, 111), MessageRef(111, "5"), text="всё сделано"))
    assert feed.telegram.texts(111) == [words("conversation.hint")]
    assert await Evidence.all().count() == 0

    photo = Attachment("photo", "max-token-1", None, "image/jpeg", 100)
    await feed(Wrote(SIDOROV, MessageRef(111, "m3"), text="Фото", attachments=(photo,)))
    assert (await Task.get(id=task.id)).state == TaskState.REPORTED
    assert feed.max.texts(111)[-1] == words("confirm.reported")
    [piece] = await Evidence.filter(task_id=task.id)
    assert (piece.source, piece.message_ref, piece.reference) == (
        "max",
        "max:111:m3",
        "max-token-1",
    )
    # The controller reads Telegram: no copy of a MAX message, the notice says where it is.
    notice = await Outbox.get(key=f"report:{task.id}:1")
    assert notice.payload is not None
    assert notice.payload["copies"] == []
    assert "Вложений в MAX: 1 — переслать их в этот чат нельзя." in notice.payload["html"]


async def test_blocking_and_writing_again_in_max(feed: Feed) -> None:
    await _link_sidorov(feed)
    await feed(Blocked(SIDOROV, True))
    assert (await Link.get(user_id=7001)).blocked_at == NOW
    await feed(Wrote(SIDOROV, MessageRef(111, "m4"), text="/tasks", command="/tasks"))
    assert (await Link.get(user_id=7001)).blocked_at is None
    assert "Ваши открытые пункты" in feed.max.texts(111)[-1]


async def test_a_forged_press_in_max_changes_nothing(feed: Feed) -> None:
    await _link_sidorov(feed)
    task = await Task.get(owner_id="sidorov")
    forged = sign(b"another-secret-0123456789", Action.DONE, task.id)
    await feed(Pressed(SIDOROV, "p-2", forged, MessageRef(111, "m2")))
    assert feed.max.answers == [("p-2", "Эта кнопка недействительна.")]
    assert (await Task.get(id=task.id)).state == TaskState.OPEN


# --- Telegram's side -----------------------------------------------------------------------------


async def test_telegram_says_the_bot_was_blocked_and_unblocked(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    bot = {"id": 1, "is_bot": True, "first_name": "Бот"}
    user = {"id": 111, "is_bot": False, "first_name": "Иван"}

    def member(status: str) -> dict[str, object]:
        until = {"until_date": 0} if status == "kicked" else {}
        return {"my_chat_member": {
            "chat": {"id": 111, "type": "private", "first_name": "Иван"}, "from": user,
            "date": 1_697_000_000, "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": status, "user": bot, **until},
        }}  # fmt: skip

    async with running(db_url, api.url, tmp_path) as app:
        api.push_update(member("kicked"))
        await tick(app, NOW)
        assert (await Person.get(id="ivanov")).telegram_blocked_at == NOW
        api.push_update(member("member"))
        await tick(app, NOW + timedelta(minutes=1))
        assert (await Person.get(id="ivanov")).telegram_blocked_at is None


async def test_a_notice_queued_with_signed_buttons_before_intents_still_goes_out(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        task = await Task.get(owner_id="ivanov")
        old = sign(KEY, Action.ACCEPT, task.id, 1)
        await Outbox.create(
            key="old-notice", task_id=task.id, person_id="control", channel="telegram",
            kind="notice", due_at=NOW, attempt_at=NOW,
            payload={"html": "Старое уведомление", "subject": "s", "text": "t", "mail_html": "m",
                     "buttons": [[["✔️ Принять", old], ["сломанная", "не подпись"]]],
                     "copies": []},
        )  # fmt: skip
        await tick(app, NOW)
        [sent] = [m for m in api.messages_to(999) if m.plain_text == "Старое уведомление"]
        assert sent.reply_markup is not None
        [[button]] = sent.reply_markup["inline_keyboard"]
        assert (button["text"], button["callback_data"]) == ("✔️ Принять", old)


async def test_buttons_are_stored_as_intents_and_signed_as_they_go(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, NOW)
        reminder = api.messages_to(111)[-1]
        assert reminder.reply_markup is not None
        done = reminder.reply_markup["inline_keyboard"][0][0]["callback_data"]
        api.press_button(111, reminder.message_id, done)
        await tick(app, NOW + timedelta(minutes=1))
        task = await Task.get(owner_id="ivanov")
        notice = await Outbox.get(key=f"report:{task.id}:1")
        assert notice.payload is not None
        assert notice.payload["buttons"] == [
            [["✔️ Принять", "a", task.id, 1], ["↩️ Вернуть на доработку", "b", task.id, 1]]
        ]
        report = [m for m in api.messages_to(999) if "Отчёт об исполнении" in m.plain_text][-1]
        assert report.reply_markup is not None
        accept = report.reply_markup["inline_keyboard"][0][0]["callback_data"]
        assert accept == sign(KEY, Action.ACCEPT, task.id, 1)


async def test_an_invitation_opens_only_its_own_messengers_bot_and_leaves_the_others(
    feed: Feed,
) -> None:
    """Review finding: issuing MAX links cancelled the Telegram ones mailed before, and a MAX
    link's token linked a Telegram account."""
    [telegram] = await invites.invite_people(["sidorov"], False, "b", KEY, NOW, timedelta(days=1))
    [on_max] = await invites.invite_people(
        ["sidorov"], False, "b", KEY, NOW, timedelta(days=1), channel="max"
    )
    await feed(Started(Who("telegram", 9009, 9009), on_max.link.split("start=")[1]))
    assert (await Person.get(id="sidorov")).telegram_chat_id is None  # refused: MAX's token
    await feed(Started(SIDOROV, telegram.link.split("start=")[1]))
    assert await Link.filter(person_id="sidorov").count() == 0  # refused: Telegram's token
    await feed(Started(SIDOROV, on_max.link.split("start=")[1]))
    assert await Link.filter(person_id="sidorov").count() == 1
