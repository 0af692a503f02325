"""Reading a reply e-mail: who wrote, to which of our messages, what it says, what is attached,
and whether it is a bounce. Pure: bytes in, a ``Reply`` out."""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage, Message

from engine.file_names import safe_name
from engine.mail_address import Author, Refused, author, normalise, raw_from, readable
from engine.mail_auth import Authentication, authentication

CONFIRM_WORDS = ("выполнено", "готово", "done")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_TEXT_CHARS = 20_000
MAX_HEADER_CHARS = 20_000  # of In-Reply-To or References
MAX_REFERENCES = 50
MAX_FROM_RECORDED = 300
MAX_ID_CHARS = 255  # evidence.reference
_MSGID = re.compile(r"<[^<>\s]+>")

_QUOTE_HEADERS = re.compile(
    r"^\s*(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение)\s*-{2,}"
    r"|.*(wrote|написал\(а\)|написал|написала|пишет)\s*:\s*$"
    r"|from:\s.*|от:\s.*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class File:
    file_name: str  # safe to store and to write to disk (engine/file_names.py)
    content_type: str
    data: bytes
    sent_as: str | None = None  # the sender's own name for it, when it had to be shortened


@dataclass(frozen=True)
class Reply:
    message_id: str | None
    sender: str  # the author's addr-spec, normalised (engine/mail_address.py); "" if refused
    refers_to: tuple[str, ...]  # Message-IDs: In-Reply-To first, then References, latest first
    text: str  # the reply's own words: quoted history and signature removed
    files: tuple[File, ...] = ()
    too_large: tuple[str, ...] = ()  # attachments left out for size or count
    bounced: tuple[str, ...] = field(default=())  # failed recipients, when this is a bounce
    sender_refused: str | None = None  # why the From cannot be trusted (Refused.reason)
    from_header: str = ""  # the From as received, shortened: for the record of a refusal
    bounce_of: tuple[str, ...] = ()  # Message-IDs of the original, quoted in a bounce
    authentication: Authentication = field(default_factory=Authentication)
    unknown_charsets: tuple[str, ...] = ()  # parts decoded as UTF-8 with replacements
    auto_submitted: bool = False  # an autoresponder or a server wrote it: never answered

    @property
    def confirms(self) -> bool:
        """The first line says done: «Выполнено», «готово», «Done.»…"""
        first = next((line for line in self.text.splitlines() if line.strip()), "")
        word = re.split(r"[^\w]+", first.strip().lower(), maxsplit=1)[0] if first else ""
        return word in CONFIRM_WORDS

    @property
    def renamed(self) -> tuple[File, ...]:
        return tuple(f for f in self.files if f.sent_as is not None)


def parse(raw: bytes) -> Reply:
    # Wire format has CRLF line ends, which the parser keeps in text content: normalise first.
    # A NUL has no place in a mail's text and PostgreSQL refuses it in text and JSON: drop it
    # from the wire form here and from decoded text below (_text_of).
    message = message_from_bytes(
        raw.replace(b"\r\n", b"\n").replace(b"\x00", b""), policy=policy.default
    )
    assert isinstance(message, EmailMessage)
    who = author(message)
    charsets: list[str] = []
    files = _files(message)
    text = _own_words(message, charsets)
    report = _is_delivery_report(message)
    return Reply(
        message_id=_message_id(message),
        sender=who.address if isinstance(who, Author) else "",
        refers_to=_refers_to(message),
        text=text,
        files=tuple(f for f in files if isinstance(f, File)),
        too_large=tuple(f for f in files if isinstance(f, str)),
        bounced=_bounced(message) if report else (),
        sender_refused=who.reason if isinstance(who, Refused) else None,
        from_header=" ".join(raw_from(message).split())[:MAX_FROM_RECORDED],
        bounce_of=_bounce_of(message) if report else (),
        authentication=authentication(message),
        unknown_charsets=tuple(dict.fromkeys(charsets)),
        auto_submitted=report or _auto_submitted(message),
    )


def _header(message: Message, name: str, *, newest: bool = False) -> str:
    """A header's raw text, shortened before anything reads it (the header registry's parsers
    take seconds over a References of thousands of IDs): its start, or with ``newest`` its end,
    where References keeps the latest IDs."""
    wanted = name.lower()
    text = " ".join(readable(str(v)) for k, v in message.raw_items() if k.lower() == wanted)
    return text[-MAX_HEADER_CHARS:] if newest else text[:MAX_HEADER_CHARS]


def _message_id(message: Message) -> str | None:
    found = _MSGID.search(_header(message, "Message-ID"))
    return found.group(0)[:MAX_ID_CHARS] if found else None


def _refers_to(message: Message) -> tuple[str, ...]:
    """The IDs of the mail this one answers: the direct parent first, then its ancestors from
    the newest; at most MAX_REFERENCES."""
    parent = _MSGID.findall(_header(message, "In-Reply-To"))
    ancestors = _MSGID.findall(_header(message, "References", newest=True))[::-1]
    ids = (i for i in parent + ancestors if len(i) <= MAX_ID_CHARS)
    return tuple(dict.fromkeys(ids))[:MAX_REFERENCES]


def _auto_submitted(message: Message) -> bool:
    value = _header(message, "Auto-Submitted").strip().lower()
    return bool(value) and value != "no"


def _text_of(part: Message, charsets: list[str]) -> str:
    """A text part's content; in an unknown charset, read as UTF-8 with replacements (and the
    charset noted), so the words that are plain ASCII or UTF-8 survive."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    data = data.replace(b"\x00", b"")  # base64 or =00 can still carry one
    charset = str(part.get_content_charset() or "us-ascii")
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):
        charsets.append(charset[:40])
        return data.decode("utf-8", "replace")
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError, TypeError):  # a codec that cannot decode at all
        charsets.append(charset[:40])
        return data.decode("utf-8", "replace")


def _own_words(message: EmailMessage, charsets: list[str]) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _text_of(body, charsets)
    if body.get_content_subtype() == "html":
        text = re.sub(r"<(br|p|div)[^>]*>", "\n", text, flags=re.IGNORECASE)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
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
        try:
            sent_as = part.get_filename()
        except Exception:  # a malformed RFC 2231 name: the file is still worth keeping
            sent_as = None
        name = safe_name(sent_as)
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        if len(data) > MAX_ATTACHMENT_BYTES or len(found) >= MAX_ATTACHMENTS:
            found.append(name)
            continue
        renamed = sent_as if sent_as is not None and name != sent_as else None
        found.append(File(name, part.get_content_type(), data, renamed))
    return found


def _is_delivery_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and message.get_param("report-type") == "delivery-status"
    )


def _bounced(message: Message) -> tuple[str, ...]:
    """Failed recipients of a delivery-status notification (RFC 3464)."""
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
            recipient = str(block.get("Final-Recipient", "")).partition(";")[2]
            if normalise(recipient):
                failed.append(normalise(recipient))
    return tuple(dict.fromkeys(failed))[:MAX_REFERENCES]


def _bounce_of(message: Message) -> tuple[str, ...]:
    """The Message-ID of the mail a bounce returns: from its ``message/rfc822`` part (the whole
    original) or its ``text/rfc822-headers`` part (the original's headers). IDs elsewhere in
    the report (its text, its own headers) are not evidence of what bounced."""
    found: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            for original in inner if isinstance(inner, list) else []:
                if isinstance(original, Message):
                    found += _MSGID.findall(_header(original, "Message-ID"))[:1]
        elif kind == "text/rfc822-headers":
            headers = message_from_string(_text_of(part, []), policy=policy.default)
            found += _MSGID.findall(_header(headers, "Message-ID"))[:1]
    return tuple(dict.fromkeys(i for i in found if len(i) <= MAX_ID_CHARS))[:MAX_REFERENCES]
