"""Reading a reply e-mail: who wrote, to which of our messages, what it says, what is attached,
and whether it is a bounce. Pure: bytes in, a ``Reply`` out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parseaddr

CONFIRM_WORDS = ("выполнено", "готово", "done")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_TEXT_CHARS = 20_000

_QUOTE_HEADERS = re.compile(
    r"^\s*(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение)\s*-{2,}"
    r"|.*(wrote|написал\(а\)|написал|написала|пишет)\s*:\s*$"
    r"|from:\s.*|от:\s.*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class File:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Reply:
    message_id: str | None
    sender: str  # the From address, lower-case; display name dropped
    refers_to: tuple[str, ...]  # Message-IDs from In-Reply-To and References
    text: str  # the reply's own words: quoted history and signature removed
    files: tuple[File, ...] = ()
    too_large: tuple[str, ...] = ()  # attachments left out for size or count
    bounced: tuple[str, ...] = field(default=())  # failed recipients, when this is a bounce

    @property
    def confirms(self) -> bool:
        """The first line says done: «Выполнено», «готово», «Done.»…"""
        first = next((line for line in self.text.splitlines() if line.strip()), "")
        word = re.split(r"[^\w]+", first.strip().lower(), maxsplit=1)[0] if first else ""
        return word in CONFIRM_WORDS


def parse(raw: bytes) -> Reply:
    # Wire format has CRLF line ends, which the parser keeps in text content: normalise first.
    message = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    refs = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
    files = _files(message)
    return Reply(
        message_id=str(message["Message-ID"]).strip() if message["Message-ID"] else None,
        sender=parseaddr(str(message.get("From", "")))[1].strip().lower(),
        refers_to=tuple(dict.fromkeys(re.findall(r"<[^<>\s]+>", refs))),
        text=_own_words(message),
        files=tuple(f for f in files if isinstance(f, File)),
        too_large=tuple(f for f in files if isinstance(f, str)),
        bounced=_bounced(message),
    )


def _own_words(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    text = str(content)
    if body.get_content_subtype() == "html":
        text = re.sub(r"<(br|p|div)[^>]*>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]+>", "", text)
    return strip_quoted(text)[:MAX_TEXT_CHARS]


def strip_quoted(text: str) -> str:
    """The reply above the quoted original and the signature."""
    kept = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--" or _QUOTE_HEADERS.match(line):  # a signature, or the original
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _files(message: EmailMessage) -> list[File | str]:
    found: list[File | str] = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        if len(data) > MAX_ATTACHMENT_BYTES or len(found) >= MAX_ATTACHMENTS:
            found.append(name)
            continue
        found.append(File(name[:255], part.get_content_type(), data))
    return found


def _bounced(message: Message) -> tuple[str, ...]:
    """Failed recipients of a delivery-status notification (RFC 3464); empty otherwise."""
    if message.get_content_type() != "multipart/report":
        return ()
    if message.get_param("report-type") != "delivery-status":
        return ()
    failed: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            if str(block.get("Action", "")).strip().lower() != "failed":
                continue
            recipient = str(block.get("Final-Recipient", "")).partition(";")[2].strip()
            if recipient:
                failed.append(recipient.lower())
    return tuple(failed)


def original_ids(raw: bytes) -> tuple[str, ...]:
    """Message-IDs quoted inside a bounce (the returned headers of our message)."""
    found = re.findall(rb"(?im)^message-id:\s*(<[^<>\s]+>)", raw)
    return tuple(dict.fromkeys(m.decode(errors="replace") for m in found))
