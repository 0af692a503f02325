"""Controller digests through the real tick, the database and the loopback Bot API."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox, Person
from tests.fakes.bot_api import FakeBotAPI, SentMessage
from tests.helpers import app_for, at, button_data, running, settings, write_workflow

CONTROLLER_CHAT = 999


async def days(
    app: App, first: str, last: str, times: tuple[str, ...] = ("09:00", "09:30")
) -> None:
    """Tick every day from ``first`` to ``last`` (Moscow dates) at the given times."""
    day = datetime.fromisoformat(f"{first}T00:00+03:00")
    end = datetime.fromisoformat(f"{last}T23:59+03:00")
    while day <= end:
        for hhmm in times:
            hours, minutes = map(int, hhmm.split(":"))
            await tick(app, day + timedelta(hours=hours, minutes=minutes))
        day += timedelta(days=1)


def digests(api: FakeBotAPI) -> list[SentMessage]:
    return [m for m in api.messages_to(CONTROLLER_CHAT) if "Сводка" in m.plain_text]


async def test_overdue_reaches_the_controller_once_on_d_plus_1_and_not_on_quiet_days(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await days(app, "2023-10-06", "2023-10-20")
        assert digests(api) == []  # nothing overdue, nothing reported: nothing to say
        await days(app, "2023-10-21", "2023-10-21", ("09:00", "09:30", "09:31", "18:00"))
        [digest] = digests(api)
        assert "Сводка по исполнению постановлений на 21 октября 2023 г." in digest.plain_text
        newly = digest.plain_text.split("Просрочено впервые")[1]
        for name in ("Иванов И.И.", "Петрова П.П.", "Сидоров С.С."):
            assert f"{name}" in newly
        assert "просрочено на 1 день" in newly
        assert "Нет связи с исполнителями" in digest.plain_text  # sidorov has no Telegram
        assert "Сидоров С.С." in digest.plain_text.split("Нет связи")[1]
        await days(app, "2023-10-22", "2023-10-30")
        assert len(digests(api)) == 1  # still overdue is not news on its own
        assert await Outbox.filter(kind="digest").count() == 1


async def test_a_report_is_news_the_next_morning_and_later_items_move_to_still_overdue(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        await days(app, "2023-10-13", "2023-10-18")
        reminder = api.messages_to(111)[-1]
        api.press_button(111, reminder.message_id, button_data(reminder))
        await tick(app, at("2023-10-18T12:00+03:00"))
        await days(app, "2023-10-19", "2023-10-19")
        [first] = digests(api)
        assert "на 19 октября 2023 г." in first.plain_text
        assert "Ждут вашей проверки" in first.plain_text
        assert "Иванов И.И." in first.plain_text.split("Ждут вашей проверки")[1]
        assert "Просрочено" not in first.plain_text

        await days(app, "2023-10-20", "2023-10-21")
        second = digests(api)[-1]
        assert "на 21 октября 2023 г." in second.plain_text
        newly = second.plain_text.split("Просрочено впервые")[1].split("Ждут")[0]
        assert "Петрова П.П." in newly
        assert "Иванов И.И." not in newly  # reported: not overdue
        assert "Ждут вашей проверки" in second.plain_text  # still waiting, listed again
        assert len(digests(api)) == 2


async def test_a_repeating_escalation_is_news_every_n_days(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    folder = write_workflow(tmp_path, owners="ivanov")
    text = (folder / "r-1.yaml").read_text(encoding="utf-8")
    (folder / "r-1.yaml").write_text(
        text.replace(
            "  acceptance: controller\n",
            "  acceptance: controller\n  escalate:\n    - {after: 1d, to: controller, every: 3d}\n",
        ),
        encoding="utf-8",
    )
    async with app_for(settings(db_url, api.url)) as app:
        await apply_catalog(load_catalog([folder]), at("2023-10-06T10:00+03:00"))
        await days(app, "2023-10-19", "2023-10-31")
    dates = [m.plain_text.splitlines()[0] for m in digests(api)]
    assert dates == [
        "Сводка по исполнению постановлений на 21 октября 2023 г.",
        "Сводка по исполнению постановлений на 24 октября 2023 г.",
        "Сводка по исполнению постановлений на 27 октября 2023 г.",
        "Сводка по исполнению постановлений на 30 октября 2023 г.",
    ]
    assert "По-прежнему просрочено" in digests(api)[1].plain_text
    assert "просрочено на 4 дня" in digests(api)[1].plain_text


async def test_a_long_digest_is_split_into_valid_messages(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    folder = write_workflow(tmp_path)
    people = "".join(
        f"  - id: p{i}\n    name: Исполнитель Номер {i} Длинная Фамилия\n"
        f"    organisation: Первичная профсоюзная организация учреждения культуры № {i}\n"
        for i in range(80)
    )
    roster = (folder / "roster.yaml").read_text(encoding="utf-8")
    roster = roster.replace("groups:\n", people + "groups:\n")
    roster = roster.replace(
        "members: [ivanov, petrova, sidorov]",
        "members: [" + ", ".join(f"p{i}" for i in range(80)) + "]",
    )
    (folder / "roster.yaml").write_text(roster, encoding="utf-8")
    async with app_for(settings(db_url, api.url)) as app:
        await apply_catalog(load_catalog([folder]), at("2023-10-06T10:00+03:00"))
        await days(app, "2023-10-21", "2023-10-21")
    parts = digests(api) + [
        m for m in api.messages_to(CONTROLLER_CHAT) if "Сводка" not in m.plain_text
    ]
    assert len(parts) >= 2
    assert all(len(p.plain_text) <= 4096 for p in parts)  # the fake also validated the HTML
    listed = "\n".join(p.plain_text for p in parts)
    assert all(f"Исполнитель Номер {i} Длинная Фамилия" in listed for i in range(80))


async def test_a_blocked_owner_is_listed_as_unreachable(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        api.block(222)
        await days(app, "2023-10-13", "2023-10-13")
        assert (await Person.get(id="petrova")).telegram_blocked_at is not None
        await days(app, "2023-10-14", "2023-10-21")
        [digest] = digests(api)
        unreachable = digest.plain_text.split("Нет связи с исполнителями")[1]
        assert "Петрова П.П." in unreachable
        assert "Иванов И.И." not in unreachable


async def test_a_policy_without_quiet_hours_sends_its_digest_at_night_as_its_reminders(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    """``quiet_hours: none`` in the policy holds for digests as for reminders: a 22:00 digest
    goes out at 22:00, not the next morning (digests used to fall back to the global default)."""
    folder = write_workflow(tmp_path, owners="ivanov")
    text = (folder / "r-1.yaml").read_text(encoding="utf-8")
    (folder / "r-1.yaml").write_text(
        text.replace(
            '  remind_at: "09:00"\n',
            '  remind_at: "22:00"\n  digest_at: "22:00"\n  quiet_hours: none\n',
        ),
        encoding="utf-8",
    )
    async with app_for(settings(db_url, api.url)) as app:
        await apply_catalog(load_catalog([folder]), at("2023-10-06T10:00+03:00"))
        await tick(app, at("2023-10-20T22:00+03:00"))
        assert "последний день срока" in api.messages_to(111)[-1].plain_text  # 0d at 22:00
        await tick(app, at("2023-10-21T22:00+03:00"))
        [digest] = digests(api)
        [row] = await Outbox.filter(kind="digest")
    assert "на 21 октября 2023 г." in digest.plain_text
    assert row.due_at == at("2023-10-21T22:00+03:00")
