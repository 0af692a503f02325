"""A Telegram 400 about the message itself: the plain-text form goes instead, then the next
channel; the reminder is never lost, and the person is not taken for unreachable."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox, OutboxStatus, Person
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeSMTP
from tests.helpers import APPLIED, app_for, at, settings, smtp_settings, write_workflow

MINUS_7 = at("2023-10-13T09:00+03:00")


async def test_markup_telegram_cannot_parse_goes_as_plain_text_with_its_buttons(
    db_url: str, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "templates" / "telegram"
    templates.mkdir(parents=True)
    (templates / "reminder.html").write_text(  # an unclosed tag: "can't parse entities"
        "<b>Напоминание: пункт {{ clause.id }}, срок {{ deadline | dmy }}", encoding="utf-8"
    )
    folder = write_workflow(tmp_path / "wf", owners="ivanov")
    caplog.set_level(logging.INFO)
    async with app_for(settings(db_url, api.url, templates_dir=str(tmp_path / "templates"))) as app:
        await apply_catalog(load_catalog([folder]), at(APPLIED))
        assert (await tick(app, MINUS_7)).delivery.sent == 1
        row = await Outbox.get(person_id="ivanov")
        assert row.status == OutboxStatus.SENT
    [message] = api.messages_to(111)
    assert message.parse_mode is None
    assert message.text == "Напоминание: пункт A.1, срок 20.10.2023"
    assert message.reply_markup is not None  # the buttons still under it
    assert "telegram.plain_fallback chat=111" in caplog.text


async def test_a_message_refused_in_both_forms_goes_by_the_next_channel(
    db_url: str, api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_workflow(tmp_path, owners="ivanov")
    caplog.set_level(logging.INFO)
    with FakeSMTP() as smtp:
        async with app_for(settings(db_url, api.url, **smtp_settings(smtp))) as app:
            await apply_catalog(load_catalog([folder]), at(APPLIED))
            await Person.filter(id="ivanov").update(email="ivanov@example.org")
            api.fail_next("sendMessage", 400, "Bad Request: message is too long", times=2)
            report = await tick(app, MINUS_7)
            assert report.delivery.rerouted == 1
            assert report.delivery.sent == 1
            row = await Outbox.get(person_id="ivanov")
            assert (row.channel, row.status) == ("email", OutboxStatus.SENT)
            ivanov = await Person.get(id="ivanov")
            assert ivanov.telegram_blocked_at is None  # reachable: only this message was refused
        [mail] = smtp.messages
    assert mail["To"].addresses[0].addr_spec == "ivanov@example.org"
    assert api.messages_to(111) == []
    assert "message.rerouted" in caplog.text
    assert "Message is too long" in caplog.text
