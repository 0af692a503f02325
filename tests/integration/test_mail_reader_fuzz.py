"""Hostile mails through the real reader path (parse, match, evidence, answers) on a real
database: never an unhandled error, never a change that the mail was not entitled to."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.mail_address import author_of, normalise
from engine.mail_ids import message_id
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.mail_inbound import _handle_once
from engine.workflow.catalog import load_catalog
from storage.db import database
from storage.models import Inbound, Outbox, OutboxStatus, Task, TaskState
from tests.helpers import APPLIED, SECRET, at, write_workflow
from tests.unit.mail_strategies import OURS, OWNER, hostile_mails

NOW = at("2023-10-13T10:00+03:00")
RENDERER = Renderer()
OUTCOMES: list[str] = []  # what the examples led to, for a look when tuning the strategies


async def _one(folder: Path, raw: bytes) -> tuple[str | None, TaskState]:
    async with database("sqlite://:memory:"):
        await apply_catalog(load_catalog([folder]), at(APPLIED))
        task = await Task.get(owner_id="sidorov")
        key = f"reminder:{task.id}:fuzz"
        ours = message_id(SECRET.encode(), key, OWNER, "robot@example.org")
        await Outbox.create(
            key=key, task_id=task.id, person_id="sidorov", channel="email", kind="reminder",
            due_at=NOW, attempt_at=NOW, status=OutboxStatus.SENT, sent_at=NOW, external_id=ours,
        )  # fmt: skip
        await _handle_once(1, 1, raw.replace(OURS.encode(), ours.encode()), NOW, SECRET.encode(),
                           RENDERER)  # fmt: skip
        [inbound] = await Inbound.all()
        OUTCOMES.append(inbound.outcome or "")
        return inbound.outcome, (await Task.get(id=task.id)).state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mail=hostile_mails())
def test_hostile_mails_are_handled_and_only_the_owner_changes_a_task(
    mail: tuple[bytes, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    raw, sender = mail
    folder = write_workflow(tmp_path_factory.getbasetemp() / "fuzz", owners="sidorov")
    outcome, state = asyncio.run(_one(folder, raw))
    assert outcome not in (None, "error")
    if state != TaskState.OPEN:
        found = author_of(sender)
        assert not hasattr(found, "reason"), f"{sender!r} changed the task"
        assert getattr(found, "address", "") == normalise(OWNER)
        assert OURS.encode() in raw
