"""The whole cycle inside Telegram: reports with evidence, the controller's decisions,
extension requests, commands and linking — against the loopback Bot API through the real
python-telegram-bot client, one ``tick`` at a time (time is an argument, never a wait)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from engine.app import App
from engine.callbacks import Action, sign
from engine.service import (
    confirm,
    conversation_commands,
    invites,
)
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import (
    AuditEvent,
    Evidence,
    Extension,
    ExtensionState,
    Invite,
    Person,
    Task,
    TaskState,
)
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import SECRET, app_for, at, running, settings, words, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")  # the -7 day reminder of the test clause (20 October)
KEY = SECRET.encode()
DAYS = timedelta(days=14)


def minutes(n: int) -> datetime:
    return MINUS_7 + timedelta(minutes=n)


def button(message: SentMessage, label: str) -> str:
    """The callback data of the button whose text contains ``label``."""
    assert message.reply_markup is not None, f"no keyboard under {message.plain_text!r}"
    for row in message.reply_markup["inline_keyboard"]:
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} under {message.plain_text!r}")


async def press(
    app: App, api: FakeBotAPI, chat: int, message: SentMessage, label: str, when: datetime
) -> None:
    """``chat`` presses the button ``label`` under ``message``; a tick at ``when`` handles it."""
    api.press_button(chat, message.message_id, button(message, label))
    await tick(app, when)


def last(api: FakeBotAPI, chat: int) -> SentMessage:
    return api.messages_to(chat)[-1]


def texts(api: FakeBotAPI, chat: int) -> list[str]:
    return [m.plain_text for m in api.messages_to(chat)]


async def test_a_report_with_a_photo_reaches_the_controller_who_accepts_it(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        labels = [b["text"] for row in reminder.reply_markup["inline_keyboard"] for b in row]  # type: ignore[index]
        assert labels == ["✅ Выполнено", "📎 Отправить отчёт", "⏳ Нужна отсрочка"]

        await press(app, api, 111, reminder, "Отправить отчёт", minutes(1))
        assert api.callback_answers[-1].text == words("presses.waiting_report")
        assert "Пришлите отчёт по пункту A.1" in last(api, 111).plain_text
        assert api.edits == []  # asking for a report changes nothing yet: the buttons stay

        photo = api.send_photo(111, caption="Рекомендации разосланы, реестр на фото")
        await tick(app, minutes(2))
        task = await Task.get(owner_id="ivanov")
        assert (task.state, task.reports) == (TaskState.REPORTED, 1)
        [evidence] = await Evidence.filter(task_id=task.id)
        assert evidence.text == "Рекомендации разосланы, реестр на фото"
        assert evidence.content_type == "image/jpeg"
        assert evidence.reference is not None
        assert evidence.reference.startswith("FAKE-FILE-")
        assert last(api, 111).plain_text == words("confirm.reported")

        copied, notice = api.messages_to(999)
        assert copied.copied_from == (111, photo)  # the photo itself, then the decision
        assert "Отчёт об исполнении" in notice.plain_text
        assert "Пункт A.1" in notice.plain_text
        assert "Иванов И.И." in notice.plain_text
        assert "Текст отчёта: Рекомендации разосланы" in notice.plain_text

        accept = button(notice, "Принять")
        api.press_button(999, notice.message_id, accept)
        await tick(app, minutes(3))
        assert api.callback_answers[-1].text == words("control.accepted")
        task = await Task.get(owner_id="ivanov")
        assert task.state == TaskState.DONE
        assert task.closed_at is not None
        assert "Контролёр принял ваш отчёт" in last(api, 111).plain_text
        event = await AuditEvent.get(event="task.accepted")
        assert (event.actor, event.task_id) == ("control", task.id)
        assert api.edits[-1].message_id == notice.message_id  # the decided buttons are gone
        assert api.edits[-1].reply_markup is None

        api.press_button(999, notice.message_id, accept)  # pressed again: changes nothing
        await tick(app, minutes(4))
        assert api.callback_answers[-1].text == words("control.report_stale")
        assert await AuditEvent.filter(event="task.accepted").count() == 1


async def test_an_album_joins_the_report_and_an_oversized_file_is_refused(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Отправить отчёт", minutes(1))
        for n in range(3):  # an album of three photos: three messages, one media group
            api.send_photo(111, caption="Акт" if n == 0 else None, media_group_id="album-1")
        api.send_text(111, "А это уже не отчёт")
        api.send_document(
            111, file_name="скан.pdf", content=b"0" * (confirm.MAX_FILE_BYTES + 1),
            reply_to_message_id=reminder.message_id,
        )  # fmt: skip
        await tick(app, minutes(2))
        task = await Task.get(owner_id="ivanov")
        assert task.state == TaskState.REPORTED
        photos = await Evidence.filter(task_id=task.id, content_type="image/jpeg").count()
        assert photos == 3
        assert await Evidence.filter(task_id=task.id).count() == 3  # the big file is not kept
        replies = texts(api, 111)[-3:]
        assert replies[0] == words("confirm.reported")
        assert replies[1] == words("conversation.hint")  # the album is over: text is no evidence
        assert "«скан.pdf» больше 20 МБ" in replies[2]
        copies = [m.copied_from for m in api.messages_to(999) if m.copied_from]
        assert len(copies) == 3  # every photo of the album reaches the controller


async def test_a_returned_report_reopens_the_task_and_old_buttons_cannot_accept_a_new_one(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Выполнено", minutes(1))
        first = last(api, 999)
        assert "материалов не приложил" in first.plain_text

        await press(app, api, 999, first, "Вернуть", minutes(2))
        assert api.callback_answers[-1].text == words("control.returned")
        task = await Task.get(owner_id="ivanov")
        assert (task.state, task.reports, task.reported_at) == (TaskState.OPEN, 1, None)
        assert task.next_due_at is not None  # reminders resume
        returned = last(api, 111)
        assert "вернул ваш отчёт на доработку" in returned.plain_text
        assert last(api, 999).plain_text == words("control.ask_comment")

        api.send_text(999, "Приложите список адресатов рассылки.")
        await tick(app, minutes(3))
        assert last(api, 999).plain_text == words("evidence.comment_sent")
        assert "Приложите список адресатов рассылки." in last(api, 111).plain_text
        assert "Комментарий контролёра" in last(api, 111).plain_text

        api.press_button(999, first.message_id, button(first, "Принять"))  # round 1: stale
        await tick(app, minutes(4))
        assert api.callback_answers[-1].text == words("control.report_stale")
        assert (await Task.get(owner_id="ivanov")).state == TaskState.OPEN

        api.press_button(111, returned.message_id, button(returned, "Выполнено"))  # round 2
        await tick(app, minutes(5))
        second = last(api, 999)
        assert "Отчёт об исполнении" in second.plain_text
        api.press_button(999, first.message_id, button(first, "Принять"))  # still round 1
        await tick(app, minutes(6))
        assert api.callback_answers[-1].text == words("control.report_stale")
        assert (await Task.get(owner_id="ivanov")).state == TaskState.REPORTED
        await press(app, api, 999, second, "Принять", minutes(7))
        assert (await Task.get(owner_id="ivanov")).state == TaskState.DONE
        events = [e.event for e in await AuditEvent.filter(actor="control").order_by("id")]
        assert events == ["task.returned", "task.commented", "task.accepted"]


async def test_an_approved_extension_moves_the_deadline_and_the_reminders(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Нужна отсрочка", minutes(1))
        assert api.callback_answers[-1].text == words("presses.waiting_date")
        assert "Сейчас срок — 20.10.2023" in last(api, 111).plain_text

        for n, (said, answer) in enumerate(
            [
                ("когда-нибудь потом", "Не удалось понять дату. Напишите, например, "),
                ("до 18 октября", "Новый срок должен быть позже нынешнего (20.10.2023)."),
                ("до 27 октября", "Новый срок — 27.10.2023. Коротко напишите причину отсрочки."),
                ("Ждём данные от первичных организаций", "Просьба об отсрочке до "),
            ],
            start=2,
        ):
            api.send_text(111, said)
            await tick(app, minutes(n))
            assert last(api, 111).plain_text.startswith(answer.split("{")[0]), said
        sent = words("steps.extension_sent", to="27.10.2023")
        assert last(api, 111).plain_text == sent

        request = await Extension.get(task__owner_id="ivanov")
        assert (request.requested_to, request.state) == (date(2023, 10, 27), "pending")
        asked = last(api, 999)
        assert "Просьба об отсрочке" in asked.plain_text
        assert "20.10.2023 → 27.10.2023" in asked.plain_text
        assert "Ждём данные от первичных организаций" in asked.plain_text

        api.press_button(111, reminder.message_id, button(reminder, "Нужна отсрочка"))
        api.press_button(222, asked.message_id, button(asked, "Одобрить"))  # not the controller
        await tick(app, minutes(10))
        assert [a.text for a in api.callback_answers[-2:]] == [
            words("presses.extension_pending"),
            words("presses.not_controller"),
        ]

        await press(app, api, 999, asked, "Одобрить", minutes(11))
        assert api.callback_answers[-1].text == words("control.approved")
        task = await Task.get(owner_id="ivanov")
        assert task.extended_to == date(2023, 10, 27)
        assert "Новый срок: 27.10.2023" in last(api, 111).plain_text
        api.press_button(999, asked.message_id, button(asked, "Одобрить"))  # again: stale
        await tick(app, minutes(12))
        assert api.callback_answers[-1].text == words("control.extension_stale")

        sent_to_ivanov = len(api.messages_to(111))
        await tick(app, at("2023-10-19T09:00+03:00"))  # petrova's -1d; ivanov's is now 26 Oct
        assert len(api.messages_to(111)) == sent_to_ivanov
        assert "срок завтра" in last(api, 222).plain_text
        await tick(app, at("2023-10-20T09:00+03:00"))  # ivanov: the -7d of the new deadline
        assert "до срока 7 дней" in last(api, 111).plain_text
        assert "27 октября 2023" in last(api, 111).plain_text


async def test_a_rejected_extension_keeps_the_deadline_and_the_digest_shows_the_request(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 222)
        await press(app, api, 222, reminder, "Нужна отсрочка", minutes(1))
        api.send_text(222, "25.10.2023")
        await tick(app, minutes(2))
        api.send_text(222, "Отпуск")
        await tick(app, minutes(3))
        asked = last(api, 999)

        await tick(app, at("2023-10-13T09:30+03:00"))  # the controller's digest time
        digest = last(api, 999)
        assert "Просьбы об отсрочке" in digest.plain_text
        assert "Петрова П.П." in digest.plain_text
        assert "20.10.2023 → 25.10.2023" in digest.plain_text

        await press(app, api, 999, asked, "Отклонить", at("2023-10-13T10:00+03:00"))
        assert api.callback_answers[-1].text == words("control.rejected")
        assert "Срок прежний: 20.10.2023" in last(api, 222).plain_text
        task = await Task.get(owner_id="petrova")
        assert task.extended_to is None
        assert task.state == TaskState.OPEN
        assert (await Extension.get(task_id=task.id)).state == ExtensionState.REJECTED


async def test_only_the_owner_acts_on_a_task_and_only_the_controller_decides(
    db_url: str, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="resolute.events")
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        ivanov = await Task.get(owner_id="ivanov")
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Выполнено", minutes(1))
        notice = last(api, 999)
        accept = button(notice, "Принять")
        action, obj, mac = accept.split(":")
        attempts = [
            (111, accept, words("presses.not_controller")),  # the owner cannot accept their own
            (222, accept, words("presses.not_controller")),  # nor can a colleague
            (555, accept, words("presses.not_controller")),  # nor a stranger
            (999, f"{action}:{ivanov.id}.7:{mac}", words("presses.forged")),  # another round
            (999, f"{Action.RETURN.value}:{obj}:{mac}", words("presses.forged")),  # another action
            (999, button(reminder, "Отправить отчёт"), words("presses.foreign")),  # owner's button
            (222, button(reminder, "Нужна отсрочка"), words("presses.foreign")),
            (
                999,
                sign(b"another-secret-0123456789", Action.ACCEPT, ivanov.id, 1),
                words("presses.forged"),
            ),
            (999, sign(KEY, Action.APPROVE, 424242), words("presses.forged")),  # no such request
        ]
        for user, data, _ in attempts:
            api.press_button(999, notice.message_id, data, from_user_id=user)
        await tick(app, minutes(2))
        assert [a.text for a in api.callback_answers[-len(attempts) :]] == [
            answer for _, _, answer in attempts
        ]
        ivanov = await Task.get(owner_id="ivanov")
        assert (ivanov.state, ivanov.reports) == (TaskState.REPORTED, 1)
        assert not await AuditEvent.filter(event__in=["task.accepted", "task.returned"]).exists()
        assert await Extension.all().count() == 0
        refusals = [r.getMessage().split()[0] for r in caplog.records]
        assert refusals.count("callback.not_controller") == 3
        assert refusals.count("callback.forged") == 3
        assert refusals.count("callback.foreign") == 2

        # A press on a task closed since: answered, changes nothing.
        api.press_button(999, notice.message_id, accept)  # the controller accepts: done
        await tick(app, minutes(3))
        assert api.callback_answers[-1].text == words("control.accepted")
        await press(app, api, 111, reminder, "Нужна отсрочка", minutes(4))
        assert api.callback_answers[-1].text == words("confirm.closed")


async def test_replies_to_a_reminder_are_evidence_within_bounds(
    db_url: str, api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confirm, "MAX_EVIDENCE_PER_TASK", 3)
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        api.send_text(
            111,
            "Черновик готов: https://example.org/draft.docx",
            reply_to_message_id=reminder.message_id,
        )
        await tick(app, minutes(1))
        assert last(api, 111).plain_text.startswith("Приложено к пункту A.1. Когда пункт будет")
        api.send_document(111, file_name="реестр.pdf", reply_to_message_id=reminder.message_id)
        api.send_document(111, file_name="ещё.pdf", reply_to_message_id=reminder.message_id)
        await tick(app, minutes(2))
        task = await Task.get(owner_id="ivanov")
        rows = await Evidence.filter(task_id=task.id).order_by("id")
        assert [(e.text, e.content_type, e.file_name) for e in rows] == [
            ("Черновик готов: https://example.org/draft.docx", None, None),
            ("https://example.org/draft.docx", "text/uri-list", None),
            (None, "application/pdf", "реестр.pdf"),
        ]
        assert (
            last(api, 111).plain_text
            == "К пункту уже приложено 3 материала: больше принять нельзя."
        )
        assert task.state == TaskState.OPEN  # evidence alone does not report

        # Petrova's reply to her own reminder is evidence for her own task, not for Ivanov's.
        api.send_text(222, "Мой черновик", reply_to_message_id=api.messages_to(222)[0].message_id)
        api.send_text(111, "просто так")  # no reply, no dialogue: a hint
        await tick(app, minutes(3))
        petrova = await Task.get(owner_id="petrova")
        assert [e.task_id for e in await Evidence.filter(person_id="petrova")] == [petrova.id]
        assert await Evidence.filter(task_id=task.id).count() == 3
        assert last(api, 111).plain_text == words("conversation.hint")


async def test_commands_help_tasks_status_cancel(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        for text in ("/help", "/tasks", "/status", "/cancel", "/frobnicate"):
            api.send_text(111, text)
        api.send_text(999, "/help")
        api.send_text(999, "/status")
        api.send_text(555, "Здравствуйте")
        await tick(app, at("2023-10-21T10:00+03:00"))  # a day after the deadline
        help_, tasks, status, cancel, unknown = api.messages_to(111)
        assert "/tasks" in help_.plain_text
        assert "/status" not in help_.plain_text
        assert "п. A.1 пост. № 1-1 — просрочен на 1 дн." in tasks.plain_text
        pressed = button(tasks, "✅ 1")
        assert status.plain_text == words("conversation.not_controller")
        assert cancel.plain_text == words("conversation.nothing_to_cancel")
        assert unknown.plain_text == words("conversation.unknown_command")
        controller_help, controller_status, digest = api.messages_to(999)
        assert "Просрочено впервые" in digest.plain_text
        assert "/status" in controller_help.plain_text
        assert "выполнено 0 из 3" in controller_status.plain_text
        assert "п. A.1: выполнено 0 из 3, просрочено 3" in controller_status.plain_text
        assert api.messages_to(555)[0].plain_text == words("conversation.stranger")

        api.press_button(111, tasks.message_id, pressed)  # a /tasks button works like any other
        await tick(app, at("2023-10-21T10:05+03:00"))
        assert (await Task.get(owner_id="ivanov")).state == TaskState.REPORTED
        api.send_text(999, "/status")
        await tick(app, at("2023-10-21T10:10+03:00"))
        assert "выполнено 0 из 3, на приёмке 1, просрочено 2" in last(api, 999).plain_text


async def test_a_deep_link_binds_once_and_refuses_reuse_expiry_and_strangers(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        [issued] = await invites.invite_people(
            ["sidorov"], False, api.bot_username, KEY, MINUS_7, timedelta(days=14)
        )
        assert issued.link.startswith(f"https://t.me/{api.bot_username}?start=")
        token = issued.link.split("start=")[1]
        assert len(token) <= 64
        stored = await Invite.get(person_id="sidorov")
        assert stored.token_hash != token
        assert token not in stored.token_hash

        api.send_text(333, f"/start {token}")
        await tick(app, minutes(1))
        greeting, reminder = texts(api, 333)  # linked: the live reminder comes at once
        assert greeting.startswith("Здравствуйте, Сидоров С.С.!")
        assert "до срока 7 дней" in reminder
        assert (await Person.get(id="sidorov")).telegram_chat_id == 333

        api.send_text(444, f"/start {token}")  # the same link from someone else
        api.send_text(444, "/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")  # never issued
        api.send_text(444, "/start ../../etc/passwd")
        await tick(app, minutes(2))
        assert texts(api, 444) == [
            words("invites.used"),
            words("invites.unknown"),
            words("invites.unknown"),
        ]
        assert await Person.filter(telegram_chat_id=444).count() == 0

        [late] = await invites.invite_people(
            ["petrova"], False, api.bot_username, KEY, MINUS_7, timedelta(days=1)
        )
        api.send_text(445, f"/start {late.link.split('start=')[1]}")
        await tick(app, MINUS_7 + timedelta(days=2))
        assert texts(api, 445) == [words("invites.expired")]
        assert (await Person.get(id="petrova")).telegram_chat_id == 222

        # Re-applying the roster (which has no chat id for sidorov) keeps the link.
        await apply_catalog(load_catalog([tmp_path]), MINUS_7 + timedelta(days=2))
        assert (await Person.get(id="sidorov")).telegram_chat_id == 333
        await tick(app, at("2023-10-19T09:00+03:00"))
        assert "срок завтра" in last(api, 333).plain_text  # reminders now go to Telegram


async def test_a_reply_names_its_task_even_while_a_dialogue_waits_for_another(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        for chat in (111, 222):
            reminder = last(api, chat)
            await press(app, api, chat, reminder, "Выполнено", minutes(1))
        ivanov_report, petrova_report = (
            m for m in api.messages_to(999) if "Отчёт об исполнении" in m.plain_text
        )
        assert "Иванов" in ivanov_report.plain_text
        await press(app, api, 999, ivanov_report, "Вернуть", minutes(2))
        assert last(api, 999).plain_text == words("control.ask_comment")  # Ivanov's comment next
        api.send_text(  # ...but the controller answers Petrova's report
            999, "Петрова, добавьте фото.", reply_to_message_id=petrova_report.message_id
        )
        await tick(app, minutes(3))
        assert "Петрова, добавьте фото." in last(api, 222).plain_text
        assert not any("Петрова, добавьте фото." in t for t in texts(api, 111))
        api.send_text(999, "Иванов, нужен список адресатов.")  # the dialogue still waits
        await tick(app, minutes(4))
        assert "Иванов, нужен список адресатов." in last(api, 111).plain_text


async def test_a_dialogue_does_not_outlive_its_chat_changing_hands(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Отправить отчёт", minutes(1))
        # Ivanov moves to a new phone (chat 112); chat 111 then goes to Sidorov.
        [moved] = await invites.invite_people(["ivanov"], False, "b", KEY, MINUS_7, DAYS)
        api.send_text(112, f"/start {moved.link.split('start=')[1]}")
        await tick(app, minutes(2))
        [sidorov] = await invites.invite_people(["sidorov"], False, "b", KEY, MINUS_7, DAYS)
        api.send_text(111, f"/start {sidorov.link.split('start=')[1]}")
        api.send_text(111, "Отчёт: всё сделано")  # Sidorov's words, not Ivanov's report
        await tick(app, minutes(3))
        assert (await Person.get(id="ivanov")).telegram_chat_id == 112
        assert (await Person.get(id="sidorov")).telegram_chat_id == 111
        assert (await Task.get(owner_id="ivanov")).state == TaskState.OPEN
        assert await Evidence.all().count() == 0
        assert last(api, 111).plain_text == words("conversation.hint")


async def test_an_extension_asked_then_reported_is_withdrawn(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        reminder = last(api, 111)
        await press(app, api, 111, reminder, "Нужна отсрочка", minutes(1))
        for n, said in enumerate(["через две недели", "Нет данных"], start=2):
            api.send_text(111, said)
            await tick(app, minutes(n))
        asked = last(api, 999)
        assert "20.10.2023 → 27.10.2023" in asked.plain_text  # 13 Oct + two weeks
        await press(app, api, 111, reminder, "Выполнено", minutes(5))
        request = await Extension.get(task__owner_id="ivanov")
        assert request.state == ExtensionState.WITHDRAWN
        api.press_button(999, asked.message_id, button(asked, "Одобрить"))
        api.send_text(999, "/status")
        await tick(app, minutes(6))
        assert api.callback_answers[-1].text == words("control.extension_withdrawn")
        assert (await Task.get(owner_id="ivanov")).extended_to is None
        assert "Просьб об отсрочке" not in last(api, 999).plain_text


async def test_tasks_of_a_busy_official_come_in_parts_with_the_buttons_last(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    clauses = "".join(
        f"  - {{id: '{n}', text: '{'Очень длинный текст пункта. ' * 6}', owners: [ivanov],"
        f" deadline: 2023-11-{n:02d}}}\n"
        for n in range(1, 31)
    )
    write_workflow(tmp_path)
    (tmp_path / "r-2.yaml").write_text(
        "resolution: {id: r-2, title: Много, number: '2', adopted: 2023-10-05,"
        " controller: control}\n"
        f"clauses:\n{clauses}",
        encoding="utf-8",
    )
    async with app_for(settings(db_url, api.url)) as app:
        await apply_catalog(load_catalog([tmp_path]), MINUS_7)
        api.send_text(111, "/tasks")
        await tick(app, MINUS_7)
        parts = [m for m in api.messages_to(111) if "пост. №" in m.plain_text]
        assert len(parts) >= 2
        assert all(m.reply_markup is None for m in parts[:-1])
        rows = parts[-1].reply_markup["inline_keyboard"]  # type: ignore[index]
        assert len(rows) == conversation_commands.TASKS_WITH_BUTTONS
        shown = sum(m.plain_text.count("пост. №") for m in parts)
        assert shown == conversation_commands.TASKS_SHOWN


async def test_a_link_opened_again_greets_and_a_taken_chat_is_not_rebound(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        [sidorov] = await invites.invite_people(["sidorov"], False, "b", KEY, MINUS_7, DAYS)
        token = sidorov.link.split("start=")[1]
        api.send_text(333, f"/start {token}")
        api.send_text(333, f"/start {token}")  # Start pressed again on the same link
        await tick(app, minutes(1))
        [other] = await invites.invite_people(["sidorov"], False, "b", KEY, MINUS_7, DAYS)
        api.send_text(111, f"/start {other.link.split('start=')[1]}")  # Ivanov's chat
        await tick(app, minutes(2))
        first, again = (t for t in texts(api, 333) if t.startswith("Здравствуйте"))
        assert first == again
        taken = words("invites.taken", messenger="Telegram", name="Иванов И.И.")
        assert texts(api, 111)[-1] == taken
        assert (await Person.get(id="sidorov")).telegram_chat_id == 333
        assert (await Person.get(id="ivanov")).telegram_chat_id == 111
