"""Found by an adversarial review of the e-mail path: a recipient who is not the task's owner,
and a mail whose bytes the database cannot store, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from engine.mail_ids import message_id
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.mail_inbound import _handle_once
from engine.workflow.catalog import load_catalog
from storage.models import Evidence, Inbound, Outbox, OutboxStatus, Task, TaskState
from tests import helpers
from tests.helpers import APPLIED, SECRET, at, write_workflow

NOW = at("2023-10-13T10:00+03:00")
ROBOT = "robot@example.org"


async def _sent(task: Task, person: str, address: str, key: str) -> str:
    """Record an e-mail of ours to ``person`` about ``task``; returns its Message-ID."""
    mid = message_id(SECRET.encode(), key, address, ROBOT)
    await Outbox.create(
        key=key, task_id=task.id, person_id=person, channel="email", kind="notice",
        due_at=NOW, attempt_at=NOW, status=OutboxStatus.SENT, sent_at=NOW, external_id=mid,
    )  # fmt: skip
    return mid


def _mail(sender: str, message_id: str, in_reply_to: str, text: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {ROBOT}\r\nMessage-ID: {message_id}\r\n"
        f"In-Reply-To: {in_reply_to}\r\nSubject: Re\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


async def test_the_controller_replying_to_a_notice_cannot_confirm_the_owners_task(
    db: str, tmp_path: Path, monkeypatch: object
) -> None:
    roster = helpers.ROSTER.replace("    telegram: 999\n", "    email: control@example.org\n")
    monkeypatch.setattr(helpers, "ROSTER", roster)  # type: ignore[attr-defined]
    await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
    task = await Task.get(owner_id="sidorov")
    mid = await _sent(task, "control", "control@example.org", f"extension:{task.id}")

    raw = _mail("control@example.org", "<x1@ctl>", mid, "Готово, одобряю отсрочку")
    await _handle_once(1, 1, raw, NOW, SECRET.encode(), Renderer())

    [inbound] = await Inbound.all()
    assert (inbound.outcome, inbound.payload["reason"]) == ("foreign", "not-the-owner")
    assert (await Task.get(id=task.id)).state == TaskState.OPEN
    assert await Evidence.filter(task_id=task.id).count() == 0


async def test_a_nul_in_a_mail_neither_stops_the_reader_nor_loses_the_next_mail(
    db: str, tmp_path: Path
) -> None:
    await apply_catalog(load_catalog([write_workflow(tmp_path, owners="sidorov")]), at(APPLIED))
    task = await Task.get(owner_id="sidorov")
    mid = await _sent(task, "sidorov", "sidorov@example.org", f"reminder:{task.id}:x")

    hostile = _mail("sidorov@example.org", "<ab\x00c@d>", mid, "Выполнено\x00 вот")
    assert await _handle_once(1, 1, hostile, NOW, SECRET.encode(), Renderer())
    assert (await Task.get(id=task.id)).state == TaskState.REPORTED
    [note] = await Evidence.filter(task_id=task.id)
    assert "\x00" not in (note.text or "")
    assert [i.outcome for i in await Inbound.all()] == ["reported"]
