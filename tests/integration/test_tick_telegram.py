"""tick against the loopback Bot API, through the real python-telegram-bot client."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.app import App
from engine.callbacks import Action, sign
from engine.render import Renderer
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import AuditEvent, Inbound, Outbox, OutboxStatus, Task, TaskState
from tests import helpers
from tests.fakes.bot_api import FakeBotAPI, RateLimits
from tests.helpers import SECRET, at, button_data, running, settings, words

APPLIED = at(helpers.APPLIED)
MINUS_7 = at("2023-10-13T09:00+03:00")


async def test_reminder_goes_out_once_per_slot_escaped_with_signed_button(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        assert (await tick(app, MINUS_7 - timedelta(minutes=1))).delivery.sent == 0
        report = await tick(app, MINUS_7)
        assert report.delivery.sent == 2  # ivanov and petrova; sidorov has no Telegram
        assert report.delivery.undeliverable == 1  # sidorov: recorded as unreachable
        message = api.messages_to(111)[0]
        assert message.parse_mode == "HTML"
        assert "Разработать &lt;b&gt;рекомендации&lt;/b&gt; &amp; разослать их." in message.text
        assert "О мерах &lt;по&gt; улучшению &amp; развитию" in message.text
        assert "до срока 7 дней" in message.plain_text
        assert "20 октября 2023 г." in message.plain_text
        task = await Task.get(owner_id="ivanov")
        assert button_data(message) == sign(SECRET.encode(), Action.DONE, task.id)
        assert (await Outbox.get(task_id=task.id)).key == f"reminder:{task.id}:2023-10-20:-7d"

        for _ in range(3):  # the same moment again, and a little later: nothing new
            assert (await tick(app, MINUS_7)).delivery.sent == 0
            assert (await tick(app, MINUS_7 + timedelta(hours=3))).delivery.sent == 0
        assert len(api.sent) == 2

        undeliverable = await Outbox.get(person_id="sidorov")
        assert undeliverable.status == OutboxStatus.UNDELIVERABLE

        assert (await tick(app, at("2023-10-19T09:00+03:00"))).delivery.sent == 2
        assert "срок завтра" in api.messages_to(111)[1].plain_text
        assert (await tick(app, at("2023-10-20T12:00+03:00"))).delivery.sent == 2
        assert "Сегодня последний день" in api.messages_to(111)[2].plain_text
        assert (await tick(app, at("2023-10-21T09:00+03:00"))).delivery.sent == 0
        assert len(api.messages_to(111)) == 3


async def test_a_tick_after_downtime_sends_only_the_latest_reminder(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        report = await tick(app, at("2023-10-19T15:00+03:00"))  # -7d missed; -1d live
        assert report.delivery.sent == 2
        assert all("срок завтра" in m.plain_text for m in api.sent)


async def test_owner_press_reports_and_the_controller_policy_decides(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        message = api.messages_to(111)[0]
        api.press_button(111, message.message_id, button_data(message))
        report = await tick(app, MINUS_7 + timedelta(minutes=5))
        assert report.updates == 1
        assert (await Task.get(owner_id="ivanov")).state == TaskState.REPORTED
        assert (await Task.get(owner_id="petrova")).state == TaskState.OPEN
        assert api.callback_answers[-1].text == words("confirm.reported")
        assert api.edits[-1].reply_markup is None  # the button is gone from the reminder
        event = await AuditEvent.get(event="task.reported")
        assert event.actor == "ivanov"

        # The reported task gets no more reminders; the open one does.
        await tick(app, at("2023-10-19T09:00+03:00"))
        assert len(api.messages_to(111)) == 1
        assert len(api.messages_to(222)) == 2

        # Pressing again is harmless.
        api.press_button(111, message.message_id, button_data(message))
        await tick(app, at("2023-10-19T09:05+03:00"))
        assert api.callback_answers[-1].text == words("confirm.closed")
        assert await AuditEvent.filter(event="task.reported").count() == 1


async def test_acceptance_none_closes_on_the_owners_word(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path, acceptance="none") as app:
        await tick(app, MINUS_7)
        message = api.messages_to(222)[0]
        api.press_button(222, message.message_id, button_data(message))
        await tick(app, MINUS_7 + timedelta(minutes=1))
        task = await Task.get(owner_id="petrova")
        assert task.state == TaskState.DONE
        assert task.closed_at is not None
        assert api.callback_answers[-1].text == words("confirm.done")


async def test_forged_foreign_and_unknown_presses_change_nothing(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        ivanov_msg = api.messages_to(111)[0]
        petrova_msg = api.messages_to(222)[0]
        petrova_task = await Task.get(owner_id="petrova")
        genuine = button_data(ivanov_msg)
        action, task_id, mac = genuine.split(":")

        attempts = [
            # altered task id with ivanov's valid MAC: a forgery
            (111, ivanov_msg.message_id, f"{action}:{petrova_task.id}:{mac}", None),
            # garbage
            (111, ivanov_msg.message_id, "d:1:AAAA", None),
            (111, ivanov_msg.message_id, "drop table", None),
            # petrova's genuine button pressed by ivanov
            (222, petrova_msg.message_id, button_data(petrova_msg), 111),
            # a genuine signature for a task that does not exist
            (111, ivanov_msg.message_id, sign(SECRET.encode(), Action.DONE, 987654), None),
            # a button signed with another secret
            (
                111,
                ivanov_msg.message_id,
                sign(b"another-secret-entirely", Action.DONE, int(task_id)),
                None,
            ),
        ]
        for chat, message_id, data, from_user in attempts:
            api.press_button(chat, message_id, data, from_user_id=from_user)
        report = await tick(app, MINUS_7 + timedelta(minutes=1))
        assert report.updates == len(attempts)
        assert {t.state for t in await Task.all()} == {TaskState.OPEN}
        answers = [a.text for a in api.callback_answers]
        assert answers == [
            words("presses.forged"),
            words("presses.forged"),
            words("presses.forged"),
            words("presses.foreign"),
            words("presses.forged"),
            words("presses.forged"),
        ]
        outcomes = sorted(i.outcome or "" for i in await Inbound.all())
        assert outcomes == ["foreign", "forged", "forged", "forged", "forged", "unknown-task"]
        assert await AuditEvent.filter(event__startswith="task.reported").count() == 0
        assert api.edits == []


async def test_an_update_is_handled_once_even_if_telegram_delivers_it_again(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await tick(app, MINUS_7)
        message = api.messages_to(111)[0]
        api.press_button(111, message.message_id, button_data(message))
        await tick(app, MINUS_7 + timedelta(minutes=1))
        # Lose the stored offset, as if the process died before saving it: the update is
        # fetched again, and the inbound record makes the replay a no-op.
        from storage.models import Cursor

        replay = (await Inbound.get()).payload
        await Cursor.all().delete()
        api.push_update(replay)
        report = await tick(app, MINUS_7 + timedelta(minutes=2))
        assert report.updates == 0
        assert len(api.callback_answers) == 1
        assert await AuditEvent.filter(event="task.reported").count() == 1


async def test_blocked_chat_fails_for_good_and_5xx_is_retried_later(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        api.block(222)
        api.fail_next("sendMessage", 502, "Bad Gateway")
        report = await tick(app, MINUS_7)
        assert report.delivery.sent == 0
        assert report.delivery.failed == 1
        assert report.delivery.retrying == 1
        blocked = await Outbox.get(person_id="petrova")
        assert blocked.status == OutboxStatus.FAILED
        assert "blocked" in (blocked.error or "")

        assert (await tick(app, MINUS_7 + timedelta(seconds=10))).delivery.sent == 0  # backoff
        report = await tick(app, MINUS_7 + timedelta(minutes=1))
        assert report.delivery.sent == 1
        retried = await Outbox.get(person_id="ivanov")
        assert retried.status == OutboxStatus.SENT
        assert retried.attempts == 2
        assert len(api.messages_to(111)) == 1


async def test_retry_after_is_obeyed(db_url: str, api: FakeBotAPI, tmp_path: Path) -> None:
    async with running(db_url, api.url, tmp_path, owners="ivanov") as app:
        api.fail_next("sendMessage", 429, retry_after=120)
        assert (await tick(app, MINUS_7)).delivery.retrying == 1
        assert (await tick(app, MINUS_7 + timedelta(seconds=119))).delivery.sent == 0
        assert (await tick(app, MINUS_7 + timedelta(seconds=120))).delivery.sent == 1


async def test_a_crash_between_claim_and_record_resends_after_the_lease(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    """The documented at-most-one duplicate: a claimed row whose process died is sent again
    once its lease has expired, and never before."""
    async with running(db_url, api.url, tmp_path, owners="ivanov") as app:
        await tick(app, MINUS_7)
        row = await Outbox.get()
        # Rewind the row to "claimed by a process that died before recording the send".
        await Outbox.filter(id=row.id).update(
            status=OutboxStatus.SENDING,
            claimed_by="dead",
            lease_until=MINUS_7 + timedelta(minutes=5),
        )
        assert (await tick(app, MINUS_7 + timedelta(minutes=4))).delivery.sent == 0
        assert (await tick(app, MINUS_7 + timedelta(minutes=6))).delivery.sent == 1
        assert len(api.messages_to(111)) == 2
        assert await Outbox.all().count() == 1


async def test_a_broken_template_keeps_the_reminder_until_it_is_fixed(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    templates = tmp_path / "templates" / "telegram"
    templates.mkdir(parents=True)
    (templates / "reminder.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    async with running(db_url, api.url, tmp_path / "wf", owners="ivanov") as app:
        app.renderer = Renderer(tmp_path / "templates")
        report = await tick(app, MINUS_7)
        assert report.delivery.retrying == 1
        assert api.sent == []
        (templates / "reminder.html").write_text("Пункт {{ clause.id }}", encoding="utf-8")
        app.renderer = Renderer(tmp_path / "templates")
        report = await tick(app, MINUS_7 + timedelta(minutes=1))
        assert report.delivery.sent == 1
        assert api.sent[0].text == "Пункт A.1"


async def test_a_reminder_wave_keeps_within_telegrams_limits(db_url: str, tmp_path: Path) -> None:
    """80 reminders, two per chat, against a Bot API that answers 429 past 30/s per bot or
    1/s per chat: all delivered in one tick, none refused."""
    people = "".join(
        f"  - id: p{i}\n    name: Человек {i}\n    telegram: {5000 + i}\n" for i in range(40)
    )
    members = ", ".join(f"p{i}" for i in range(40))
    (tmp_path / "roster.yaml").write_text(
        f"people:\n{people}  - id: boss\n    name: Контролёр\n"
        f"groups:\n  - id: all\n    members: [{members}]\n",
        encoding="utf-8",
    )
    (tmp_path / "r.yaml").write_text(
        "resolution: {id: wave, title: Волна, number: '1', adopted: 2023-10-05, controller: boss}\n"
        "clauses:\n"
        "  - {id: '1', text: Первый пункт, owners: [all], deadline: 2023-10-20}\n"
        "  - {id: '2', text: Второй пункт, owners: [all], deadline: 2023-10-20}\n",
        encoding="utf-8",
    )
    limits = RateLimits(per_bot_per_s=30, per_chat_per_s=1, jitter_s=0.25)
    async with FakeBotAPI(limits=limits) as api:
        for i in range(40):
            api.add_chat(5000 + i)
        async with App(settings(db_url, api.url)) as app:
            await apply_catalog(load_catalog([tmp_path]), APPLIED)
            report = await tick(app, MINUS_7)
        assert report.delivery.sent == 80
        assert api.too_many_requests == 0
        assert all(len(api.messages_to(5000 + i)) == 2 for i in range(40))
