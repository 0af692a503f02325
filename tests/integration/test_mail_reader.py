"""Several `run` instances on one PostgreSQL: exactly one reads the IMAP inbox at a time (two
could otherwise handle one mail at once), and another takes over when it stops."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from engine.service.run import Service
from tests.helpers import settings


def service(db_url: str) -> Service:
    app: Any = SimpleNamespace(settings=settings(db_url))
    return Service(app, interval_s=1)


async def test_one_instance_reads_the_inbox_and_another_takes_over(pg_url: str) -> None:
    first, second = service(pg_url), service(pg_url)
    assert await first._reads_mail()
    assert not await second._reads_mail()
    assert await first._reads_mail()  # kept from pass to pass
    assert first._mail_lock is not None
    await first._mail_lock.release()  # the first instance stops
    assert await second._reads_mail()
    assert not await first._reads_mail()
    assert second._mail_lock is not None
    await second._mail_lock.release()


async def test_on_sqlite_the_one_instance_reads_the_inbox(tmp_path: object) -> None:
    assert await service(f"sqlite:///{tmp_path}/x.sqlite3")._reads_mail()
