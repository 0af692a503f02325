"""Who wrote a mail: the author's address from a From header, or why it cannot be trusted.

Mail systems (and SPF, DKIM and DMARC) take the bracketed addr-spec as the author. A reader that
shows or matches anything else can be fooled: ``From: titov@example.org <attacker@evil.example>``
is attacker's mail with titov's address for a name. So the author is the addr-spec of the one
parsed address, and a From that names any other address anywhere (display name, comment, a
second mailbox, a group) is refused. Addresses compare after normalisation: NFC, lower case,
the domain in its IDNA (punycode) form.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from email import policy
from email.errors import InvalidHeaderDefect
from email.headerregistry import AddressHeader
from email.message import Message

import idna

# Something that looks like an address: the test for a display name or comment naming one.
_ADDRESS_LIKE = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")
MAX_FROM_CHARS = 2000


@dataclass(frozen=True)
class Author:
    address: str  # normalised: compare it with ``normalise(roster address)``
    display_name: str


@dataclass(frozen=True)
class Refused:
    reason: str  # stable: no-from, several-from, malformed-from, group-from, name-is-address


def normalise(address: str) -> str:
    """``Sidorov@ПРИМЕР.рф`` → ``sidorov@xn--e1afmkfd.xn--p1ai``; "" for no address."""
    address = unicodedata.normalize("NFC", readable(address).strip().strip("<>").strip())
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return address.lower()
    domain = domain.rstrip(".").lower()
    with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):  # else: as it is
        domain = idna.encode(domain, uts46=True).decode("ascii")
    return f"{local.lower()}@{domain}"


def raw_from(message: Message) -> str:
    """The From header(s) as received, before any parser's guess: for the record."""
    return " | ".join(_text(v) for k, v in message.raw_items() if k.lower() == "from")


def author(message: Message) -> Author | Refused:
    """The one author of ``message``, or why there is none to trust."""
    sources = [v for k, v in message.raw_items() if k.lower() == "from"]
    if not sources:
        return Refused("no-from")
    if len(sources) > 1:
        return Refused("several-from")
    return author_of(_text(sources[0]))


def author_of(value: str) -> Author | Refused:
    """The same for a From header's text (encoded words allowed)."""
    if len(value) > MAX_FROM_CHARS:
        return Refused("malformed-from")
    try:
        header = policy.default.header_factory("From", value)
    except Exception:  # the header parser has raised on odd input before
        return Refused("malformed-from")
    assert isinstance(header, AddressHeader)
    if any(_structural(d) for d in getattr(header, "defects", ())):
        return Refused("malformed-from")
    if any(g.display_name is not None for g in header.groups):
        return Refused("group-from")
    if not header.addresses:
        return Refused("no-from")
    if len(header.addresses) > 1:
        return Refused("several-from")
    mailbox = header.addresses[0]
    if not mailbox.username or not mailbox.domain:
        return Refused("malformed-from")
    address = normalise(mailbox.addr_spec)
    named = _ADDRESS_LIKE.findall(value) + _ADDRESS_LIKE.findall(str(header))  # comments too
    if any(normalise(token) != address for token in named):
        return Refused("name-is-address")
    return Author(address, mailbox.display_name)


def _structural(defect: Exception) -> bool:
    """A defect in the address structure (``invalid address in address-list``: the parser
    guessed). Encoded-word spacing defects are encoding trivia: Python's own serialiser makes
    ``=?utf-8?b?…?=. <a@b>`` out of «Сидоров С.С.»."""
    return isinstance(defect, InvalidHeaderDefect) and "encoded-word" not in str(defect)


def readable(text: str) -> str:
    """Text that any encoder takes: undecodable 8-bit bytes of a raw header (kept by the
    parser as surrogates) read as UTF-8, which is what a client sending raw 8-bit headers almost
    always meant; anything else unencodable replaced."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _text(source: object) -> str:
    return readable(source) if isinstance(source, str) else str(source)
