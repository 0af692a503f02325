"""The conversation, once, on both messengers: each scenario runs against the Telegram fake and
the MAX fake through the same driver verbs (tests/messengers.py) and the real adapters, the
polling, the pipeline and the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.callbacks import Action, sign
from engine.service import invites
from engine.service.apply import apply_catalog
from engine.workflow.catalog import load_catalog
from storage.models import Evidence, Extension, ExtensionState, Link, Person, Task, TaskState
from tests.fakes.mail import FakeSMTP
from tests.helpers import SECRET, at, smtp_settings
from tests.messengers import MAX_USERS, MESSENGERS, TELEGRAM_USERS, conversation

NOW = at("2023-10-10T12:00+03:00")  # no reminder is due: what is sent answers them
KEY = SECRET.encode()


@pytest.fixture(params=MESSENGERS)
async def chat(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    async with conversation(request.param, db_url, tmp_path) as driver:
        yield driver


async def _linked(driver: Any, person: str) -> bool:
    if driver.name == "telegram":
        return (await Person.get(id=person)).telegram_chat_id == TELEGRAM_USERS[person]
    return await Link.filter(channel="max", person_id=person, user_id=MAX_USERS[person]).exists()


async def test_an_invitation_links_the_person_who_opens_it(chat: Any) -> None:
    [issued] = await invites.invite_people(
        ["sidorov"], False, "resolute_bot", KEY, NOW, timedelta(days=3), channel=chat.name
    )
    host = "t.me" if chat.name == "telegram" else "max.ru"
    assert issued.link.startswith(f"https://{host}/resolute_bot?start=")
    chat.start("sidorov", issued.link.split("start=")[1])
    await chat.pump(NOW)
    assert await _linked(chat, "sidorov")
    assert any(t.startswith("Здравствуйте, Сидоров С.С.!") for t in chat.texts("sidorov"))
    chat.write("sidorov", "/tasks")
    await chat.pump(NOW + timedelta(minutes=1))
    assert "Ваши открытые пункты" in chat.texts("sidorov")[-1]


async def test_done_from_the_task_list_is_reported_to_the_controller(chat: Any) -> None:
    chat.write("ivanov", "/tasks")
    await chat.pump(NOW)
    assert chat.buttons("ivanov") == ["✅ 1", "📎 1", "⏳ 1"]
    chat.press("ivanov", "✅")
    await chat.pump(NOW + timedelta(minutes=1))
    assert chat.answers() == ["Спасибо! Отметка о выполнении передана контролёру."]
    assert (await Task.get(owner_id="ivanov")).state == TaskState.REPORTED
    # A second press of the same button changes nothing.
    chat.press("ivanov", "✅")
    await chat.pump(NOW + timedelta(minutes=2))
    assert chat.answers()[-1] == "Этот пункт уже отмечен, повторно ничего делать не нужно."


@pytest.mark.parametrize("what", ["photo", "file"])
async def test_a_report_with_a_photo_or_a_file(chat: Any, what: str) -> None:
    chat.write("petrova", "/tasks")
    await chat.pump(NOW)
    chat.press("petrova", "📎")
    await chat.pump(NOW + timedelta(minutes=1))
    assert chat.answers() == ["Жду отчёт следующим сообщением."]
    if what == "photo":
        chat.photo("petrova", "Фото стенда")
    else:
        chat.file("petrova", "акт.pdf")
    await chat.pump(NOW + timedelta(minutes=2))
    task = await Task.get(owner_id="petrova")
    assert task.state == TaskState.REPORTED
    [piece] = await Evidence.filter(task_id=task.id, reference__isnull=False)
    assert (piece.file_name == "акт.pdf") is (what == "file")
    assert piece.source == chat.name
    assert piece.message_ref is not None
    assert piece.message_ref.startswith(f"{chat.name}:")
    assert chat.texts("petrova")[-1] == "Спасибо! Отметка о выполнении передана контролёру."


async def test_an_extension_is_asked_for_in_the_conversation(chat: Any) -> None:
    chat.write("ivanov", "/tasks")
    await chat.pump(NOW)
    chat.press("ivanov", "⏳")
    await chat.pump(NOW + timedelta(minutes=1))
    assert chat.answers() == ["Жду новую дату следующим сообщением."]
    chat.write("ivanov", "27.10.2023")
    await chat.pump(NOW + timedelta(minutes=2))
    assert "Коротко напишите причину" in chat.texts("ivanov")[-1]
    chat.write("ivanov", "Ждём ответа из области")
    await chat.pump(NOW + timedelta(minutes=3))
    [request] = await Extension.filter(task__owner_id="ivanov")
    assert request.state == ExtensionState.PENDING
    assert request.reason == "Ждём ответа из области"


async def test_help_tasks_and_status_for_the_controller(chat: Any) -> None:
    for command in ("/help", "/status", "/tasks"):
        chat.write("control", command)
    await chat.pump(NOW)
    help_, status, tasks = chat.texts("control")[-3:]
    assert "/status — ход исполнения" in help_
    assert "1-1" in status or "r-1" in status
    assert tasks == "Открытых пунктов у вас нет. Спасибо!"
    chat.write("ivanov", "/status")
    await chat.pump(NOW + timedelta(minutes=1))
    assert chat.texts("ivanov")[-1].startswith("Команда /status доступна контролёру")


async def test_a_forged_press_is_refused_and_changes_nothing(chat: Any) -> None:
    chat.write("ivanov", "/tasks")
    await chat.pump(NOW)
    task = await Task.get(owner_id="ivanov")
    chat.press_data("ivanov", sign(b"another-secret-0123456789", Action.DONE, task.id))
    await chat.pump(NOW + timedelta(minutes=1))
    assert chat.answers() == ["Эта кнопка недействительна."]
    assert (await Task.get(id=task.id)).state == TaskState.OPEN


async def test_a_stranger_is_told_to_ask_for_an_invitation(chat: Any) -> None:
    chat.start("sidorov")  # not in the roster for this messenger, no token
    await chat.pump(NOW)
    assert len(chat.texts("sidorov")) == 1
    assert not await _linked(chat, "sidorov")


# --- what goes out through the outbox: reminders, the controller's notices, the fallback --------

MINUS_7 = at("2023-10-13T09:00+03:00")  # the first reminder of the test clause


async def test_a_reminder_with_three_buttons_done_and_the_controller_accepts(chat: Any) -> None:
    await chat.pump(MINUS_7)
    assert "Напоминание" in chat.texts("ivanov")[-1]
    assert chat.buttons("ivanov") == ["✅ Выполнено", "📎 Отправить отчёт", "⏳ Нужна отсрочка"]
    chat.press("ivanov", "Выполнено")
    await chat.pump(MINUS_7 + timedelta(minutes=1))
    assert chat.answers() == ["Спасибо! Отметка о выполнении передана контролёру."]
    assert any("Отчёт об исполнении" in t for t in chat.texts("control"))
    chat.press("control", "Принять")
    await chat.pump(MINUS_7 + timedelta(minutes=2))
    assert (await Task.get(owner_id="ivanov")).state == TaskState.DONE
    assert any("принял" in t.lower() for t in chat.texts("ivanov"))


async def test_a_report_with_a_photo_is_returned_with_the_controllers_comment(chat: Any) -> None:
    await chat.pump(MINUS_7)
    chat.press("petrova", "Отправить отчёт")
    await chat.pump(MINUS_7 + timedelta(minutes=1))
    chat.photo("petrova", "Стенд оформлен")
    await chat.pump(MINUS_7 + timedelta(minutes=2))
    report = [t for t in chat.texts("control") if "Отчёт об исполнении" in t][-1]
    assert "Петрова" in report
    assert chat.copies("control") == 1  # the photo, forwarded within the messenger
    assert "копии выше" in report
    chat.press("control", "Вернуть")
    await chat.pump(MINUS_7 + timedelta(minutes=3))
    chat.write("control", "Нужна фотография всего стенда")
    await chat.pump(MINUS_7 + timedelta(minutes=4))
    task = await Task.get(owner_id="petrova")
    assert task.state == TaskState.OPEN
    returned = "\n".join(chat.texts("petrova")[-2:])
    assert "вернул ваш отчёт на доработку" in returned
    assert "Нужна фотография всего стенда" in returned


async def test_an_extension_is_approved_by_the_controller(chat: Any) -> None:
    await chat.pump(MINUS_7)
    chat.press("ivanov", "Нужна отсрочка")
    await chat.pump(MINUS_7 + timedelta(minutes=1))
    chat.write("ivanov", "27.10.2023")
    chat.write("ivanov", "Ждём ответа из области")
    await chat.pump(MINUS_7 + timedelta(minutes=2))
    chat.press("control", "Одобрить")
    await chat.pump(MINUS_7 + timedelta(minutes=3))
    [request] = await Extension.filter(task__owner_id="ivanov")
    assert request.state == ExtensionState.APPROVED
    task = await Task.get(owner_id="ivanov")
    assert task.extended_to is not None
    assert task.extended_to.isoformat() == "2023-10-27"
    assert any("27.10.2023" in t or "27 октября" in t for t in chat.texts("ivanov")[-2:])


@pytest.mark.parametrize("messenger", MESSENGERS)
async def test_a_blocked_official_gets_mail_and_the_digest_says_so(
    messenger: str, db_url: str, tmp_path: Path
) -> None:
    with FakeSMTP() as smtp:
        async with conversation(messenger, db_url, tmp_path, **smtp_settings(smtp)) as chat:
            roster = tmp_path / "roster.yaml"
            text = roster.read_text(encoding="utf-8")
            roster.write_text(
                text.replace("name: Иванов И.И.", "name: Иванов И.И.\n    email: iv@example.org"),
                encoding="utf-8",
            )
            await apply_catalog(load_catalog([tmp_path]), MINUS_7)
            chat.block("ivanov")
            await chat.pump(MINUS_7)  # the -7d reminder
            reminders = [m for m in smtp.messages if "iv@example.org" in str(m["To"])]
            assert len(reminders) == 1
            assert not any("Напоминание" in t for t in chat.texts("ivanov"))
            await chat.pump(at("2023-10-21T09:30+03:00"))  # the controller's digest
            [digest] = [t for t in chat.texts("control") if "Сводка" in t]
    section = digest.split("Нет связи с исполнителями")[1].split("\n\n")[0]
    [ivanov] = [line for line in section.splitlines() if line.startswith("• Иванов И.И.")]
    assert ivanov.endswith("заблокирован 13.10; получает письма")
