"""One bad item fails alone: a row, a task, a recipient's digest; everyone else's messages go out
in the same pass, and what failed is recorded with its reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.app import App
from engine.isolation import ITEM_ATTEMPTS
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import AuditEvent, Outbox, OutboxStatus, Person, Task
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeSMTP
from tests.helpers import APPLIED, app_for, at, settings, smtp_settings, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")
DAY_AFTER = at("2023-10-21T09:30+03:00")  # the controller's digest of the first overdue day


async def _app(
    db_url: str, folder: Path, api: FakeBotAPI, smtp: FakeSMTP | None = None, **more: object
) -> App:
    extra = {**(smtp_settings(smtp) if smtp is not None else {}), **more}
    app = app_for(settings(db_url, api.url, **extra))
    await app.__aenter__()
    await apply_catalog(load_catalog([write_workflow(folder)]), at(APPLIED))
    return app


async def test_a_name_with_a_line_break_neither_stops_the_pass_nor_adds_a_header(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    with FakeSMTP() as smtp:
        app = await _app(db_url, tmp_path, api, smtp)
        try:
            await Person.filter(id="sidorov").update(name="Sidorov\nBcc: evil@evil.example")
            report = await tick(app, MINUS_7)
            assert report.delivery.sent == 3  # two by Telegram, sidorov's by e-mail
            assert await Outbox.filter(status=OutboxStatus.SENDING).count() == 0
            # The lease long gone: nothing is sent again.
            assert (await tick(app, MINUS_7 + timedelta(minutes=30))).delivery.sent == 0
        finally:
            await app.__aexit__(None, None, None)
    [received] = smtp.received
    assert received.message["Bcc"] is None
    assert "Sidorov Bcc: evil@evil.example" in str(received.message["To"])
    assert len(api.messages_to(111)) == len(api.messages_to(222)) == 1


async def test_a_row_that_raises_fails_alone_and_is_given_up_after_its_attempts(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    templates = tmp_path / "templates" / "telegram"
    templates.mkdir(parents=True)
    (templates / "reminder.html").write_text(  # an operator's template that divides by zero
        '{% if person.id == "ivanov" %}{{ 1 // 0 }}{% endif %}Напоминание: пункт {{ clause.id }}',
        encoding="utf-8",
    )
    app = await _app(db_url, tmp_path / "wf", api, templates_dir=str(tmp_path / "templates"))
    try:
        report = await tick(app, MINUS_7)
        assert report.delivery.sent == 1  # petrova
        assert [m.plain_text for m in api.messages_to(222)] == ["Напоминание: пункт A.1"]
        assert any("item.failed" in p for p in report.problems)
        row = await Outbox.get(person_id="ivanov")
        assert row.status == OutboxStatus.PENDING
        assert row.error is not None
        assert "ZeroDivisionError" in row.error
        assert await Outbox.filter(status=OutboxStatus.SENDING).count() == 0
        moment = MINUS_7
        for _ in range(ITEM_ATTEMPTS - 1):
            moment += timedelta(hours=1)  # past the backoff
            await tick(app, moment)
        row = await Outbox.get(person_id="ivanov")
        assert row.status == OutboxStatus.FAILED
        assert row.attempts == ITEM_ATTEMPTS
        await tick(app, moment + timedelta(hours=1))  # given up: not tried again
        assert (await Outbox.get(person_id="ivanov")).attempts == ITEM_ATTEMPTS
        events = await AuditEvent.filter(event="item.failed")
        assert len(events) == ITEM_ATTEMPTS
        assert {e.data["kind"] for e in events} == {"outbox"}
        assert api.messages_to(111) == []
        assert len(api.messages_to(222)) == 1
    finally:
        await app.__aexit__(None, None, None)


async def test_date_arithmetic_overflowing_for_one_task_fails_that_task_alone(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    """A policy the engine's dates cannot take (as written before the schema had ranges):
    a reminder offset and an escalation 3,000,000 days away."""
    app = await _app(db_url, tmp_path, api)
    try:
        ivanov = await Task.get(owner_id="ivanov")
        broken = {**ivanov.policy, "remind": [-3_000_000, -7]}
        broken["escalate"] = [{"after": 3_000_000, "to": "controller", "every": None}]
        await Task.filter(id=ivanov.id).update(policy=broken, next_due_at=MINUS_7)
        report = await tick(app, MINUS_7)
        assert report.delivery.sent == 1  # petrova; ivanov's schedule cannot be computed
        assert len(api.messages_to(222)) == 1
        retry_at = (await Task.get(id=ivanov.id)).next_due_at
        assert retry_at is not None
        assert retry_at > MINUS_7
        failed = await AuditEvent.get(event="item.failed", task_id=ivanov.id)
        assert failed.data["kind"] == "task"
        # the stored snapshot is read again with the schema's ranges, which refuse it before
        # the arithmetic can overflow; either way the task fails alone, with its reason
        assert any(e in str(failed.data["reason"]) for e in ("OverflowError", "ValidationError"))

        report = await tick(app, DAY_AFTER)  # the controller's digest still goes out
        [digest] = [m for m in api.messages_to(999) if "Сводка" in m.plain_text]
        assert "Петрова П.П." in digest.plain_text
        assert "Иванов И.И." not in digest.plain_text.split("Нет связи")[0]
    finally:
        await app.__aexit__(None, None, None)
