"""E-mail out through aiosmtplib: multipart messages with our own Message-ID, a small pool of
reused connections, and SMTP replies classified into retry-later and give-up.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import encoders
from email import policy as email_policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from types import TracebackType

import aiosmtplib
from icalendar import Calendar, Event

from engine.channels.base import Delivered, DeliveryError
from engine.mail_ids import message_id

log = logging.getLogger("resolute.email")

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
# Control characters (a line break above all) in a header would end it and start another.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str) -> str:
    """A name or subject made safe for one header line: control characters become a space."""
    return " ".join(_CONTROL.sub(" ", value).split())


@dataclass(frozen=True)
class Attachment:
    file_name: str
    content_type: str  # "text/calendar"
    data: bytes


@dataclass(frozen=True)
class Mail:
    """One message to one person."""

    to_address: str
    to_name: str
    subject: str
    html: str
    text: str
    key: str  # the outbox key: the Message-ID is derived from it, so a retry keeps it
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    in_reply_to: str | None = None  # the Message-ID this answers: the reply joins its thread


def deadline_invite(uid: str, deadline: date, summary: str, description: str) -> Attachment:
    """The deadline as an all-day calendar event, so it lands in the official's calendar."""
    calendar = Calendar()
    calendar.add("prodid", "-//resolute//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.combine(deadline, datetime.min.time()))
    event.add("dtstart", deadline)
    event.add("summary", summary)
    event.add("description", description)
    calendar.add_component(event)
    return Attachment("srok.ics", "text/calendar", calendar.to_ical())


def build(mail: Mail, sender: str, now: datetime, secret: bytes) -> EmailMessage:
    """A multipart/alternative message (plain text first, HTML second), with attachments;
    its Message-ID is keyed with ``secret`` (see engine/mail_ids.py)."""
    from_name, from_address = parseaddr(sender)
    from_name = header_text(from_name)
    message = EmailMessage()
    message["From"] = Address(display_name=from_name, addr_spec=from_address)
    message["To"] = Address(display_name=header_text(mail.to_name), addr_spec=mail.to_address)
    message["Reply-To"] = Address(display_name=from_name, addr_spec=from_address)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(secret, mail.key, mail.to_address, from_address)
    message["Auto-Submitted"] = "auto-generated"
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.file_name
        )
    return message


def wire_bytes(mail: Mail, sender: str, now: datetime, secret: bytes) -> bytes | None:
    """The same message as ``build`` makes, as the bytes SMTP sends, made with the email
    package's older (compat32) API: a seventh of the CPU of building and flattening an
    EmailMessage, whose header folding cost more than everything else a mail takes. None when an
    address is not ASCII: that needs SMTPUTF8, which ``build`` and ``send_message`` handle."""
    from_name, from_address = parseaddr(sender)
    if not (from_address + mail.to_address).isascii():
        return None
    from_name = header_text(from_name)
    message = MIMEMultipart("mixed")
    message["From"] = formataddr((from_name, from_address), "utf-8")
    message["To"] = formataddr((header_text(mail.to_name), mail.to_address), "utf-8")
    message["Reply-To"] = formataddr((from_name, from_address), "utf-8")
    message["Subject"] = Header(header_text(mail.subject), "utf-8", header_name="Subject").encode()
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(secret, mail.key, mail.to_address, from_address)
    message["Auto-Submitted"] = "auto-generated"
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(mail.text, "plain", "utf-8"))
    alternative.attach(MIMEText(mail.html, "html", "utf-8"))
    message.attach(alternative)
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        part = MIMEBase(maintype, subtype)
        if maintype == "text":
            part.set_param("charset", "utf-8")
        part.set_payload(attachment.data)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=attachment.file_name)
        message.attach(part)
    return message.as_bytes(policy=_WIRE)


_WIRE = email_policy.compat32.clone(linesep="\r\n")


class SmtpChannel:
    """Sends through a small pool of connections that are opened once and reused."""

    def __init__(
        self,
        host: str,
        *,
        port: int | None,
        security: str,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        timeout_s: float = 30.0,
        pool_size: int = 2,
        secret: bytes,
    ) -> None:
        self.sender = sender
        self._secret = secret  # keys the Message-IDs
        self.from_address = parseaddr(sender)[1]
        self._host = host
        self._port = port or DEFAULT_PORTS[security]
        self._security = security
        self._username = username
        self._password = password
        self._timeout_s = timeout_s
        self._tls = ssl.create_default_context(cafile=ca_file) if security != "none" else None
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        for _ in range(pool_size):
            self._idle.put_nowait(self._client())

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            use_tls=self._security == "tls",
            start_tls=self._security == "starttls",
            tls_context=self._tls,
            username=self._username,
            password=self._password,
            timeout=self._timeout_s,
        )

    async def __aenter__(self) -> SmtpChannel:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()

    async def send(self, mail: Mail, now: datetime) -> Delivered:
        """Send one message; DeliveryError says whether trying again can help. A message that
        cannot be built (an address the email package refuses, say) is a permanent failure of
        this message alone, never an exception out of the pass."""
        try:
            raw = wire_bytes(mail, self.sender, now, self._secret)
            built = build(mail, self.sender, now, self._secret) if raw is None else None
        except Exception as exc:  # the email package raises several kinds; all mean "unusable"
            reason = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("\r", " ")
            raise DeliveryError(
                f"smtp: письмо не собрать: {reason[:300]}", permanent=True
            ) from None
        client = await self._idle.get()
        try:
            if not client.is_connected:
                await client.connect()
            if raw is not None:
                await client.sendmail(self.from_address, [mail.to_address], raw)
            else:
                assert built is not None
                await client.send_message(built)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(code >= 500 for code in codes)
            raise DeliveryError(
                f"smtp: адрес отклонён ({', '.join(map(str, codes))})",
                permanent=permanent,
                recipient_unreachable=permanent,
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421 or not client.is_connected:
                client.close()
            raise DeliveryError(
                f"smtp: {exc.code} {exc.message}", permanent=exc.code >= 500
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()  # dropped or timed out: reconnect on the next message
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}", permanent=False) from None
        finally:
            self._idle.put_nowait(client)
        return Delivered(message_id(self._secret, mail.key, mail.to_address, self.from_address))
