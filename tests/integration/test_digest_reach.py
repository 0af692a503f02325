"""«📵 Нет связи» says who blocked the bot, who bounced and who never linked, each plainly
(issue 13, point 2): through a tick with the loopback Bot API and the fake SMTP server."""

from __future__ import annotations

from pathlib import Path

from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeSMTP
from tests.helpers import APPLIED, at, settings, smtp_settings

ROSTER = """\
people:
  - {id: blocked, name: Блинов Б.Б., telegram: 111, email: blinov@example.org}
  - {id: bouncer, name: Отказов О.О., email: otkazov@example.org}
  - {id: unlinked, name: Новиков Н.Н., email: novikov@example.org}
  - {id: silent, name: Тихонов Т.Т.}
  - {id: linked, name: Петрова П.П., telegram: 222}
  - {id: control, name: Контролёва К.К., telegram: 999, email: control@example.org}
"""
RESOLUTION = """\
resolution: {id: r-1, title: О связи, number: "1", adopted: 2023-10-05, controller: control}
clauses:
  - {id: A.1, text: Отчитаться., owners: [blocked, bouncer, unlinked, silent, linked],
     deadline: 2023-10-20}
"""


async def test_the_digest_says_how_each_unreachable_official_stands(
    db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "r-1.yaml").write_text(RESOLUTION, encoding="utf-8")
    async with FakeBotAPI() as api:
        for chat in (111, 222, 999):
            api.add_chat(chat)
        api.block(111)
        with FakeSMTP() as smtp:
            smtp.fail_rcpt("otkazov@example.org", 550, times=None)
            more = smtp_settings(smtp) | {
                "telegram_token": "123456:TEST",
                "telegram_api_url": api.url,
            }
            async with App(settings(db_url, **more)) as app:
                await apply_catalog(load_catalog([tmp_path]), at(APPLIED))
                await tick(app, at("2023-10-13T09:00+03:00"))  # the -7d reminders
                await tick(app, at("2023-10-21T09:30+03:00"))  # the controller's digest
            mails = [m for m in smtp.received if "Сводка" in str(m.message["Subject"])]
        [digest] = [m.plain_text for m in api.messages_to(999) if "Сводка" in m.plain_text]
    section = digest.split("Нет связи с исполнителями")[1].split("\n\n")[0]
    assert section.strip().splitlines() == [
        "• Блинов Б.Б.: бот заблокирован 13.10; получает письма",
        "• Новиков Н.Н.: Telegram не подключён; получает письма",
        "• Отказов О.О.: Telegram не подключён; письма не доходят с 13.10 (адрес отклонён)",
        "• Тихонов Т.Т.: Telegram не подключён; адреса почты нет",
    ]
    [mail] = mails
    text = mail.message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "- Блинов Б.Б.: бот заблокирован 13.10; получает письма" in text.get_content()
