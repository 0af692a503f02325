"""What the receiving mail server says of a message's authenticity (RFC 8601
Authentication-Results), read for the record and the controller's eyes only.

A server prepends its own header, so the topmost one is our server's verdict; any below it came
with the message and prove nothing. The verdict is never a reason to accept a reply: a forger
can send mail through a server that writes nothing, and a missing header says nothing. A failed
DMARC is a reason for the controller to look twice, and they are told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from engine.mail_address import readable

MAX_HEADERS = 5
MAX_HEADER_CHARS = 2000
_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*([a-z0-9-]+)\s*=\s*([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Authentication:
    headers: tuple[str, ...] = ()  # as received, topmost first, each shortened
    server: str | None = None  # the authserv-id of the topmost header
    dmarc: str | None = None  # its dmarc result: pass, fail, none, …; None when not stated

    @property
    def dmarc_failed(self) -> bool:
        return self.dmarc == "fail"


def authentication(message: Message) -> Authentication:
    headers = tuple(
        " ".join(readable(str(v)).split())[:MAX_HEADER_CHARS]
        for k, v in message.raw_items()
        if k.lower() == "authentication-results"
    )[:MAX_HEADERS]
    if not headers:
        return Authentication()
    server, results = parse(headers[0])
    return Authentication(headers, server, results.get("dmarc"))


def parse(value: str) -> tuple[str, dict[str, str]]:
    """``mx.example.org; spf=pass …; dmarc=fail (p=reject) header.from=x`` →
    ``("mx.example.org", {"spf": "pass", "dmarc": "fail"})``; the first result per method."""
    text = value
    for _ in range(10):  # nested comments, innermost first
        stripped = _COMMENT.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    server, *resinfo = text.split(";")
    results: dict[str, str] = {}
    for item in resinfo:
        found = _RESULT.match(item)
        if found:
            results.setdefault(found.group(1).lower(), found.group(2).lower())
    return server.strip().split(" ")[0] if server.strip() else "", results
