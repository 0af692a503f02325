"""Reminders and digests by e-mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from engine.app import App
from engine.mail_ids import message_id
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox, OutboxStatus, Person
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeSMTP
from tests.helpers import APPLIED, SECRET, at, settings, smtp_settings

MINUS_7 = at("2023-10-13T09:00+03:00")

ROSTER = """\
people:
  - {id: ivanov, name: Иванов И.И., email: Ivanov@Example.org}
  - {id: petrova, name: Петрова П.П., email: petrova@example.org}
  - {id: both, name: Двуканальный Д.Д., email: both@example.org, telegram: 333,
     channels: [email, telegram]}
  - {id: control, name: Контролёва К.К., email: control@example.org, telegram: 999}
groups:
  - {id: chairs, members: [ivanov, petrova]}
"""
RESOLUTION = """\
resolution: {id: r-1, title: О мерах, number: "1-1", adopted: 2023-10-05, controller: control}
clauses:
  - {id: A.1, text: Разработать рекомендации «по ВК» & разослать., owners: [OWNERS],
     deadline: 2023-10-20}
"""


def workflow(folder: Path, owners: str = "chairs") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    (folder / "r.yaml").write_text(RESOLUTION.replace("OWNERS", owners), encoding="utf-8")
    return folder


async def started(db_url: str, folder: Path, smtp: FakeSMTP, **more: object) -> App:
    app = App(settings(db_url, **{**smtp_settings(smtp), **more}))
    await app.__aenter__()
    await apply_catalog(load_catalog([folder]), at(APPLIED))
    return app


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
async def test_a_reminder_by_mail_is_multipart_russian_with_the_deadline_as_ics(
    db_url: str, tmp_path: Path, security: str
) -> None:
    with FakeSMTP(security=security) as smtp:  # type: ignore[arg-type]
        app = await started(db_url, workflow(tmp_path, owners="ivanov"), smtp)
        try:
            report = await tick(app, MINUS_7)
            assert report.delivery.sent == 1
            assert (await tick(app, MINUS_7 + timedelta(hours=1))).delivery.sent == 0
        finally:
            await app.__aexit__(None, None, None)
        [received] = smtp.received
    assert received.tls is (security != "none")
    message = received.message
    assert message["Subject"] == "Напоминание: пункт A.1, срок 20.10.2023"
    assert message["From"].addresses[0].display_name == "Контроль исполнения"
    assert message["Reply-To"].addresses[0].addr_spec == "robot@example.org"
    assert message["To"].addresses[0].addr_spec == "Ivanov@Example.org"
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "до срока 7 дней" in text.get_content()
    assert "Разработать рекомендации «по ВК» & разослать." in text.get_content()
    assert "рекомендации «по ВК» &amp; разослать." in html.get_content()
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = next(iter(Calendar.from_ical(ics.get_content()).walk("VEVENT")))
    assert event.decoded("dtstart").isoformat() == "2023-10-20"
    assert "A.1" in str(event.get("summary"))
    assert str(message["Message-ID"]).endswith("@example.org>")


async def test_the_message_id_is_recorded_and_stable(db_url: str, tmp_path: Path) -> None:
    with FakeSMTP() as smtp:
        app = await started(db_url, workflow(tmp_path, owners="ivanov"), smtp)
        try:
            await tick(app, MINUS_7)
            row = await Outbox.get(person_id="ivanov")
        finally:
            await app.__aexit__(None, None, None)
        [received] = smtp.received
    assert row.channel == "email"
    assert row.external_id == str(received.message["Message-ID"])
    assert row.external_id == message_id(
        SECRET.encode(), row.key, "ivanov@example.org", "robot@example.org"
    )


async def test_temporary_refusals_are_retried_and_a_dropped_connection_resends_nothing_accepted(
    db_url: str, tmp_path: Path
) -> None:
    with FakeSMTP() as smtp:
        app = await started(db_url, workflow(tmp_path), smtp)
        try:
            smtp.drop_after(1)  # the first message is accepted, the connection dies on the second
            report = await tick(app, MINUS_7)
            assert report.delivery.sent == 1
            assert report.delivery.retrying == 1
            smtp.fail_data(451)
            report = await tick(app, MINUS_7 + timedelta(seconds=40))
            assert report.delivery.retrying == 1  # 451: try again later
            report = await tick(app, MINUS_7 + timedelta(minutes=5))
            assert report.delivery.sent == 1
            assert (await tick(app, MINUS_7 + timedelta(minutes=30))).delivery.sent == 0
        finally:
            await app.__aexit__(None, None, None)
        recipients = sorted(r.rcpt_tos[0].lower() for r in smtp.received)
    assert recipients == ["ivanov@example.org", "petrova@example.org"]  # each exactly once


async def test_421_closes_and_the_next_attempt_reconnects(db_url: str, tmp_path: Path) -> None:
    with FakeSMTP() as smtp:
        app = await started(db_url, workflow(tmp_path, owners="ivanov"), smtp)
        try:
            smtp.fail_mail(421)
            assert (await tick(app, MINUS_7)).delivery.retrying == 1
            assert (await tick(app, MINUS_7 + timedelta(minutes=1))).delivery.sent == 1
        finally:
            await app.__aexit__(None, None, None)
        assert smtp.connections == 2
        assert len(smtp.received) == 1


async def test_a_refused_address_is_marked_and_the_message_falls_back_to_telegram(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeBotAPI() as api:
        api.add_chat(333)
        with FakeSMTP() as smtp:
            smtp.fail_rcpt("both@example.org", 550, times=None)
            smtp.fail_rcpt("petrova@example.org", 550, times=None)
            app = await started(
                db_url, workflow(tmp_path, owners="both, petrova"), smtp,
                telegram_token="123456:TEST", telegram_api_url=api.url,
            )  # fmt: skip
            try:
                report = await tick(app, MINUS_7)
                people = {p.id: p for p in await Person.all()}
                rows = {r.person_id: r for r in await Outbox.all()}
            finally:
                await app.__aexit__(None, None, None)
            assert smtp.received == []
        # "both" prefers e-mail; the address is refused, so the same reminder goes by Telegram.
        assert len(api.messages_to(333)) == 1
        assert report.delivery.sent == 1
        assert report.delivery.failed == 1  # petrova has no other channel
    assert people["both"].email_bounced_at is not None
    assert people["petrova"].email_bounced_at is not None
    assert rows["both"].channel == "telegram"
    assert rows["both"].status == OutboxStatus.SENT
    assert rows["petrova"].status == OutboxStatus.FAILED


async def test_a_slow_server_is_a_timeout_retried_later(db_url: str, tmp_path: Path) -> None:
    with FakeSMTP() as smtp:
        app = await started(db_url, workflow(tmp_path, owners="ivanov"), smtp, smtp_timeout_s=0.3)
        try:
            smtp.slow(0.6)
            assert (await tick(app, MINUS_7)).delivery.retrying == 1
            smtp.slow(0)
            assert (await tick(app, MINUS_7 + timedelta(minutes=1))).delivery.sent == 1
        finally:
            await app.__aexit__(None, None, None)


async def test_the_controller_gets_the_digest_by_mail_and_telegram(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeBotAPI() as api:
        api.add_chat(999)
        with FakeSMTP() as smtp:
            app = await started(
                db_url, workflow(tmp_path), smtp,
                telegram_token="123456:TEST", telegram_api_url=api.url,
            )  # fmt: skip
            try:
                await tick(app, at("2023-10-21T09:30+03:00"))
            finally:
                await app.__aexit__(None, None, None)
            digests = [r for r in smtp.received if "Сводка" in str(r.message["Subject"])]
        assert any("Сводка" in m.plain_text for m in api.messages_to(999))
    [digest] = digests
    assert digest.rcpt_tos == ("control@example.org",)
    html = digest.message.get_body(preferencelist=("html",))
    text = digest.message.get_body(preferencelist=("plain",))
    assert html is not None
    assert text is not None
    assert "<table" in html.get_content()
    assert "Иванов И.И." in html.get_content()
    assert "ПРОСРОЧЕНО ВПЕРВЫЕ" in text.get_content()
    assert "Петрова П.П." in text.get_content()


async def test_a_notice_for_someone_linked_to_telegram_goes_by_mail_when_telegram_is_off(
    db_url: str, tmp_path: Path
) -> None:
    """The controller is linked to Telegram, but this process has only e-mail: the report
    notice goes by mail, its lines kept, with a word on where the buttons are."""
    from engine.service.confirm import owner_says_done
    from storage.models import Task

    with FakeSMTP() as smtp:
        app = await started(db_url, workflow(tmp_path, owners="ivanov"), smtp)
        try:
            task = await Task.get(owner_id="ivanov")
            await owner_says_done(task, MINUS_7, texts=app.texts, via="email")
            report = await tick(app, MINUS_7)
            row = await Outbox.get(key=f"report:{task.id}:1")
        finally:
            await app.__aexit__(None, None, None)
        received = [r for r in smtp.received if "Отчёт по пункту" in str(r.message["Subject"])]
    assert row.channel == "email"  # queued for Telegram, moved to the channel that is on
    assert report.delivery.sent >= 1
    [mail] = received
    assert mail.message["To"].addresses[0].addr_spec == "control@example.org"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    html = mail.message.get_body(preferencelist=("html",)).get_content()
    assert "Исполнитель: Иванов И.И." in text
    assert "Ответить на это сообщение можно кнопками в Telegram-боте." in text
    assert "<br>" in html
    assert "<b>Пункт A.1</b>" in html
