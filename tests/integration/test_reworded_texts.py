"""An organisation's templates/texts.yaml rewords a reply end to end (issue 14): through the
real Telegram client and the fake Bot API, one key changed, every other text built in."""

from __future__ import annotations

from pathlib import Path

from engine.service.apply import apply_catalog
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import APPLIED, app_for, at, settings, words, write_workflow

HINT = "Чтобы приложить материалы, ответьте на напоминание. Список пунктов — /tasks."


async def test_an_override_changes_one_reply_and_a_channel_form_only_its_channel(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    org = tmp_path / "templates"
    (org / "max").mkdir(parents=True)
    (org / "texts.yaml").write_text(f'conversation.hint: "{HINT}"\n', encoding="utf-8")
    (org / "max" / "texts.yaml").write_text(
        'conversation.hint: "Только для MAX."\nconversation.stranger: "Только для MAX."\n',
        encoding="utf-8",
    )
    async with app_for(settings(db_url, api.url, templates_dir=str(org))) as app:
        await apply_catalog(load_catalog([write_workflow(tmp_path / "wf")]), at(APPLIED))
        api.send_text(111, "Просто текст")  # not a reply, no dialogue: the hint
        api.send_text(111, "/nonsense")
        api.send_text(555, "Здравствуйте")  # a stranger
        await tick(app, at("2023-10-10T10:00+03:00"))
    hint, unknown = (m.plain_text for m in api.messages_to(111))
    assert hint == HINT
    assert unknown == words("conversation.unknown_command")
    assert api.messages_to(555)[0].plain_text == words("conversation.stranger")
