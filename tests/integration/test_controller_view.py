"""What the controller sees and does (issue 13, points 1, 3, 4 and 7), through the loopback Bot
API: every piece of a report's round in front of them, a text reply that returns a report, one
notice per album, and a command menu per chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from engine.app import App
from engine.service.menus import set_menus
from engine.service.tick import tick
from storage.models import Task, TaskState
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import at, running, words

MINUS_7 = at("2023-10-13T09:00+03:00")


def minutes(n: int) -> datetime:
    return MINUS_7 + timedelta(minutes=n)


def button(message: SentMessage, label: str) -> str:
    assert message.reply_markup is not None, f"no keyboard under {message.plain_text!r}"
    for row in message.reply_markup["inline_keyboard"]:
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} under {message.plain_text!r}")


async def press(
    app: App, api: FakeBotAPI, chat: int, message: SentMessage, label: str, when: datetime
) -> None:
    api.press_button(chat, message.message_id, button(message, label))
    await tick(app, when)


def last(api: FakeBotAPI, chat: int) -> SentMessage:
    return api.messages_to(chat)[-1]


async def test_a_text_reply_to_a_report_returns_it_with_the_comment(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        await press(app, api, 111, last(api, 111), "Выполнено", minutes(1))
        report = last(api, 999)
        assert "Отчёт об исполнении" in report.plain_text
        api.send_text(999, "Приложите список адресатов.", reply_to_message_id=report.message_id)
        await tick(app, minutes(2))
        assert last(api, 999).plain_text == words("evidence.returned_with_comment")
        task = await Task.get(owner_id="ivanov")
        assert (task.state, task.reports) == (TaskState.OPEN, 1)
        returned = last(api, 111)  # one message: the return, the comment, the buttons
        assert "вернул ваш отчёт на доработку" in returned.plain_text
        assert "Комментарий контролёра: Приложите список адресатов." in returned.plain_text
        assert button(returned, "Выполнено")  # the owner has the buttons back
        # A reply to the same (now decided) report is only a comment: nothing changes.
        api.send_text(999, "И фото, пожалуйста.", reply_to_message_id=report.message_id)
        await tick(app, minutes(3))
        assert last(api, 999).plain_text == words("evidence.comment_sent")
        assert "И фото, пожалуйста." in last(api, 111).plain_text
        assert (await Task.get(owner_id="ivanov")).state == TaskState.OPEN


async def test_evidence_sent_before_done_reaches_the_controller_with_the_report(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        photo = api.send_photo(111, caption="Реестр", reply_to_message_id=reminder.message_id)
        document = api.send_document(
            111, file_name="рекомендации.pdf", reply_to_message_id=reminder.message_id
        )
        album = [
            api.send_photo(111, media_group_id="a-1", reply_to_message_id=reminder.message_id)
            for _ in range(3)
        ]
        await tick(app, minutes(1))
        answers = [m.plain_text for m in api.messages_to(111)[1:]]
        assert len(answers) == 3  # the photo, the document, and the album once
        assert all(a.startswith("Приложено к пункту A.1") for a in answers)
        await press(app, api, 111, reminder, "Выполнено", minutes(2))
        *copies, report = api.messages_to(999)
        assert [c.copied_from for c in copies] == [
            (111, photo), (111, document), *((111, m) for m in album)
        ]  # fmt: skip
        assert "Вложений: 5 — копии выше." in report.plain_text
        assert "Текст отчёта: Реестр" in report.plain_text


async def test_a_second_round_shows_what_is_new_and_the_first_apart(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Отправить отчёт", minutes(1))
        api.send_text(111, "Рекомендации разосланы")
        await tick(app, minutes(2))
        first = last(api, 999)
        await press(app, api, 999, first, "Вернуть", minutes(3))
        await press(app, api, 111, reminder, "Отправить отчёт", minutes(4))
        api.send_document(111, file_name="список.xlsx", caption="Список адресатов")
        await tick(app, minutes(5))
        copy, second = api.messages_to(999)[-2:]
        assert copy.copied_from is not None
        text = second.plain_text
        assert "Отчёт об исполнении (отчёт 2)" in text
        assert "Текст отчёта: Рекомендации" not in text  # round one's words are not new
        assert "Вложений: 1 — копии выше." in text
        assert "Ранее, в отчёте 1: Рекомендации разосланы." in text


async def test_an_album_gets_one_answer_and_the_controller_one_notice(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Отправить отчёт", minutes(1))
        first = [api.send_photo(111, media_group_id="a-1") for _ in range(3)]
        await tick(app, minutes(2))
        *copies, report = api.messages_to(999)
        assert [c.copied_from for c in copies] == [(111, m) for m in first]
        assert "Вложений: 3 — копии выше." in report.plain_text
        assert not any("Дополнение" in m.plain_text for m in api.messages_to(999))

        second = [
            api.send_photo(111, media_group_id="a-2", reply_to_message_id=reminder.message_id)
            for _ in range(2)
        ]
        await tick(app, minutes(3))
        said = [m.plain_text for m in api.messages_to(111)]
        assert said.count(words("evidence.added_to_report")) == 1
        *copies, addition = api.messages_to(999)[len(first) + 1 :]
        assert [c.copied_from for c in copies] == [(111, m) for m in second]
        assert "Дополнение к отчёту по пункту A.1" in addition.plain_text
        assert "Исполнитель: Иванов И.И." in addition.plain_text  # no «от Иванов И.И.»
        assert "копии выше" in addition.plain_text


async def test_the_command_menu_shows_status_to_controllers_only(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        assert app.telegram is not None
        assert await set_menus(app.telegram, app.texts) == 1
    everyone = [c["command"] for c in api.commands()]
    controller = [c["command"] for c in api.commands({"type": "chat", "chat_id": 999})]
    official = api.commands({"type": "chat", "chat_id": 111})
    assert everyone == ["tasks", "cancel", "help"]
    assert controller == ["tasks", "status", "report", "cancel", "help"]
    assert official == []  # the default menu applies: no /status
