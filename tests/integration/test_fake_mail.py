"""The mail fakes speak real SMTP and IMAP: proven here with aiosmtplib and aioimaplib."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from typing import Any

import aioimaplib
import aiosmtplib
import pytest

from tests.fakes.mail import FakeIMAP, FakeSMTP, SMTPSecurity

SUBJECT = "Напоминание о пункте II.4"
SENDER = "Контроль исполнения <bot@example.org>"
TEXT = "Срок исполнения пункта II.4 — 15 марта.\n"
HTML = "<p>Срок исполнения пункта <b>II.4</b> — 15 марта.</p>\n"
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 4
)
AUTH = ("bot@example.org", "s3cret")


def reminder(to: str = "ivanov@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = SUBJECT
    msg["From"] = SENDER
    msg["To"] = Address("Иванов Иван", addr_spec=to)
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    return msg


def reply_to(original_id: str, *, with_photo: bool = False) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Re: {SUBJECT}"
    msg["From"] = "Иванов Иван <ivanov@example.org>"
    msg["To"] = SENDER
    msg["Message-ID"] = make_msgid(domain="example.net")
    msg["In-Reply-To"] = original_id
    msg["References"] = original_id
    msg.set_content("Выполнено, акт во вложении.\n")
    if with_photo:
        msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="акт.jpg")
    return msg


def parse(raw: bytes) -> EmailMessage:
    """What a reader of IMAP literals must do: CRLF to LF, else text parts keep their CRs."""
    msg = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
    assert isinstance(msg, EmailMessage)
    return msg


# --- SMTP ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_server() -> Iterator[FakeSMTP]:
    with FakeSMTP() as server:
        yield server


@pytest.fixture
def smtp(plain_server: FakeSMTP) -> FakeSMTP:
    """The module's plain SMTP server, with no messages, no faults and no connections counted."""
    plain_server.reset()
    return plain_server


@pytest.mark.parametrize(
    ("security", "auth"),  # every mode a relay may use, with and without AUTH
    [("none", None), ("none", AUTH), ("starttls", None), ("starttls", AUTH), ("tls", AUTH)],
)
async def test_cyrillic_alternative_arrives_decoded(
    security: SMTPSecurity, auth: tuple[str, str] | None
) -> None:
    with FakeSMTP(security=security, auth=auth) as server:
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=security == "tls",
            start_tls=security == "starttls",
            tls_context=None if security == "none" else server.ssl_context_for_clients(),
            username=auth[0] if auth else None,
            password=auth[1] if auth else None,
            timeout=5,
        )
        sent = reminder()
        async with client:
            errors, _ = await client.send_message(sent)
        assert errors == {}

        [got] = server.received
        assert got.mail_from == "bot@example.org"
        assert got.rcpt_tos == ("ivanov@example.org",)
        assert got.tls is (security != "none")
        assert got.auth_user == (auth[0] if auth else None)
        msg = got.message
        assert msg["Subject"] == SUBJECT
        assert msg["From"].addresses[0].display_name == "Контроль исполнения"
        assert msg["From"].addresses[0].addr_spec == "bot@example.org"
        assert msg["To"].addresses[0].display_name == "Иванов Иван"
        assert msg["Message-ID"] == sent["Message-ID"]
        assert msg.get_content_type() == "multipart/alternative"
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert plain is not None
        assert plain.get_content() == TEXT
        assert html is not None
        assert html.get_content() == HTML
        assert b"\r\n" in got.raw
        assert "Напоминание".encode() not in got.raw  # headers are encoded on the wire
        assert server.connections == 1


async def test_auth_is_required_and_checked() -> None:
    with FakeSMTP(security="starttls", auth=AUTH) as server:
        kwargs = server.client_kwargs()
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as wrong:
            await aiosmtplib.send(reminder(), **{**kwargs, "password": "wrong"}, timeout=5)
        assert wrong.value.code == 535

        del kwargs["username"], kwargs["password"]
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as anonymous:
            await aiosmtplib.send(reminder(), **kwargs, timeout=5)
        assert anonymous.value.code == 530
        assert server.received == []


async def test_starttls_server_refuses_mail_in_clear() -> None:
    with FakeSMTP(security="starttls") as server:
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await aiosmtplib.send(
                reminder(), hostname=server.host, port=server.port, start_tls=False, timeout=5
            )
        assert refused.value.code == 530
        assert server.received == []


async def test_server_certificate_is_checked() -> None:
    with FakeSMTP(security="tls") as server:
        with pytest.raises(aiosmtplib.SMTPConnectError):  # default trust store: unknown CA
            await aiosmtplib.send(
                reminder(), hostname=server.host, port=server.port, use_tls=True, timeout=5
            )
        await aiosmtplib.send(
            reminder(),
            hostname="localhost",
            port=server.port,
            use_tls=True,
            tls_context=ssl.create_default_context(cafile=str(server.ca_path)),
            timeout=5,
        )
        assert len(server.received) == 1


async def test_attachment_round_trips_over_smtp(smtp: FakeSMTP) -> None:
    msg = reply_to("<orig@example.org>", with_photo=True)
    await aiosmtplib.send(msg, hostname=smtp.host, port=smtp.port, timeout=5)
    [got] = smtp.received
    [photo] = got.message.iter_attachments()
    assert photo.get_content_type() == "image/jpeg"
    assert photo.get_filename() == "акт.jpg"
    assert photo.get_content() == JPEG


async def test_fail_rcpt_refuses_that_recipient_once(smtp: FakeSMTP) -> None:
    smtp.fail_rcpt("Gone@Example.org")
    async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5) as client:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await client.send_message(reminder("gone@example.org"))
        [recipient] = refused.value.recipients
        assert (recipient.code, recipient.recipient) == (550, "gone@example.org")
        assert recipient.message == "5.1.1 User unknown"

        smtp.fail_rcpt("gone@example.org", code=450, text="4.2.1 Mailbox busy")
        msg = reminder("gone@example.org")
        del msg["To"]
        msg["To"] = "gone@example.org, ivanov@example.org"
        errors, _ = await client.send_message(msg)  # one of two refused: no exception
        assert errors["gone@example.org"].code == 450

        await client.send_message(reminder("gone@example.org"))  # the fault was one-shot
    assert [r.rcpt_tos for r in smtp.received] == [("ivanov@example.org",), ("gone@example.org",)]


async def test_fail_data_gives_451_and_keeps_the_connection(smtp: FakeSMTP) -> None:
    smtp.fail_data()
    async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5) as client:
        with pytest.raises(aiosmtplib.SMTPDataError) as failed:
            await client.send_message(reminder())
        assert failed.value.code == 451
        assert failed.value.message == "4.3.0 Try again later"
        assert smtp.received == []
        await client.send_message(reminder())  # retried on the same connection
    assert len(smtp.received) == 1
    assert smtp.connections == 1


async def test_fail_mail_421_closes_the_connection(smtp: FakeSMTP) -> None:
    smtp.fail_mail()
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5)
    async with client:
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await client.send_message(reminder())
        assert refused.value.code == 421
        assert refused.value.message == "4.7.0 Service not available, closing"
        assert not client.is_connected
    await aiosmtplib.send(reminder(), hostname=smtp.host, port=smtp.port, timeout=5)
    assert len(smtp.received) == 1
    assert smtp.connections == 2


async def test_fail_mail_421_is_followed_by_the_server_hanging_up(smtp: FakeSMTP) -> None:
    smtp.fail_mail(times=2)
    reader, writer = await asyncio.open_connection(smtp.host, smtp.port)
    try:
        assert (await reader.readline()).startswith(b"220 ")
        writer.write(b"HELO client.test\r\n")
        assert (await reader.readline()).startswith(b"250 ")
        writer.write(b"MAIL FROM:<bot@example.org>\r\n")
        assert await reader.readline() == b"421 4.7.0 Service not available, closing\r\n"
        assert await asyncio.wait_for(reader.read(), 5) == b""  # EOF: the server closed
    finally:
        writer.close()
        await writer.wait_closed()

    smtp.fail_mail(550, "5.7.1 Sender blocked")  # other codes do not hang up
    async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5) as client:
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await client.send_message(reminder())
        assert refused.value.code == 421  # the second of times=2 comes first
        await client.connect()
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as blocked:
            await client.send_message(reminder())
        assert blocked.value.code == 550
        assert client.is_connected
        await client.send_message(reminder())
    assert len(smtp.received) == 1


async def test_drop_after_resets_the_connection_mid_send(smtp: FakeSMTP) -> None:
    smtp.drop_after(1)
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5)
    async with client:
        await client.send_message(reminder())
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await client.send_message(reminder("petrov@example.org"))
        assert not client.is_connected
    await aiosmtplib.send(reminder("petrov@example.org"), hostname=smtp.host, port=smtp.port)
    assert [r.rcpt_tos for r in smtp.received] == [("ivanov@example.org",), ("petrov@example.org",)]
    assert [r.connection for r in smtp.received] == [1, 2]
    assert smtp.connections == 2


async def test_slow_replies_time_the_client_out(smtp: FakeSMTP) -> None:
    async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5) as client:
        smtp.slow(0.3)
        with pytest.raises(aiosmtplib.SMTPReadTimeoutError):
            await client.send_message(reminder(), timeout=0.1)
        assert not client.is_connected
    assert smtp.received == []


async def test_connections_are_counted_and_waiters_wake(smtp: FakeSMTP) -> None:
    waiter = asyncio.create_task(smtp.wait_for_messages_async(3))
    async with aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=5) as client:
        await client.send_message(reminder())
        await client.send_message(reminder())
    await aiosmtplib.send(reminder(), hostname=smtp.host, port=smtp.port, timeout=5)
    async with asyncio.timeout(5):
        assert len(await waiter) == 3
    assert smtp.connections == 2
    assert len(smtp.wait_for_messages(3, timeout=0)) == 3


# --- IMAP ----------------------------------------------------------------------------------------

UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")


@pytest.fixture(scope="module")
def imap_server() -> Iterator[FakeIMAP]:
    with FakeIMAP() as server:
        yield server


@pytest.fixture
def imap(imap_server: FakeIMAP) -> FakeIMAP:
    """The module's IMAP server with an empty INBOX (and so a new UIDVALIDITY)."""
    imap_server.reset()
    return imap_server


@asynccontextmanager
async def logged_in(server: FakeIMAP, **kwargs: object) -> AsyncIterator[aioimaplib.IMAP4]:
    if server.security == "tls":
        client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
            server.host, server.port, timeout=5, ssl_context=server.ssl_context_for_clients()
        )
    else:
        client = aioimaplib.IMAP4(server.host, server.port, timeout=5)
    try:
        await client.wait_hello_from_server()
        login = await client.login(server.user, server.password)
        assert login.result == "OK", login
        yield client
        await client.logout()
    finally:
        hang_up(client)


def hang_up(client: aioimaplib.IMAP4) -> None:
    """Close the client's socket (aioimaplib's logout leaves that to the server)."""
    protocol: Any = client.protocol
    if protocol is not None and protocol.transport is not None:
        protocol.transport.close()


def uidvalidity(select: aioimaplib.Response) -> int:
    [value] = [int(m[1]) for line in select.lines if (m := UIDVALIDITY.search(line))]
    return value


async def test_reply_is_found_by_header_and_fetched_whole(imap: FakeIMAP) -> None:
    original_id = make_msgid(domain="example.org")
    imap.deliver(reply_to("<someone-else@example.org>"))
    uid = imap.deliver(reply_to(original_id))
    async with logged_in(imap) as client:
        select = await client.select("INBOX")
        assert select.result == "OK"
        assert uidvalidity(select) == imap.uid_validity
        assert b"2 EXISTS" in select.lines

        found = await client.uid_search("HEADER", "In-Reply-To", f'"{original_id}"')
        assert found.result == "OK"
        assert found.lines[0] == str(uid).encode()

        none = await client.uid_search("HEADER", "In-Reply-To", '"<nobody@example.org>"')
        assert none.result == "OK"
        assert none.lines[0] == b""  # no match: an empty first line

        fetched = await client.uid("fetch", str(uid), "(UID BODY.PEEK[])")
        assert fetched.result == "OK"
        assert re.fullmatch(rb"\d+ FETCH \(UID %d BODY\[\] \{\d+\}" % uid, fetched.lines[0])
        msg = parse(bytes(fetched.lines[1]))
        assert msg["Subject"] == f"Re: {SUBJECT}"
        assert msg["In-Reply-To"] == original_id
        assert msg["From"].addresses[0].display_name == "Иванов Иван"
        assert msg.get_content() == "Выполнено, акт во вложении.\n"
    assert all("\\Seen" not in m.flags for m in imap.stored())  # PEEK leaves it unread


async def test_rfc822_fetch_marks_seen_and_all_uids_since(imap: FakeIMAP) -> None:
    first = imap.deliver(reply_to("<a@example.org>"))
    second = imap.deliver(reply_to("<b@example.org>").as_bytes())  # bytes with bare LF
    async with logged_in(imap) as client:
        await client.select("INBOX")
        since = await client.uid_search(f"UID {first + 1}:*")
        assert since.lines[0] == str(second).encode()
        fetched = await client.uid("fetch", f"{first}:{second}", "RFC822")
        assert fetched.result == "OK"
        literals = [bytes(line) for line in fetched.lines if isinstance(line, bytearray)]
        assert [parse(raw)["In-Reply-To"] for raw in literals] == [
            "<a@example.org>",
            "<b@example.org>",
        ]
        assert all(b"\r\n" in raw and b"\n\n" not in raw for raw in literals)
    assert [m.flags for m in imap.stored()] == [frozenset({"\\Seen"})] * 2


async def test_attachment_round_trips_over_imap(imap: FakeIMAP) -> None:
    uid = imap.deliver(reply_to("<orig@example.org>", with_photo=True))
    async with logged_in(imap) as client:
        await client.select("INBOX")
        fetched = await client.uid("fetch", str(uid), "(BODY.PEEK[])")
        [photo] = parse(bytes(fetched.lines[1])).iter_attachments()
        assert photo.get_filename() == "акт.jpg"
        assert photo.get_content() == JPEG


async def test_recreated_mailbox_has_a_new_uidvalidity(imap: FakeIMAP) -> None:
    old_uid = imap.deliver(reply_to("<a@example.org>"))
    async with logged_in(imap) as client:
        before = uidvalidity(await client.select("INBOX"))
    after_value = imap.recreate_mailbox()
    assert after_value != before
    new_uid = imap.deliver(reply_to("<b@example.org>"))
    assert new_uid == old_uid  # UIDs start over: only UIDVALIDITY tells them apart
    async with logged_in(imap) as client:
        select = await client.select("INBOX")
        assert uidvalidity(select) == after_value
        assert b"1 EXISTS" in select.lines


async def test_idle_announces_a_delivery(imap: FakeIMAP) -> None:
    async with logged_in(imap) as client:
        assert client.has_capability("IDLE")
        await client.select("INBOX")
        idle = await client.idle_start(timeout=5)
        imap.deliver(reply_to("<a@example.org>"))
        push: Any = await client.wait_server_push(timeout=5)  # the lines, not a Response
        assert b"1 EXISTS" in push
        client.idle_done()
        async with asyncio.timeout(5):
            assert (await idle).result == "OK"


async def test_wrong_password_is_refused(imap: FakeIMAP) -> None:
    client = aioimaplib.IMAP4(imap.host, imap.port, timeout=5)
    try:
        await client.wait_hello_from_server()
        refused = await client.login(imap.user, "wrong")
        assert refused.result == "NO"
        await client.logout()
    finally:
        hang_up(client)


async def test_imap_over_tls() -> None:
    with FakeIMAP(security="tls", user="replies@example.org", password="pw") as server:
        uid = server.deliver(reply_to("<a@example.org>"))
        async with logged_in(server) as client:
            await client.select("INBOX")
            found = await client.uid_search("ALL")
            assert found.lines[0] == str(uid).encode()
        assert server.connections == 1


# --- both ----------------------------------------------------------------------------------------


async def test_stopping_with_clients_connected_hangs_up_on_them() -> None:
    imap = FakeIMAP(security="tls").start()
    smtp = FakeSMTP(security="tls").start()
    reader = aioimaplib.IMAP4_SSL(
        imap.host, imap.port, timeout=5, ssl_context=imap.ssl_context_for_clients()
    )
    sender = aiosmtplib.SMTP(**smtp.client_kwargs(), timeout=5)
    try:
        await reader.wait_hello_from_server()
        await reader.login(imap.user, imap.password)
        await reader.select("INBOX")
        idle = await reader.idle_start(timeout=5)
        await sender.connect()

        imap.stop()  # while this loop is blocked: the TLS close is cut short, not hung
        smtp.stop()

        push: Any = await reader.wait_server_push(timeout=5)
        assert push == [b"BYE [UNAVAILABLE] Server has closed the connection."]
        assert not idle.done()  # aioimaplib never ends an IDLE the server hung up on
        idle.cancel()
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await sender.noop()
    finally:
        sender.close()
        hang_up(reader)
        imap.stop()
        smtp.stop()


def test_sync_clients_work_too() -> None:
    """The servers run in their own threads: plain smtplib/imaplib in a sync test is fine."""
    import imaplib
    import smtplib

    with FakeSMTP(auth=AUTH) as smtp, FakeIMAP() as imap:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
            client.login(*AUTH)
            client.send_message(reminder())
        [got] = smtp.wait_for_messages(1)
        assert got.message["Subject"] == SUBJECT

        uid = imap.deliver(got.raw)
        with imaplib.IMAP4(imap.host, imap.port, timeout=5) as client:
            client.login(imap.user, imap.password)
            client.select("INBOX")
            status, data = client.uid("SEARCH", "HEADER", "Message-ID", got.message["Message-ID"])
            assert (status, data) == ("OK", [str(uid).encode()])
            client.logout()
