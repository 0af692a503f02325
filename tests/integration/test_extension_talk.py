"""Asking for more time as an official types it (issue 13, points 5-6), through the loopback
Bot API: relative phrases, a date that has passed, a far date asked back yes/no, and a "reason"
that is only a date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from engine.app import App
from engine.service.tick import tick
from storage.models import Extension
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import at, running, words

# The test clause's deadline is moved to 21.02.2024; «today» is 19.02.2024, as in the issue.
MORNING = at("2024-02-19T09:00+03:00")


def minutes(n: int) -> datetime:
    return MORNING + timedelta(minutes=n)


def button(message: SentMessage, label: str) -> str:
    assert message.reply_markup is not None, f"no keyboard under {message.plain_text!r}"
    for row in message.reply_markup["inline_keyboard"]:
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} under {message.plain_text!r}")


async def ask_for_time(app: App, api: FakeBotAPI) -> None:
    await tick(app, MORNING)  # the -1d... the reminders up to now
    reminder = next(m for m in reversed(api.messages_to(111)) if m.reply_markup)
    api.press_button(111, reminder.message_id, button(reminder, "Нужна отсрочка"))
    await tick(app, minutes(1))


async def say(app: App, api: FakeBotAPI, text: str, n: int) -> SentMessage:
    api.send_text(111, text)
    await tick(app, minutes(n))
    return api.messages_to(111)[-1]


async def test_the_prompt_gives_examples_from_the_task_not_a_past_year(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path, deadline="2024-02-21") as app:
        await ask_for_time(app, api)
        prompt = api.messages_to(111)[-1].plain_text
        assert "Сейчас срок — 21.02.2024" in prompt
        assert "«до 6 марта», «06.03.2024», «на неделю»" in prompt
        assert "2023" not in prompt
        garbled = await say(app, api, "когда-нибудь", 2)
        assert "«до 6 марта», «06.03.2024»" in garbled.plain_text


async def test_a_passed_day_is_refused_and_a_date_as_reason_is_a_correction(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path, deadline="2024-02-21") as app:
        await ask_for_time(app, api)
        refused = await say(app, api, "до 10 февраля", 2)  # not 10.02.2025
        assert refused.plain_text.startswith("Новый срок должен быть позже нынешнего (21.02.2024)")
        asked = await say(app, api, "на неделю", 3)  # a week after the deadline
        assert asked.plain_text.startswith("Новый срок — 28.02.2024. Коротко напишите причину")
        corrected = await say(app, api, "20.02.2024", 4)  # typed as the "reason"
        assert corrected.plain_text.startswith("Это похоже на дату, а не на причину.")
        assert "позже нынешнего (21.02.2024)" in corrected.plain_text
        assert await Extension.all().count() == 0  # nothing reached the controller
        again = await say(app, api, "до первого марта", 5)
        assert again.plain_text.startswith("Новый срок — 01.03.2024.")
        sent = await say(app, api, "Ждём данные от первичных организаций", 6)
        assert sent.plain_text.startswith("Просьба об отсрочке до 01.03.2024 передана")
        asked = api.messages_to(999)[-1].plain_text
        assert "21.02.2024 → 01.03.2024" in asked
        assert "Причина: Ждём данные от первичных организаций" in asked


async def test_a_far_date_is_asked_back_with_yes_and_no(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path, deadline="2024-02-21") as app:
        await ask_for_time(app, api)
        question = await say(app, api, "до 10 сентября", 2)
        assert question.plain_text.startswith("Новый срок — 10.09.2024, это через 204 дня")
        api.press_button(111, question.message_id, button(question, "Нет"))
        await tick(app, minutes(3))
        assert api.callback_answers[-1].text == words("extension.other")
        assert api.messages_to(111)[-1].plain_text.startswith("Хорошо. Напишите другую дату")
        assert api.edits[-1].reply_markup is None  # the question's buttons are gone
        question = await say(app, api, "в следующую пятницу", 4)
        assert question.plain_text.startswith("Новый срок — 01.03.2024. Коротко")  # near: no ask
        await say(app, api, "/cancel", 5)
        reminder = next(
            m
            for m in reversed(api.messages_to(111))
            if m.reply_markup and "Нужна" in str(m.reply_markup)
        )
        api.press_button(111, reminder.message_id, button(reminder, "Нужна отсрочка"))
        await tick(app, minutes(6))
        question = await say(app, api, "через полгода", 7)
        assert "Всё верно?" in question.plain_text
        api.press_button(111, question.message_id, button(question, "Да"))
        await tick(app, minutes(8))
        assert api.callback_answers[-1].text == words("extension.confirmed")
        assert api.messages_to(111)[-1].plain_text.startswith("Новый срок — 19.08.2024. Коротко")
        api.press_button(111, question.message_id, button(question, "Да"))  # pressed again
        await tick(app, minutes(9))
        assert api.callback_answers[-1].text == words("extension.question_stale")
        await say(app, api, "Ремонт помещения", 10)
        request = await Extension.get()
        assert request.requested_to == date(2024, 8, 19)
