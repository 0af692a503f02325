"""Replies in over IMAP with aioimaplib: new messages since the last UID we saw.

UIDVALIDITY and the last UID are the caller's to store; when the server's UIDVALIDITY changes
(the mailbox was recreated), every message is new again, and the caller's per-message record
keeps that from processing any of them twice.
"""

from __future__ import annotations

import contextlib
import re
import ssl
from dataclasses import dataclass

from aioimaplib import IMAP4, IMAP4_SSL, AioImapException, Response

from engine.channels.base import ChannelUnavailable

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCH_UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class Fetched:
    uidvalidity: int
    messages: list[tuple[int, bytes]]  # (uid, the whole message), in UID order


class ImapMailbox:
    def __init__(
        self,
        host: str,
        *,
        port: int | None,
        security: str,
        username: str,
        password: str,
        mailbox: str = "INBOX",
        ca_file: str | None = None,
        timeout_s: float = 30.0,
        max_messages: int = 200,
    ) -> None:
        self._host = host
        self._port = port or (993 if security == "tls" else 143)
        self._tls = ssl.create_default_context(cafile=ca_file) if security == "tls" else None
        self._username = username
        self._password = password
        self._mailbox = mailbox
        self._timeout_s = timeout_s
        self._max_messages = max_messages

    async def fetch_new(self, uidvalidity: int | None, last_uid: int) -> Fetched:
        """Messages with a UID above ``last_uid`` (all, if UIDVALIDITY is not ``uidvalidity``),
        at most ``max_messages`` per call (the caller comes back for the rest)."""
        client: IMAP4
        if self._tls is not None:
            client = IMAP4_SSL(
                self._host, self._port, timeout=self._timeout_s, ssl_context=self._tls
            )
        else:
            client = IMAP4(self._host, self._port, timeout=self._timeout_s)
        try:
            await client.wait_hello_from_server()
            _ok(await client.login(self._username, self._password), "вход")
            selected = _ok(await client.select(self._mailbox), f"папка {self._mailbox}")
            found = _UIDVALIDITY.search(b" ".join(bytes(line) for line in selected.lines))
            validity = int(found.group(1)) if found else 0
            since = last_uid if validity == uidvalidity else 0
            searched = _ok(await client.uid_search(f"UID {since + 1}:*"), "поиск")
            uids = sorted(
                uid
                for line in searched.lines[:1]
                for uid in map(int, bytes(line).split() or [])
                if uid > since  # "n:*" always matches the highest UID, even below n
            )[: self._max_messages]
            messages = []
            for uid in uids:
                fetched = _ok(await client.uid("fetch", str(uid), "(RFC822)"), "чтение письма")
                literal = max(
                    (bytes(line) for line in fetched.lines if isinstance(line, bytearray)),
                    key=len,
                    default=b"",
                )
                if literal:
                    messages.append((uid, literal))
            return Fetched(validity, messages)
        except (AioImapException, OSError, TimeoutError) as exc:
            raise ChannelUnavailable(f"IMAP {self._host}: {type(exc).__name__}: {exc}") from None
        finally:
            with contextlib.suppress(AioImapException, OSError, TimeoutError, AttributeError):
                await client.logout()


def _ok(response: Response, what: str) -> Response:
    if response.result != "OK":
        lines = b" ".join(bytes(x) for x in response.lines)
        raise ChannelUnavailable(f"IMAP: {what} не удалось: {lines.decode(errors='replace')}")
    return response
