"""Nobody but the owner can confirm by e-mail, and no forged report marks an address bounced.

Real servers on loopback (aiosmtpd for SMTP, pymap for IMAP), the app's own clients, and mails
written byte by byte the way a forger would write them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from engine.app import App
from engine.mail_ids import sent_to
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Evidence, Inbound, Outbox, Person, Task, TaskState
from tests.acceptance.test_email_round_trip import mail_settings
from tests.fakes.mail import FakeIMAP, FakeSMTP
from tests.helpers import APPLIED, ROSTER, SECRET, at, settings, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")
LATER = MINUS_7 + timedelta(hours=1)


@pytest.fixture
def servers() -> Iterator[tuple[FakeSMTP, FakeIMAP]]:
    with FakeSMTP() as smtp, FakeIMAP() as imap:
        yield smtp, imap


def workflow(folder: Path, owners: str = "sidorov", acceptance: str = "controller") -> Path:
    """The test workflow, with petrova reachable by mail too (Telegram is off here)."""
    write_workflow(folder, owners=owners, acceptance=acceptance)
    roster = ROSTER.replace(
        "    telegram: 222\n", "    telegram: 222\n    email: petrova@example.org\n"
    )
    (folder / "roster.yaml").write_text(roster, encoding="utf-8")
    return folder


def raw_mail(
    sender: str,
    refers_to: str,
    body: str = "Выполнено",
    *,
    headers: str = "",
    content_type: str = 'text/plain; charset="utf-8"',
    ident: str = "<reply-1@mail.example.org>",
    tail: bytes = b"",
) -> bytes:
    head = (
        f"From: {sender}\nTo: robot@example.org\nSubject: Re: Напоминание\n"
        f"Message-ID: {ident}\nIn-Reply-To: {refers_to}\nReferences: {refers_to}\n{headers}"
        f"MIME-Version: 1.0\nContent-Type: {content_type}\nContent-Transfer-Encoding: 8bit\n\n"
    )
    return head.encode("utf-8") + body.encode("utf-8") + b"\n" + tail


async def outcomes() -> list[tuple[str, object]]:
    rows = await Inbound.filter(kind="email").order_by("id")
    return [(r.outcome or "", r.payload.get("reason")) for r in rows]


async def start(app: App, tmp_path: Path, **kw: str) -> None:
    await apply_catalog(load_catalog([workflow(tmp_path, **kw)]), at(APPLIED))
    assert (await tick(app, MINUS_7)).delivery.sent >= 1


def sent_to_address(smtp: FakeSMTP, address: str) -> EmailMessage:
    [message] = [m for m in smtp.messages if m["To"].addresses[0].addr_spec == address]
    return message


async def test_a_from_naming_the_owner_anywhere_but_the_addr_spec_is_refused(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path)
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        forged = [
            "sidorov@example.org <attacker@evil.example>",  # what parseaddr read as sidorov
            '"sidorov@example.org" <attacker@evil.example>',
            "=?utf-8?b?c2lkb3JvdkBleGFtcGxlLm9yZw==?= <attacker@evil.example>",
            "attacker@evil.example (sidorov@example.org)",
            "sidorov@example.org, attacker@evil.example",
            "Сообщники: sidorov@example.org, attacker@evil.example;",
            "<attacker@evil.example> sidorov@example.org",
        ]
        for n, sender in enumerate(forged):
            imap.deliver(raw_mail(sender, ours, ident=f"<forged-{n}@evil.example>"))
        assert (await tick(app, LATER)).updates == len(forged)
        task = await Task.get(owner_id="sidorov")
        assert task.state == TaskState.OPEN
        assert await Evidence.filter(task_id=task.id).count() == 0
        got = await outcomes()
        assert [o for o, _ in got] == ["refused"] * len(forged)
        assert {r for _, r in got} == {
            "malformed-from", "name-is-address", "several-from", "group-from"
        }  # fmt: skip
        first = await Inbound.filter(kind="email").order_by("id").first()
        assert first is not None
        assert first.payload["from_header"] == forged[0]  # what was refused, for the record

        # The owner, in upper case, with a raw 8-bit Cyrillic name: accepted.
        imap.deliver(raw_mail("Сидоров С.С. <SIDOROV@EXAMPLE.ORG>", ours, ident="<ok@x.org>"))
        await tick(app, LATER + timedelta(minutes=5))
        assert (await Task.get(owner_id="sidorov")).state == TaskState.REPORTED


async def test_a_guessed_or_foreign_message_id_confirms_nothing(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path, owners="sidorov, petrova")
        row = await Outbox.get(person_id="sidorov", kind="reminder")
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        assert ours == row.external_id
        guessed = f"<r.{hashlib.sha256(row.key.encode()).hexdigest()[:20]}@example.org>"
        assert ours != guessed  # the key (task, deadline, offset) no longer gives the ID
        assert sent_to(SECRET.encode(), ours, row.key, "Sidorov@Example.org")
        assert not sent_to(b"another-secret-of-16+", ours, row.key, "sidorov@example.org")

        # A forger who knows the scheme of old and spoofs the owner's exact address.
        imap.deliver(raw_mail("sidorov@example.org", guessed, ident="<g1@evil.example>"))
        # Petrova's genuine reminder, answered as sidorov: not sent to that address.
        theirs = str(sent_to_address(smtp, "petrova@example.org")["Message-ID"])
        imap.deliver(raw_mail("sidorov@example.org", theirs, ident="<g2@evil.example>"))
        await tick(app, LATER)
        assert await outcomes() == [
            ("unmatched", "no-message-of-ours"),
            ("foreign", "not-sent-to-sender"),
        ]
        assert {t.state for t in await Task.all()} == {TaskState.OPEN}

        # The roster address changes: mail sent to the old one proves nothing for the new one.
        await Person.filter(id="sidorov").update(email="sidorov@new.example.org")
        imap.deliver(raw_mail("sidorov@new.example.org", ours, ident="<g3@new.example.org>"))
        imap.deliver(raw_mail("sidorov@example.org", ours, ident="<g4@example.org>"))
        await tick(app, LATER + timedelta(minutes=5))
        assert (await outcomes())[2:] == [
            ("foreign", "not-sent-to-sender"),
            ("foreign", "address-changed"),
        ]
        assert (await Task.get(owner_id="sidorov")).state == TaskState.OPEN


async def test_replies_to_mail_sent_with_old_style_ids_are_refused_and_the_owner_told(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path)
        row = await Outbox.get(person_id="sidorov", kind="reminder")
        legacy = f"<r.{hashlib.sha256(row.key.encode()).hexdigest()[:20]}@example.org>"
        await Outbox.filter(id=row.id).update(external_id=legacy)  # sent before the upgrade
        imap.deliver(raw_mail("sidorov@example.org", legacy, ident="<l1@example.org>"))
        imap.deliver(raw_mail("sidorov@example.org", legacy, ident="<l2@example.org>"))
        await tick(app, LATER)
        assert await outcomes() == [("legacy", "legacy-message-id")] * 2
        assert (await Task.get(owner_id="sidorov")).state == TaskState.OPEN
        [told] = await Outbox.filter(key__startswith="mail-legacy:sidorov:")  # once a day
        assert "последнее письмо-напоминание" in (told.payload or {})["text"]


def dsn(failed: list[str], quoted: bytes, kind: str = "text/rfc822-headers") -> bytes:
    """A delivery-status report for ``failed``, returning ``quoted`` as a part of ``kind``."""
    blocks = "".join(
        f"Final-Recipient: rfc822; {a}\nAction: failed\nStatus: 5.1.1\n\n" for a in failed
    )
    return (
        (
            "From: MAILER-DAEMON@mx.example.org\nTo: robot@example.org\n"
            f"Subject: Undelivered Mail\nMessage-ID: <dsn-{hash((tuple(failed), quoted))}@mx>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
            "--B\nContent-Type: text/plain\n\nНе доставлено.\n"
            "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
            f"{blocks}--B\nContent-Type: {kind}\n\n"
        ).encode()
        + quoted
        + b"\n--B--\n"
    )


async def test_a_bounce_counts_only_for_the_recipient_of_the_message_it_quotes(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path, owners="sidorov, petrova")
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        # Forged: no original quoted (its ID only in the report's text), or a made-up one.
        quoted_as_text = f"Message-ID: {ours}\n".encode()
        imap.deliver(dsn(["sidorov@example.org"], quoted_as_text, kind="text/plain"))
        imap.deliver(dsn(["petrova@example.org"], b"Message-ID: <made-up@example.org>\n"))
        # Sidorov's reminder quoted, but petrova named as failed: it was not sent to her.
        imap.deliver(dsn(["petrova@example.org"], f"Message-ID: {ours}\n".encode()))
        await tick(app, LATER)
        assert {p.email_bounced_at for p in await Person.all()} == {None}
        assert [o for o, _ in await outcomes()] == ["bounce-refused"] * 3

        # A real bounce of sidorov's reminder naming both: only sidorov is marked.
        original = b"".join(bytes(r.raw) for r in smtp.received if b"sidorov@" in r.raw[:2000])
        imap.deliver(
            dsn(["Sidorov@Example.org", "petrova@example.org"], original, "message/rfc822")
        )
        await tick(app, LATER + timedelta(minutes=5))
        marked = {p.id for p in await Person.all() if p.email_bounced_at is not None}
        assert marked == {"sidorov"}


DMARC_FAIL = (
    "Authentication-Results: mx.example.org; spf=softfail smtp.mailfrom=example.org;\n"
    " dkim=none; dmarc=fail (p=none dis=none) header.from=example.org\n"
    "Authentication-Results: evil.example; dmarc=pass header.from=example.org\n"
)


async def test_authentication_results_are_recorded_and_a_failed_dmarc_is_shown(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path)
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        imap.deliver(raw_mail("sidorov@example.org", ours, "Выполнено.", headers=DMARC_FAIL))
        await tick(app, LATER)
        task = await Task.get(owner_id="sidorov")
        assert task.state == TaskState.REPORTED  # DMARC is never relied on alone
        [inbound] = await Inbound.filter(kind="email")
        assert inbound.payload["dmarc"] == "fail"
        recorded = inbound.payload["authentication"]
        assert isinstance(recorded, list)
        assert recorded[0].startswith("mx.example.org; spf=softfail")
        assert len(recorded) == 2
        notice = await Outbox.get(key=f"report:{task.id}:1")
        assert "DMARC" in (notice.payload or {})["html"]
        assert "sidorov@example.org" in (notice.payload or {})["html"]


async def test_a_failed_dmarc_closing_a_task_directly_gets_a_notice_of_its_own(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path, acceptance="none")
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        imap.deliver(raw_mail("sidorov@example.org", ours, "Готово", headers=DMARC_FAIL))
        await tick(app, LATER)
        assert (await Task.get(owner_id="sidorov")).state == TaskState.DONE
        [notice] = await Outbox.filter(key__startswith="mail-unverified:")
        assert notice.person_id == "control"
        assert "DMARC" in (notice.payload or {})["html"]


async def test_a_reply_in_an_unknown_charset_is_kept_and_the_owner_told(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path)
        ours = str(sent_to_address(smtp, "sidorov@example.org")["Message-ID"])
        mail = raw_mail(
            "sidorov@example.org", ours, "Выполнено. Ссылка: https://vk.com/podolsk",
            content_type='text/plain; charset="x-klingon-8"',
        )  # fmt: skip
        imap.deliver(mail)
        await tick(app, LATER)
        task = await Task.get(owner_id="sidorov")
        assert task.state == TaskState.REPORTED
        [note] = await Evidence.filter(task_id=task.id)
        assert note.text == "Выполнено. Ссылка: https://vk.com/podolsk"
        [told] = await Outbox.filter(key__startswith="mail-answer:")
        assert told.person_id == "sidorov"
        assert "x-klingon-8" in (told.payload or {})["text"]


async def test_an_attachment_with_a_name_over_255_characters_is_kept_and_the_owner_told(
    servers: tuple[FakeSMTP, FakeIMAP], db_url: str, tmp_path: Path
) -> None:
    smtp, imap = servers
    async with App(settings(db_url, **mail_settings(smtp, imap))) as app:
        await start(app, tmp_path)
        reminder = sent_to_address(smtp, "sidorov@example.org")
        answer = EmailMessage()
        answer["From"] = "sidorov@example.org"
        answer["Message-ID"] = "<long@example.org>"
        answer["In-Reply-To"] = str(reminder["Message-ID"])
        answer.set_content("Отчёт во вложении.")
        long_name = "Отчёт о выполнении " + "очень " * 50 + "подробный.pdf"
        answer.add_attachment(b"%PDF-1.4 report", maintype="application", subtype="pdf",
                              filename=long_name)  # fmt: skip
        imap.deliver(answer)
        await tick(app, LATER)
        task = await Task.get(owner_id="sidorov")
        [_, kept] = await Evidence.filter(task_id=task.id).order_by("id")
        assert kept.data == b"%PDF-1.4 report"
        assert kept.file_name is not None
        assert kept.file_name.endswith("….pdf")
        assert kept.file_name.startswith("Отчёт о выполнении очень")
        assert len(kept.file_name.encode()) <= 255
        [told] = await Outbox.filter(key__startswith="mail-answer:")
        assert "более коротким именем" in (told.payload or {})["text"]
