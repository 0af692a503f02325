"""Our Message-IDs: unguessable, stable across retries, and bound to the one recipient.

``<m.TOKEN@domain>``, where TOKEN is an HMAC (SHA-256, keyed with RESOLUTE_SECRET) over the
outbox key and the recipient's normalised address, 120 bits in lower-case base32. The same
outbox row sent again (a retry) gets the same ID; nobody without the secret can compute the ID
of anybody's reminder; and a reply or a bounce that quotes an ID proves which address the
original went to: ``sent_to`` recomputes it for the address that claims it.

Before this scheme IDs were ``<r.`` + sha256(key)[:20] ``@domain>``: computable by anyone from
a task id and a deadline. ``is_legacy`` recognises them, and the reader refuses replies that
refer only to them (see README, "Replies by e-mail").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from engine.mail_address import normalise

PREFIX = "m."
DOMAIN_CHARS = 35  # "<m." + 24 + "@" + 35 + ">" = 64, the width of outbox.external_id
_LABEL = b"resolute/message-id\x00"
_DOMAIN = re.compile(r"[^A-Za-z0-9.-]")  # what may stand in a Message-ID's right side
_OURS = re.compile(r"<m\.([a-z2-7]{24})@[^<>\s]*>")


def _token(secret: bytes, key: str, recipient: str) -> str:
    data = b"\x00".join(
        (
            _LABEL,
            key.encode(errors="surrogatepass"),
            normalise(recipient).encode(errors="surrogatepass"),
        )
    )
    digest = hmac.new(secret, data, hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode("ascii").lower()


def message_id(secret: bytes, key: str, recipient: str, from_address: str) -> str:
    """The Message-ID of the outbox row ``key`` sent to ``recipient``."""
    domain = _DOMAIN.sub("", from_address.rpartition("@")[2])[:DOMAIN_CHARS] or "resolute.invalid"
    return f"<{PREFIX}{_token(secret, key, recipient)}@{domain}>"


def sent_to(secret: bytes, mid: str, key: str, recipient: str) -> bool:
    """Whether ``mid`` is the ID we gave row ``key`` when sending it to ``recipient``."""
    found = _OURS.fullmatch(mid.strip())
    return found is not None and hmac.compare_digest(found.group(1), _token(secret, key, recipient))


def is_legacy(mid: str, key: str) -> bool:
    """An ID of the old, guessable form for row ``key``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return mid.strip().startswith(f"<r.{digest}@")
