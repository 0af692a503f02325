"""Loopback SMTP and IMAP servers for tests, spoken to by the real aiosmtplib and aioimaplib.

``FakeSMTP`` is an aiosmtpd server on 127.0.0.1 that records every message it accepts and can be
told to misbehave the way real relays do; ``FakeIMAP`` is an in-memory pymap server holding one
user's INBOX, into which a test drops the "replies" the app should find. Both serve from a thread
of their own with its own event loop, so they work the same from async and sync tests (and for an
app started as a subprocess)::

    with FakeSMTP(security="starttls", auth=("bot", "secret")) as smtp:
        await aiosmtplib.send(msg, hostname=smtp.host, port=smtp.port,
                              username="bot", password="secret",
                              tls_context=smtp.ssl_context_for_clients())
        [got] = smtp.received                  # Received(mail_from, rcpt_tos, message, raw, ...)
        assert got.message["Subject"] == "Напоминание о пункте II.4"

        smtp.fail_rcpt("gone@example.org")     # 550 5.1.1 for the next RCPT TO to that address
        smtp.fail_data(451)                    # 451 after the next message's content
        smtp.fail_mail(421)                    # 421 to the next MAIL FROM, then hang up
        smtp.drop_after(2)                     # 2 more messages, then reset the 3rd's connection
        smtp.slow(0.3)                         # every reply from now on comes 0.3 s late

    with FakeIMAP() as imap:                   # user svc@example.org, password "secret"
        uid = imap.deliver(reply)              # bytes or EmailMessage, straight into INBOX
        imap.recreate_mailbox()                # empty INBOX with a new UIDVALIDITY

Every public method is thread-safe. Servers bind a socket to 127.0.0.1 port 0 themselves and serve
on it, so there is no race for a free port. TLS uses a throw-away CA made by ``trustme``
(certificate for 127.0.0.1 and localhost): give the client ``ssl_context_for_clients()`` or trust
the PEM at ``ca_path``.

Deliberate differences from real servers: only one IMAP user and no STARTTLS on IMAP (aioimaplib
has none); the SMTP server accepts any sender and recipient unless told otherwise, keeps every
message in memory, and never relays.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from argparse import Namespace
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import TracebackType
from typing import Any, AnyStr, Final, Literal, Self, TypeVar

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from proxyprotocol.result import ProxyResultLocal
from proxyprotocol.sock import SocketInfo
from pymap.backend.dict import Config as _PymapConfig
from pymap.backend.dict import Login as _PymapLogin
from pymap.backend.dict.mailbox import MailboxData, MailboxSet
from pymap.concurrent import Subsystem
from pymap.imap import IMAPServer
from pymap.parsing.message import AppendMessage
from pymap.parsing.specials.fetchattr import FetchRequirement
from pymap.parsing.specials.flag import Flag
from pymap.user import Passwords, UserMetadata
from pysasl.hashing import BuiltinHash

__all__ = [
    "FakeIMAP",
    "FakeSMTP",
    "IMAPSecurity",
    "Received",
    "SMTPSecurity",
    "StoredMessage",
]

SMTPSecurity = Literal["none", "starttls", "tls"]
IMAPSecurity = Literal["none", "tls"]

HOST: Final = "127.0.0.1"
_START_TIMEOUT: Final = 10.0
_CRLF = re.compile(rb"\r?\n")
_T = TypeVar("_T")


# --- shared plumbing -----------------------------------------------------------------------------


def _listening_socket() -> socket.socket:
    """A TCP socket bound to 127.0.0.1 on a port the kernel picked, ready to be served on.

    ``IPPROTO_TCP`` is spelled out on purpose: asyncio only sets TCP_NODELAY on accepted sockets
    whose ``proto`` says TCP, and a ``socket.socket()`` (proto 0) costs every multi-write reply a
    40 ms delayed-ACK stall.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.bind((HOST, 0))
        sock.listen(64)
    except BaseException:
        sock.close()
        raise
    return sock


class _TLSMaterial:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost (in memory; the
    CA's PEM file is written on first use and removed by ``cleanup``)."""

    def __init__(self) -> None:
        self.ca = trustme.CA(organization_name="resolute tests")
        self.leaf = self.ca.issue_cert(HOST, "localhost")
        self._lock = threading.Lock()
        self._dir: Path | None = None

    @property
    def ca_path(self) -> Path:
        with self._lock:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="resolute-fake-mail-"))
                (self._dir / "ca.pem").write_bytes(self.ca.cert_pem.bytes())
            return self._dir / "ca.pem"

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.leaf.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self.ca.configure_trust(ctx)
        return ctx

    def cleanup(self) -> None:
        with self._lock:
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None


def _wire_bytes(message: bytes | EmailMessage) -> bytes:
    """The message as it travels over SMTP/IMAP: bytes with CRLF line ends."""
    if isinstance(message, EmailMessage):
        return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return _CRLF.sub(b"\r\n", message)


def _parse(raw: bytes) -> EmailMessage:
    """Parse wire bytes with ``policy.default``, line ends normalised to ``\\n`` first.

    (The email package keeps CRLFs it is given: ``get_content()`` of a text part parsed straight
    from the wire ends its lines with ``\\r\\n``.)
    """
    message = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
    assert isinstance(message, EmailMessage)
    return message


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """One message the fake SMTP server accepted (answered 250 to its DATA)."""

    mail_from: str  # envelope sender, as given in MAIL FROM (no angle brackets)
    rcpt_tos: tuple[str, ...]  # envelope recipients accepted by RCPT TO, in order
    message: EmailMessage  # parsed (policy.default, LF line ends): headers come back decoded
    raw: bytes  # the DATA content as the client sent it (CRLF line ends, dot-unstuffed)
    tls: bool = False  # whether the connection was encrypted (implicit TLS or STARTTLS)
    auth_user: str | None = None  # the login the client authenticated as, if it did
    connection: int = 0  # 1-based number of the connection that carried it (see ``connections``)


@dataclass(slots=True)
class _ReplyFault:
    code: int
    text: str
    remaining: int | None  # None: until reset()
    address: str | None = None  # for RCPT: the recipient it applies to (casefolded)

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text}"


class _SMTPProtocol(SMTP):
    """aiosmtpd's SMTP session, with replies that can be delayed on demand."""

    def __init__(self, fake: FakeSMTP, number: int, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.fake = fake
        self.number = number

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.fake._live.add(self)  # only ever touched from the server's thread

    def connection_lost(self, error: Exception | None) -> None:
        self.fake._live.discard(self)
        super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        delay = self.fake._reply_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        await super().push(status)


class _Handler:
    """aiosmtpd handler hooks: the fault injection and the recording."""

    def __init__(self, fake: FakeSMTP) -> None:
        self.fake = fake

    async def handle_MAIL(  # noqa: N802  (aiosmtpd's hook name)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.fake._auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        fault = self.fake._take_fault("mail")
        if fault is not None:
            return await _refuse(server, fault)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        fault = self.fake._take_fault("rcpt", address)
        if fault is not None:
            return await _refuse(server, fault)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.fake._take_drop():
            # Abrupt: no reply, the socket is reset. connection_lost() cancels this coroutine.
            transport = server.transport
            assert isinstance(transport, asyncio.Transport)
            transport.abort()
            await asyncio.get_running_loop().create_future()
        fault = self.fake._take_fault("data")
        if fault is not None:
            return await _refuse(server, fault)
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # only with decode_data=True, which the fake does not use
            raw = raw.encode("utf-8", "surrogateescape")
        assert server.transport is not None
        auth_data = session.auth_data
        number = server.number if isinstance(server, _SMTPProtocol) else 0
        self.fake._record(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=_parse(raw),
                raw=raw,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                auth_user=(
                    auth_data.login.decode("utf-8", "replace")
                    if isinstance(auth_data, LoginPassword)
                    else None
                ),
                connection=number,
            )
        )
        return "250 2.0.0 OK: queued"


async def _refuse(server: SMTP, fault: _ReplyFault) -> str:
    """The reply for an injected fault; a 421 also closes the connection, as real servers do."""
    if fault.code != 421:
        return fault.reply
    await server.push(fault.reply)
    assert server.transport is not None
    server.transport.close()
    # connection_lost() cancels this coroutine; returning would push a second reply.
    await asyncio.get_running_loop().create_future()
    raise AssertionError("unreachable")  # pragma: no cover


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _QuietLoginData(logging.Filter):
    """Drops aiosmtpd's own "Session.login_data is deprecated" warning, logged on every AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Session.login_data is deprecated")


_quiet_login_data: Final = _QuietLoginData()


class _Authenticator:
    """Accepts exactly one login/password pair (AUTH PLAIN and LOGIN)."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user.encode()
        self.password = password.encode()

    def __call__(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        # handled=False: let aiosmtpd answer 535 (handled=True would leave the client hanging).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class _Controller(Controller):
    """aiosmtpd's threaded controller, serving on a socket bound beforehand."""

    def __init__(self, fake: FakeSMTP, sock: socket.socket, **kwargs: Any) -> None:
        self._sock = sock
        host, port = sock.getsockname()[:2]
        super().__init__(fake._handler, hostname=host, port=port, **kwargs)
        self.fake = fake

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

    def factory(self) -> SMTP:
        return _SMTPProtocol(
            self.fake, self.fake._new_connection(), self.handler, **self.SMTP_kwargs
        )


class FakeSMTP:
    """A real SMTP server on 127.0.0.1 (aiosmtpd in a thread) that records what it accepts.

    ``security``: ``"none"`` (plain), ``"starttls"`` (STARTTLS offered and required before any
    mail) or ``"tls"`` (implicit TLS, "SMTPS"). ``auth=(user, password)`` offers AUTH PLAIN and
    LOGIN and answers ``530 5.7.0 Authentication required`` to MAIL FROM until the client logs
    in (with ``"starttls"``, AUTH is offered only after STARTTLS, as real servers do).

    Faults apply to the next matching commands, on any connection, and are cleared by ``reset``.
    """

    def __init__(
        self,
        *,
        security: SMTPSecurity = "none",
        auth: tuple[str, str] | None = None,
        server_hostname: str = "fake-smtp.test",
        data_size_limit: int = 10 * 1024 * 1024,
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"unknown security {security!r}")
        self.security: Final = security
        self.host: Final = HOST
        self.port = 0  # known once started
        self._auth = auth
        self._server_hostname = server_hostname
        self._data_size_limit = data_size_limit
        self._cond = threading.Condition()
        self._received: list[Received] = []
        self._connections = 0
        self._faults: dict[str, list[_ReplyFault]] = {"mail": [], "rcpt": [], "data": []}
        self._drop_countdown: int | None = None
        self._delay = 0.0
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._live: set[_SMTPProtocol] = set()
        self._handler = _Handler(self)
        self._tls = _TLSMaterial() if security != "none" else None
        self._controller: _Controller | None = None

    # -- life cycle

    def start(self) -> Self:
        """Bind and start serving; returns once the server answers."""
        if self._controller is not None:
            raise RuntimeError("FakeSMTP already started")
        sock = _listening_socket()
        self.port = sock.getsockname()[1]
        kwargs: dict[str, Any] = {
            "server_hostname": self._server_hostname,
            "ident": "resolute FakeSMTP",
            "ready_timeout": _START_TIMEOUT,
            "data_size_limit": self._data_size_limit,
            "enable_SMTPUTF8": True,
            "timeout": 60,
        }
        if self._tls is not None and self.security == "tls":
            kwargs["ssl_context"] = self._tls.server_context()
        if self._tls is not None and self.security == "starttls":
            kwargs["tls_context"] = self._tls.server_context()
            kwargs["require_starttls"] = True
        if self._auth is not None:
            logging.getLogger("mail.log").addFilter(_quiet_login_data)  # idempotent
            kwargs["authenticator"] = _Authenticator(*self._auth)
            # aiosmtpd's own auth_required=True warns (and so fails under -W error) unless TLS is
            # also required through STARTTLS; the handler enforces 530 itself instead. With
            # implicit TLS aiosmtpd does not know the link is encrypted, so it must not insist.
            kwargs["auth_required"] = False
            kwargs["auth_require_tls"] = self.security == "starttls"
        controller = _Controller(self, sock, **kwargs)
        try:
            controller.start()
        except BaseException:
            with contextlib.suppress(Exception):
                controller.stop(no_assert=True)
            sock.close()
            raise
        self._controller = controller
        with self._cond:
            self._connections = 0  # forget the controller's own start-up probe
        return self

    def stop(self) -> None:
        """Stop serving, dropping open connections; safe to call twice."""
        controller, self._controller = self._controller, None
        if controller is not None:
            # Cut open connections off first: aiosmtpd's stop() would close them gracefully
            # only as its loop ends, and a TLS close left waiting for the peer leaks the transport.
            with contextlib.suppress(RuntimeError, TimeoutError):
                asyncio.run_coroutine_threadsafe(self._abort_all(), controller.loop).result(5)
            controller.stop()
        if self._tls is not None:
            self._tls.cleanup()

    async def _abort_all(self) -> None:
        for session in list(self._live):
            if isinstance(session.transport, asyncio.Transport):
                session.transport.abort()
        for _ in range(100):  # connection_lost comes on the next loop iterations
            if not self._live:
                break
            await asyncio.sleep(0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a test asserts on

    @property
    def received(self) -> list[Received]:
        """A snapshot of the messages accepted so far, oldest first."""
        with self._cond:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        """Just the parsed messages of ``received``."""
        return [r.message for r in self.received]

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened since start (or ``reset``)."""
        with self._cond:
            return self._connections

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate(received)`` holds (for apps running in another process)."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self._received), timeout):
                raise TimeoutError(f"FakeSMTP: condition not met in {timeout} s")

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until at least ``count`` messages were accepted; return them all."""
        self.wait_for(lambda received: len(received) >= count, timeout)
        return self.received

    async def wait_for_messages_async(self, count: int) -> list[Received]:
        """``wait_for_messages`` for async tests: waits without blocking the event loop.

        It waits as long as it takes: bound it with ``async with asyncio.timeout(...)``.
        """
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                if len(self._received) >= count:
                    return list(self._received)
                woken: asyncio.Future[None] = loop.create_future()
                self._async_waiters.append((loop, woken))
            try:
                await woken
            finally:
                with self._cond:
                    self._async_waiters.remove((loop, woken))

    def reset(self) -> None:
        """Forget messages, connections and every armed fault (between tests)."""
        with self._cond:
            self._received.clear()
            self._connections = 0
            for faults in self._faults.values():
                faults.clear()
            self._drop_countdown = None
            self._delay = 0.0

    # -- fault injection

    def fail_rcpt(
        self,
        address: str,
        code: int = 550,
        text: str = "5.1.1 User unknown",
        times: int | None = 1,
    ) -> None:
        """Refuse RCPT TO ``address`` (case-insensitive) the next ``times`` times (None: always).

        When every recipient is refused aiosmtplib raises ``SMTPRecipientsRefused``; otherwise
        ``send_message`` returns the refusal in its per-recipient dict.
        """
        self._arm("rcpt", _ReplyFault(code, text, times, address.casefold()))

    def fail_data(
        self, code: int = 451, text: str = "4.3.0 Try again later", times: int | None = 1
    ) -> None:
        """Answer ``code`` instead of 250 after the next ``times`` messages' content.

        The message is not recorded (aiosmtplib: ``SMTPDataError``).
        """
        self._arm("data", _ReplyFault(code, text, times))

    def fail_mail(
        self,
        code: int = 421,
        text: str = "4.7.0 Service not available, closing",
        times: int | None = 1,
    ) -> None:
        """Answer ``code`` to the next ``times`` MAIL FROM commands (aiosmtplib:
        ``SMTPSenderRefused``). A 421, here as for ``fail_rcpt``/``fail_data``, also closes the
        connection right after the reply."""
        self._arm("mail", _ReplyFault(code, text, times))

    def drop_after(self, n_messages: int) -> None:
        """Accept ``n_messages`` more messages, then on the next one reset the connection.

        The drop happens once the client has sent the message content and awaits the final
        reply: no reply comes, the message is not recorded (aiosmtplib:
        ``SMTPServerDisconnected``). One-shot; counts messages on any connection.
        """
        if n_messages < 0:
            raise ValueError("n_messages must be >= 0")
        with self._cond:
            self._drop_countdown = n_messages

    def slow(self, seconds: float) -> None:
        """Delay every reply (greeting included) by ``seconds`` from now on; 0 turns it off."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self._cond:
            self._delay = seconds

    # -- TLS for clients

    @property
    def ca_path(self) -> Path:
        """PEM file of the CA that signed the server certificate (TLS modes only).

        Written on first access, removed by ``stop``.
        """
        return self._require_tls().ca_path

    @property
    def ca_pem(self) -> bytes:
        """The same CA certificate, as PEM bytes."""
        return self._require_tls().ca.cert_pem.bytes()

    def ssl_context_for_clients(self) -> ssl.SSLContext:
        """A fresh client context that trusts the server (hostname check on: use 127.0.0.1)."""
        return self._require_tls().client_context()

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``aiosmtplib.SMTP``/``aiosmtplib.send`` to reach this server."""
        kwargs: dict[str, Any] = {
            "hostname": self.host,
            "port": self.port,
            "use_tls": self.security == "tls",
            "start_tls": self.security == "starttls",
        }
        if self._tls is not None:
            kwargs["tls_context"] = self._tls.client_context()
        if self._auth is not None:
            kwargs["username"], kwargs["password"] = self._auth
        return kwargs

    # -- called from the server thread

    def _require_tls(self) -> _TLSMaterial:
        if self._tls is None:
            raise RuntimeError('FakeSMTP(security="none") has no TLS')
        return self._tls

    def _arm(self, kind: str, fault: _ReplyFault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be >= 1 or None")
        with self._cond:
            self._faults[kind].append(fault)

    def _take_fault(self, kind: str, address: str | None = None) -> _ReplyFault | None:
        with self._cond:
            faults = self._faults[kind]
            for fault in faults:
                if fault.address is not None and fault.address != (address or "").casefold():
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        faults.remove(fault)
                return fault
            return None

    def _take_drop(self) -> bool:
        with self._cond:
            if self._drop_countdown is None:
                return False
            if self._drop_countdown == 0:
                self._drop_countdown = None
                return True
            self._drop_countdown -= 1
            return False

    def _reply_delay(self) -> float:
        with self._cond:
            return self._delay

    def _new_connection(self) -> int:
        with self._cond:
            self._connections += 1
            return self._connections

    def _record(self, received: Received) -> None:
        with self._cond:
            self._received.append(received)
            self._cond.notify_all()
            for loop, woken in self._async_waiters:
                with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                    loop.call_soon_threadsafe(_wake, woken)


# --- IMAP ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message in the fake mailbox, as the server holds it."""

    uid: int
    flags: frozenset[str]  # e.g. {"\\Seen"}; \\Recent is not listed
    raw: bytes
    message: EmailMessage = field(compare=False)


class _Config(_PymapConfig):
    """pymap's in-memory backend config, minus the slow and network-touching defaults."""

    @property
    def greeting(self) -> bytes:
        return b"Server ready fake-imap.test"  # the default resolves the host's FQDN


class FakeIMAP:
    """A real IMAP4rev1 server on 127.0.0.1 (pymap's in-memory backend, in a thread).

    One user (``user``/``password``, LOGIN and AUTHENTICATE PLAIN/LOGIN accepted without TLS)
    with an INBOX; capabilities include IDLE, UIDPLUS, MOVE, LITERAL+ and full SEARCH (HEADER
    included). ``security="tls"`` serves implicit TLS ("IMAPS"). Messages APPENDed or delivered
    get UIDs from 101 up; a fresh server's INBOX has a random UIDVALIDITY.
    """

    mailbox: Final = "INBOX"

    def __init__(
        self,
        *,
        user: str = "svc@example.org",
        password: str = "secret",
        security: IMAPSecurity = "none",
    ) -> None:
        if security not in ("none", "tls"):
            raise ValueError(f"unknown security {security!r}")
        self.host: Final = HOST
        self.port = 0  # known once started
        self.user: Final = user
        self.password: Final = password
        self.security: Final = security
        self._tls = _TLSMaterial() if security == "tls" else None
        self._lock = threading.Lock()
        self._connections = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._login: _PymapLogin | None = None

    # -- life cycle

    def start(self) -> Self:
        """Bind and start serving; returns once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("FakeIMAP already started")
        sock = _listening_socket()
        self.port = sock.getsockname()[1]
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(
            target=self._thread_main, args=(sock,), name=f"FakeIMAP:{self.port}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT) or self._error is not None:
            error = self._error
            self.stop()
            raise RuntimeError("FakeIMAP did not start") from error
        return self

    def stop(self) -> None:
        """Stop serving: open connections get ``* BYE [UNAVAILABLE]``; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is not None:
            loop, stop = self._loop, self._stop
            if loop is not None and stop is not None:
                with contextlib.suppress(RuntimeError):  # loop already gone
                    loop.call_soon_threadsafe(stop.set)
            thread.join(_START_TIMEOUT)
            if thread.is_alive():  # pragma: no cover
                raise RuntimeError("FakeIMAP thread did not stop")
        if self._tls is not None:
            self._tls.cleanup()
        error, self._error = self._error, None
        if error is not None:
            raise RuntimeError("FakeIMAP server failed") from error

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a test does and asserts on

    def deliver(
        self,
        message: bytes | EmailMessage,
        *,
        flags: Iterable[str] = (),
        when: datetime | None = None,
    ) -> int:
        """Put a message into INBOX (as a local delivery would: marked \\Recent); return its UID.

        Clients selecting INBOX see it on their next command, and an IDLEing client is told
        ``* N EXISTS`` at once.
        """
        literal = _wire_bytes(message)
        flag_set = frozenset(Flag(f.encode()) for f in flags)

        async def append() -> int:
            inbox = await self._inbox()
            stored = await inbox.append(AppendMessage(literal, when, flag_set), recent=True)
            return stored.uid

        return self._call(append())

    def recreate_mailbox(self) -> int:
        """Replace INBOX by an empty one with a different UIDVALIDITY; return the new value.

        Done the way RFC 3501 defines ``RENAME INBOX``: the old messages move to another
        mailbox (deleted here) and INBOX starts over, its UIDs again from 101. Quirk (pymap): a
        client that has INBOX selected is not told; its next commands silently act on the new
        INBOX, and only a new SELECT shows the new UIDVALIDITY.
        """

        async def recreate() -> int:
            mailbox_set = await self._mailbox_set()
            old = (await mailbox_set.get_mailbox(self.mailbox)).uid_validity
            for attempt in itertools.count():
                parking = f"recreated-{attempt}-{time.monotonic_ns()}"
                await mailbox_set.rename_mailbox(self.mailbox, parking)
                await mailbox_set.delete_mailbox(parking)
                new = (await mailbox_set.get_mailbox(self.mailbox)).uid_validity
                if new != old:  # pymap draws it at random: retry the 1 in 65536 collision
                    return new
            raise AssertionError("unreachable")  # pragma: no cover

        return self._call(recreate())

    def reset(self) -> None:
        """An empty INBOX (with a new UIDVALIDITY) and no other mailboxes, for the next test."""

        async def reset() -> None:
            mailbox_set = await self._mailbox_set()
            for entry in list((await mailbox_set.list_mailboxes()).list()):
                if entry.name != self.mailbox:
                    with contextlib.suppress(KeyError):
                        await mailbox_set.delete_mailbox(entry.name)

        self.recreate_mailbox()
        self._call(reset())
        with self._lock:
            self._connections = 0

    @property
    def uid_validity(self) -> int:
        """INBOX's current UIDVALIDITY."""

        async def get() -> int:
            return (await self._inbox()).uid_validity

        return self._call(get())

    def stored(self) -> list[StoredMessage]:
        """The messages now in INBOX, by UID, with their flags (e.g. to check \\Seen)."""

        async def list_messages() -> list[StoredMessage]:
            inbox = await self._inbox()
            out: list[StoredMessage] = []
            async with inbox.messages_lock.read_lock():
                async for msg in inbox.messages():
                    raw = bytes(await msg.load_content(FetchRequirement.CONTENT))
                    out.append(
                        StoredMessage(
                            uid=msg.uid,
                            flags=frozenset(str(f) for f in msg.permanent_flags),
                            raw=raw,
                            message=_parse(raw),
                        )
                    )
            return sorted(out, key=lambda m: m.uid)

        return self._call(list_messages())

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened since start (or ``reset``)."""
        with self._lock:
            return self._connections

    # -- TLS for clients

    @property
    def ca_path(self) -> Path:
        """PEM file of the CA that signed the server certificate (``security="tls"`` only).

        Written on first access, removed by ``stop``.
        """
        return self._require_tls().ca_path

    def ssl_context_for_clients(self) -> ssl.SSLContext:
        """A fresh client context that trusts the server (for ``aioimaplib.IMAP4_SSL``)."""
        return self._require_tls().client_context()

    # -- the server thread

    def _require_tls(self) -> _TLSMaterial:
        if self._tls is None:
            raise RuntimeError('FakeIMAP(security="none") has no TLS')
        return self._tls

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None or self._thread is None:
            coro.close()
            raise RuntimeError("FakeIMAP is not running")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_START_TIMEOUT)

    async def _mailbox_set(self) -> MailboxSet:
        assert self._login is not None
        async with self._login.demo_user_identity.new_session() as session:
            return session.mailbox_set

    async def _inbox(self) -> MailboxData:
        mailbox_set = await self._mailbox_set()
        inbox = await mailbox_set.get_mailbox(self.mailbox)
        assert isinstance(inbox, MailboxData)
        return inbox

    def _thread_main(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(sock))
        except BaseException as exc:  # reported by start()/stop(), never left to the thread
            self._error = exc
            self._ready.set()
        finally:
            self._loop = None
            sock.close()

    async def _serve(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        config = _Config(
            Namespace(passlib_cfg=None, proxy_protocol=None),
            host=HOST,
            port=self.port,
            demo_data=False,
            demo_user=self.user,
            demo_password=self.password,
            tls_enabled=False,  # no STARTTLS; LOGIN allowed in clear
            reject_dnsbl=False,
            invalid_user_sleep=0.0,
            # No worker threads, and a cheap password hash (the default takes 0.3 s a login).
            cpu_subsystem=Subsystem.for_asyncio(),
            hash_context=BuiltinHash(rounds=1),
        )
        config.apply_context()
        login = _PymapLogin(config)
        password = await Passwords(config).hash_password(self.password)
        await login.demo_user_identity.set(UserMetadata(config, self.user, password=password))
        self._login = login
        imap_server = IMAPServer(login, config)
        handlers: set[asyncio.Task[Any]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            with self._lock:
                self._connections += 1
            try:
                # What pymap's PROXY-protocol wrapper does, minus its fire-and-forget task.
                info = SocketInfo.get(writer, ProxyResultLocal(), unique_id=uuid.uuid4().bytes)
                await imap_server(reader, writer, info)
                await _close_stream(writer)
            except asyncio.CancelledError:
                # Only stop() cancels these. End normally: on 3.11 a cancelled
                # client_connected_cb task makes asyncio log "Exception in callback".
                await _close_stream(writer)
            finally:
                handlers.discard(task)

        ssl_context = self._tls.server_context() if self._tls is not None else None
        server = await asyncio.start_server(on_connect, sock=sock, ssl=ssl_context)
        try:
            self._ready.set()
            await self._stop.wait()
        finally:
            server.close()
            for task in list(handlers):
                task.cancel()  # pymap answers * BYE [UNAVAILABLE] and closes
            await asyncio.gather(*handlers, return_exceptions=True)
            await server.wait_closed()


async def _close_stream(writer: asyncio.StreamWriter, grace: float = 0.25) -> None:
    """Close a server-side connection and wait until it is, cutting it off after ``grace``.

    A TLS close waits for the peer's close_notify, which never comes when the client's event
    loop is the one blocked in ``stop()``; an abort then ends it without leaking the transport.
    """

    async def closed() -> None:
        with contextlib.suppress(Exception):  # resets and TLS errors while closing
            await writer.wait_closed()

    if not writer.transport.is_closing():
        # Never twice: a second close() of an asyncio TLS transport detaches it from its
        # protocol, and abort() then does nothing at all (CPython 3.11 sslproto).
        writer.close()
    done = asyncio.ensure_future(closed())
    try:
        await asyncio.wait({done}, timeout=grace)
    finally:
        if not done.done():
            writer.transport.abort()
        await done
