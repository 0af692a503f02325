"""What the controller sees and does (issue 13, points 1, 3, 4 and 7), through the loopback Bot
API: every piece of a report's round in front of them, a text reply that returns a report, one
notice per album, and a command menu per chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from engine.app import App
from engine.service import conversation
from engine.service.tick import tick
from storage.models import Task, TaskState
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import at, running

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
        assert last(api, 999).plain_text == conversation.RETURNED_WITH_COMMENT
        task = await Task.get(owner_id="ivanov")
        assert (task.state, task.reports) == (TaskState.OPEN, 1)
        returned, comment = api.messages_to(111)[-2:]
        assert "вернул ваш отчёт на доработку" in returned.plain_text
        assert button(returned, "Выполнено")  # the owner has the buttons back
        assert "Приложите список адресатов." in comment.plain_text
        # A reply to the same (now decided) report is only a comment: nothing changes.
        api.send_text(999, "И фото, пожалуйста.", reply_to_message_id=report.message_id)
        await tick(app, minutes(3))
        assert last(api, 999).plain_text == conversation.COMMENT_SENT
        assert "И фото, пожалуйста." in last(api, 111).plain_text
        assert (await Task.get(owner_id="ivanov")).state == TaskState.OPEN
