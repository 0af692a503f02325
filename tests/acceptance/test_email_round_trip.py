"""An official without Telegram: the reminder by mail, «Выполнено» with a photo by reply.

Real servers on loopback: aiosmtpd for SMTP, pymap for IMAP; the app's own clients talk to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Evidence, Inbound, Person, Task, TaskState
from tests.fakes.mail import FakeIMAP, FakeSMTP
from tests.helpers import APPLIED, at, settings, smtp_settings, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")
JPEG = b"\xff\xd8\xff\xe0" + b"fake photo of the VK page" * 40 + b"\xff\xd9"


@pytest.fixture
def servers() -> Iterator[tuple[FakeSMTP, FakeIMAP]]:
    with FakeSMTP() as smtp, FakeIMAP() as imap:
        yield smtp, imap


def mail_settings(smtp: FakeSMTP, imap: FakeIMAP) -> dict[str, object]:
    return {
        **smtp_settings(smtp),
        "imap_host": imap.host,
        "imap_port": imap.port,
        "imap_security": "none",
        "imap_username": imap.user,
        "imap_password": imap.password,
    }


def reply(
    to: EmailMessage, sender: str, body: str, *, photo: bool = False, message_id: str | None = None
) -> EmailMessage:
    answer = EmailMessage()
    answer["From"] = sender
    answer["To"] = str(to["From"])
    answer["Subject"] = f"Re: {to['Subject']}"
    answer["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    answer["In-Reply-To"] = str(to["Message-ID"])
    answer["References"] = str(to["Message-ID"])
    quoted = "\n".join(
        f"> {line}" for line in str(to.get_body(("plain",)).get_content()).splitlines()
    )  # type: ignore[union-attr]
    answer.set_content(f"{body}\n\n13.10.2023, Контроль исполнения пишет:\n{quoted}\n")
    if photo:
        answer.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="vk-page.jpg")
    return answer


async def test_reminder_by_mail_and_a_reply_with_a_photo_confirms_the_task(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
        assert (await tick(app, MINUS_7)).delivery.sent == 1
        [reminder] = smtp.messages
        assert reminder["To"].addresses[0].addr_spec == "sidorov@example.org"

        # Someone else answers the same thread first: nothing changes.
        imap.deliver(reply(reminder, "Злоумышленник <sidorov@evil.example>", "Выполнено"))
        # Then the owner, with a capitalised address and a display name, and a photo.
        imap.deliver(
            reply(
                reminder,
                "Сидоров С.С. <Sidorov@Example.ORG>",
                "Выполнено!\nСтраница оформлена.",
                photo=True,
            )
        )
        report = await tick(app, MINUS_7 + timedelta(hours=2))
        assert report.updates == 2

        task = await Task.get(owner_id="sidorov")
        assert task.state == TaskState.REPORTED
        evidence = await Evidence.filter(task_id=task.id).order_by("id")
        assert [e.source for e in evidence] == ["email", "email"]
        assert evidence[0].text == "Выполнено!\nСтраница оформлена."  # quoted history dropped
        assert evidence[1].file_name == "vk-page.jpg"
        assert evidence[1].content_type == "image/jpeg"
        assert evidence[1].data == JPEG
        outcomes = sorted(i.outcome or "" for i in await Inbound.filter(kind="email"))
        assert outcomes == ["foreign", "reported"]

        # A restart reads the inbox again: nothing is processed twice.
        assert (await tick(app, MINUS_7 + timedelta(hours=3))).updates == 0
        assert await Evidence.filter(task_id=task.id).count() == 2


async def test_a_plain_reply_is_evidence_only_and_a_recreated_mailbox_is_not_reprocessed(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
        await tick(app, MINUS_7)
        [reminder] = smtp.messages
        answer = reply(reminder, "sidorov@example.org", "Работаю, ссылка: https://vk.com/podolsk")
        imap.deliver(answer)
        await tick(app, MINUS_7 + timedelta(hours=1))
        task = await Task.get(owner_id="sidorov")
        assert task.state == TaskState.OPEN
        [note] = await Evidence.filter(task_id=task.id)
        assert note.text == "Работаю, ссылка: https://vk.com/podolsk"

        imap.recreate_mailbox()  # a new UIDVALIDITY: every UID is new, the same mail comes again
        imap.deliver(answer)
        imap.deliver(EmailMessage())  # an empty message: recorded, changes nothing
        report = await tick(app, MINUS_7 + timedelta(hours=2))
        assert report.updates == 1  # only the empty one is new
        assert await Evidence.filter(task_id=task.id).count() == 1


async def test_a_bounce_marks_the_address_and_unmatched_mail_changes_nothing(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
        await tick(app, MINUS_7)
        [reminder] = smtp.messages
        bounce = EmailMessage()
        bounce["From"] = "MAILER-DAEMON@example.org"
        bounce["Subject"] = "Undelivered Mail Returned to Sender"
        bounce["Message-ID"] = make_msgid()
        bounce.set_content("Письмо не доставлено.")
        bounce.make_mixed()
        status = EmailMessage()
        status.set_content(
            "Reporting-MTA: dns; mx.example.org\n\n"
            "Final-Recipient: rfc822; sidorov@example.org\nAction: failed\nStatus: 5.1.1\n",
            subtype="plain",
        )
        raw = bounce.as_bytes().decode()
        raw = raw.replace("multipart/mixed", "multipart/report; report-type=delivery-status", 1)
        boundary = bounce.get_boundary()
        raw = raw.replace(
            f"--{boundary}--",
            f"--{boundary}\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; mx.example.org\n\n"
            "Final-Recipient: rfc822; sidorov@example.org\nAction: failed\nStatus: 5.1.1\n\n"
            f"--{boundary}\nContent-Type: text/rfc822-headers\n\n"
            f"Message-ID: {reminder['Message-ID']}\n\n--{boundary}--",
        )
        imap.deliver(raw.encode())
        stranger = EmailMessage()
        stranger["From"] = "someone@example.org"
        stranger["Subject"] = "Вопрос"
        stranger.set_content("Выполнено")
        imap.deliver(stranger)
        await tick(app, MINUS_7 + timedelta(hours=1))
        assert (await Person.get(id="sidorov")).email_bounced_at is not None
        assert (await Task.get(owner_id="sidorov")).state == TaskState.OPEN
        outcomes = sorted(i.outcome or "" for i in await Inbound.filter(kind="email"))
        assert outcomes == ["bounce", "unmatched"]


async def test_an_emailed_done_is_answered_once_in_its_thread(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    """Issue 13, point 8: the owner's «Выполнено» by mail gets the thanks Telegram would give."""
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
        await tick(app, MINUS_7)
        [reminder] = smtp.messages
        done = reply(reminder, "sidorov@example.org", "Выполнено", message_id="<done-1@mail.org>")
        imap.deliver(done)
        await tick(app, MINUS_7 + timedelta(hours=1))
        again = reply(reminder, "sidorov@example.org", "Готово", message_id="<done-2@mail.org>")
        imap.deliver(again)  # said twice: answered once
        await tick(app, MINUS_7 + timedelta(hours=2))
        answers = [m for m in smtp.messages if m["In-Reply-To"]]
    [answer] = answers
    assert answer["To"].addresses[0].addr_spec == "sidorov@example.org"
    assert answer["In-Reply-To"] == "<done-1@mail.org>"
    assert answer["References"] == "<done-1@mail.org>"
    assert str(answer["Subject"]).startswith("Re: пункт A.1")
    text = answer.get_body(("plain",))
    assert text is not None
    assert "Спасибо! Отметка о выполнении передана контролёру." in text.get_content()
    assert "Пункт A.1 постановления № 1-1" in text.get_content()
