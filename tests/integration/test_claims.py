"""Claiming outbox rows: concurrent claimers never share a row, expired leases are reclaimed.

On PostgreSQL every claim runs in a transaction of its own on a pooled connection, so the
asyncio tasks below are concurrent transactions on separate connections; a raw asyncpg
transaction stands in for another instance caught in the middle of its claim.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest

from engine.service.claims import claim, due
from storage.db import database
from storage.models import Outbox, OutboxStatus, Person
from tests.helpers import at

NOW = at("2023-10-13T09:00+03:00")
LEASE = timedelta(minutes=5)


async def _due_rows(count: int, *, person: str = "p") -> list[int]:
    await Person.get_or_create(id=person, defaults={"name": "Исполнитель"})
    await Outbox.bulk_create(
        [
            Outbox(
                key=f"digest:{person}:{n}",
                person_id=person,
                channel="telegram",
                kind="digest",
                due_at=NOW - timedelta(seconds=count - n),
                attempt_at=NOW - timedelta(seconds=count - n),
                payload={"html": f"№ {n}"},
            )
            for n in range(count)
        ]
    )
    return list(await Outbox.all().order_by("attempt_at", "id").values_list("id", flat=True))


async def test_concurrent_claimers_never_take_the_same_row(db: str) -> None:
    ids = await _due_rows(400)

    async def claimer() -> dict[int, str | None]:
        taken: dict[int, str | None] = {}
        # Until nothing is due: on SQLite a claim that lost the race for its rows comes back
        # empty although others are still due (the next pass would take them).
        while await Outbox.filter(due(NOW)).exists():
            taken |= {row.id: row.claimed_by for row in await claim(NOW, limit=15, lease=LEASE)}
        return taken

    taken = await asyncio.gather(*(claimer() for _ in range(4)))
    every = [row_id for batch in taken for row_id in batch]
    assert sorted(every) == ids  # each row claimed exactly once: none twice, none lost
    assert sum(1 for batch in taken if batch) >= 2  # the claimers really did run side by side
    stored = dict(await Outbox.all().values_list("id", "claimed_by"))
    assert stored == {row_id: token for batch in taken for row_id, token in batch.items()}
    assert await Outbox.exclude(status=OutboxStatus.SENDING).count() == 0


async def test_an_expired_lease_is_reclaimed_and_a_live_one_is_not(db: str) -> None:
    expired, live, pending, later = await _due_rows(4)
    await Outbox.filter(id=expired).update(
        status=OutboxStatus.SENDING, claimed_by="dead", lease_until=NOW - timedelta(seconds=1)
    )
    await Outbox.filter(id=live).update(
        status=OutboxStatus.SENDING, claimed_by="alive", lease_until=NOW + timedelta(minutes=1)
    )
    await Outbox.filter(id=later).update(attempt_at=NOW + timedelta(minutes=1))

    rows = await claim(NOW, limit=10, lease=LEASE)

    assert [row.id for row in rows] == [expired, pending]  # oldest attempt first
    token = rows[0].claimed_by
    assert token not in (None, "dead")
    assert all(row.claimed_by == token for row in rows)
    assert rows[0].person.name == "Исполнитель"  # loaded with the claim: rendering needs it
    fresh = await Outbox.get(id=expired)
    assert (fresh.status, fresh.lease_until) == (OutboxStatus.SENDING, NOW + LEASE)
    untouched = await Outbox.get(id=live)
    assert (untouched.claimed_by, untouched.lease_until) == ("alive", NOW + timedelta(minutes=1))
    assert await claim(NOW, limit=10, lease=LEASE) == []  # nothing else is due
    # once the live lease runs out too, that row is taken again (with the one now due)
    later_rows = await claim(NOW + timedelta(minutes=2), limit=10, lease=LEASE)
    assert [row.id for row in later_rows] == [live, later]


async def test_a_claim_takes_at_most_limit_rows_oldest_first(db: str) -> None:
    ids = await _due_rows(5)
    assert [row.id for row in await claim(NOW, limit=2, lease=LEASE)] == ids[:2]
    assert [row.id for row in await claim(NOW, limit=2, lease=LEASE)] == ids[2:4]
    assert [row.id for row in await claim(NOW, limit=2, lease=LEASE)] == ids[4:]


@pytest.mark.postgres
async def test_rows_another_transaction_is_claiming_are_skipped_not_waited_for(
    pg_url: str,
) -> None:
    async with database(pg_url):
        ids = await _due_rows(10)
        other = await asyncpg.connect(pg_url)
        try:
            # Another instance, between its SELECT … FOR UPDATE and its commit.
            tx = other.transaction()
            await tx.start()
            locked = [
                r["id"]
                for r in await other.fetch(
                    "SELECT id FROM outbox ORDER BY attempt_at, id LIMIT 4 FOR UPDATE"
                )
            ]
            assert locked == ids[:4]
            async with asyncio.timeout(5):  # a plain FOR UPDATE would wait here for ever
                rows = await claim(NOW, limit=100, lease=LEASE)
            assert [row.id for row in rows] == ids[4:]
            await tx.rollback()  # the other claimer gave up: its rows are free again
            assert [row.id for row in await claim(NOW, limit=100, lease=LEASE)] == ids[:4]
        finally:
            await other.close()
