"""One Telegram poller among several ``resolute run`` instances: a PostgreSQL advisory lock.

Telegram serves a bot's updates to one long poll at a time (a second ``getUpdates`` ends the
first with 409 Conflict), so exactly one instance polls: the one holding a session-level
advisory lock. The lock lives on a connection of its own, not one of tortoise's pooled
connections (a session lock belongs to the connection that took it, and a pool hands
connections round). The others try again every ``RESOLUTE_LEADER_RETRY_S`` seconds; when the
holder dies its connection closes, PostgreSQL drops the lock, and the next try takes over.
While polling, the holder checks its lock connection at the same pace: if the connection is
gone, so is the lock (another instance may already hold it), and polling stops at once.

The lock needs a real session: connect to PostgreSQL directly (or through a pooler in session
mode), not through a transaction-pooling PgBouncer. SQLite is one instance by design (the README,
"Scale"): there is no lock, and that instance polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # installed with tortoise's PostgreSQL backend
from tortoise.backends.base.config_generator import expand_db_url

log = logging.getLogger("resolute.run")

TELEGRAM_POLLER = 0x7265736F6C757465  # the lock's key: "resolute" in ASCII, a positive bigint
MAIL_READER = TELEGRAM_POLLER + 1  # the instance that reads the IMAP inbox
MAX_POLLER = TELEGRAM_POLLER + 2  # the instance that long-polls MAX (when there is no webhook)
CONNECT_TIMEOUT_S = 10.0
CHECK_TIMEOUT_S = 10.0  # a lock connection that does not answer a check in this long is lost
POSTGRES_ENGINES = ("tortoise.backends.asyncpg", "tortoise.backends.psycopg")
_DRIVER_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on a dedicated connection."""

    def __init__(self, connect_kwargs: dict[str, Any], key: int) -> None:
        self._connect_kwargs = connect_kwargs
        self.key = key
        self._conn: Any = None  # asyncpg.Connection while held

    @classmethod
    def for_url(cls, db_url: str, key: int) -> AdvisoryLock | None:
        """The lock on the database at ``db_url``; None for SQLite (one instance, no lock)."""
        config = expand_db_url(db_url)
        if config["engine"] not in POSTGRES_ENGINES:
            return None
        creds = config["credentials"]
        kwargs: dict[str, Any] = {
            name: creds[name]
            for name in ("host", "port", "user", "password", "database", "ssl")
            if creds.get(name) is not None
        }
        kwargs["server_settings"] = {
            "application_name": str(creds.get("application_name") or "resolute leader")
        }
        return cls(kwargs, key)

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding the lock (``pg_locks.pid``), while held."""
        return int(self._conn.get_server_pid()) if self._conn is not None else None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it. False if another session does, or if the
        database cannot be reached (the caller simply tries again later)."""
        if self._conn is not None:
            return True
        try:
            conn = await asyncpg.connect(timeout=CONNECT_TIMEOUT_S, **self._connect_kwargs)
        except _DRIVER_ERRORS as exc:
            log.warning("run.leader_unavailable reason=%r", str(exc))
            return False
        try:
            acquired = await conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", self.key, timeout=CHECK_TIMEOUT_S
            )
        except _DRIVER_ERRORS as exc:
            log.warning("run.leader_unavailable reason=%r", str(exc))
            acquired = False
        if not acquired:
            await _close(conn)
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        """Whether the lock connection is still alive (and so the lock still ours)."""
        if self._conn is None:
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=CHECK_TIMEOUT_S)
        except _DRIVER_ERRORS:
            return False
        return True

    async def release(self) -> bool:
        """Unlock and close the connection (closing alone would release it too); whether
        the lock was held."""
        conn, self._conn = self._conn, None
        if conn is None:
            return False
        with contextlib.suppress(*_DRIVER_ERRORS):
            await conn.fetchval("SELECT pg_advisory_unlock($1)", self.key, timeout=CHECK_TIMEOUT_S)
        await _close(conn)
        return True


async def _close(conn: Any) -> None:
    try:
        await conn.close(timeout=CHECK_TIMEOUT_S)
    except _DRIVER_ERRORS:
        conn.terminate()


async def while_leader(
    lock: AdvisoryLock | None, work: Callable[[], Awaitable[None]], *, retry_s: float
) -> None:
    """Run ``work`` whenever this instance holds ``lock``, until ``work`` returns or this is
    cancelled; with no lock (SQLite), just run it. The lock is released on the way out."""
    if lock is None:
        await work()
        return
    try:
        while True:
            if not await lock.try_acquire():
                await asyncio.sleep(retry_s)
                continue
            log.info("%s acquired backend_pid=%s", _event(lock), lock.backend_pid)
            if await _work_while_held(lock, work, retry_s):
                return
            await lock.release()
            log.warning("%s lost reason='lock connection broken'", _event(lock))
            await asyncio.sleep(retry_s)
    finally:
        if await lock.release():
            log.info("%s released", _event(lock))


def _event(lock: AdvisoryLock) -> str:
    """The log event of the poller the lock elects (engine/logs.py has both)."""
    return "run.max_leader" if lock.key == MAX_POLLER else "run.telegram_leader"


async def _work_while_held(
    lock: AdvisoryLock, work: Callable[[], Awaitable[None]], check_every_s: float
) -> bool:
    """Run ``work`` while the lock holds; True if ``work`` finished, False if the lock was lost
    (``work`` is then cancelled)."""
    task = asyncio.ensure_future(work())
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=check_every_s)
            if done:
                task.result()  # re-raise what the work raised
                return True
            if not await lock.held():
                return False
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # unlike awaiting it, never swallows our own cancel
