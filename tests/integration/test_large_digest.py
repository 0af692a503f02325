"""A digest of any size goes out: in Telegram messages the Bot API accepts, and by e-mail with
totals first and a cap per section."""

from __future__ import annotations

from pathlib import Path

from engine.app import App
from engine.channels.pacing import Pacer
from engine.channels.telegram_text import TELEGRAM_LIMIT, utf16_len
from engine.service.apply import apply_catalog
from engine.service.digest_text import MAIL_SECTION_CAP
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Outbox, OutboxStatus
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeSMTP
from tests.helpers import APPLIED, at, settings, smtp_settings

OWNERS = 400  # rendered whole, about 100,000 characters: over the renderer's usual cap
DIGEST_DAY = at("2023-10-21T09:30+03:00")


class FakeClock:
    """Monotonic seconds that move only when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def workflow(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    people = "\n".join(
        f"  - {{id: p{i}, name: Исполнитель {i:03d} И.И., organisation: Первичная № {i}}}"
        for i in range(OWNERS)
    )
    (folder / "roster.yaml").write_text(
        f"people:\n{people}\n"
        "  - {id: control, name: Контролёва К.К., telegram: 999, email: control@example.org}\n"
        f"groups:\n  - {{id: all, members: [{', '.join(f'p{i}' for i in range(OWNERS))}]}}\n",
        encoding="utf-8",
    )
    (folder / "r.yaml").write_text(
        'resolution: {id: r-1, title: О мерах, number: "1-1", adopted: 2023-10-05,'
        " controller: control}\n"
        "clauses:\n  - {id: A.1, text: Представить отчёт о работе & <планах>., owners: [all],"
        " deadline: 2023-10-20}\n",
        encoding="utf-8",
    )
    return folder


async def test_a_digest_of_hundreds_of_items_goes_out_whole_in_accepted_parts(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    clock = FakeClock()
    with FakeSMTP() as smtp:
        async with App(settings(db_url, api.url, **smtp_settings(smtp))) as app:
            assert app.telegram is not None
            app.telegram.pacer = Pacer(clock=clock, sleep=clock.sleep)  # no real waiting
            await apply_catalog(load_catalog([workflow(tmp_path)]), at(APPLIED))
            report = await tick(app, DIGEST_DAY)
            assert report.problems == []
            digest_rows = await Outbox.filter(kind="digest")
            assert {r.status for r in digest_rows} == {OutboxStatus.SENT}
        [mail] = smtp.messages
    parts = api.messages_to(999)
    assert len(parts) == len(digest_rows) - 1 > 1  # every part accepted by the Bot API
    assert all(utf16_len(p.plain_text) <= TELEGRAM_LIMIT for p in parts)
    text = "\n".join(p.plain_text for p in parts)
    assert "Итого: просрочено впервые — 400; нет связи — 400." in parts[0].plain_text
    for i in range(OWNERS):  # nobody is left out of the Telegram form
        assert f"Исполнитель {i:03d} И.И." in text
    body = mail.get_body(("plain",))
    assert body is not None
    plain = body.get_content()
    assert plain.index("Итого: просрочено впервые — 400") < plain.index("ПРОСРОЧЕНО ВПЕРВЫЕ")
    assert f"и ещё {OWNERS - MAIL_SECTION_CAP}" in plain
    assert "Исполнитель 099 И.И." in plain
    assert "Исполнитель 100 И.И." not in plain  # past the cap of the section
