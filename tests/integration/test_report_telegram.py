"""``/report`` and the button under ``/status`` through the loopback Bot API: the controller gets
the DOCX of each resolution they control as a document; anyone else gets a polite refusal and
no file, and a forged or foreign press of the button sends nothing."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from engine.callbacks import Action, sign
from engine.service import menus
from engine.service.tick import tick
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import SECRET, at, running, words

CONTROLLER, OWNER = 999, 111


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_report_command_sends_the_controller_a_docx_and_refuses_others(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        api.send_text(CONTROLLER, "/report")
        api.send_text(OWNER, "/report")
        await tick(app, at("2023-10-21T10:00+03:00"))

        (document,) = api.documents_to(CONTROLLER)
        assert document.file_name == "r-1-2023-10-21.docx"
        assert document.content_type.startswith("application/vnd.openxmlformats")
        assert document.caption is not None
        assert "№ 1-1 по состоянию на 21 октября 2023 г." in document.caption
        text = docx_text(document.content)
        assert "Информация о ходе выполнения постановления от 5 октября 2023 г. № 1-1" in text
        assert "«О мерах <по> улучшению & развитию»" in text  # as written, not escaped
        assert "просрочено на дату справки: 3;" in text
        assert "Иванов И.И." in text
        assert api.messages_to(CONTROLLER)[0].plain_text == words("reportbot.coming")

        assert api.documents_to(OWNER) == []
        (refused,) = [m for m in api.messages_to(OWNER) if "/tasks" in m.plain_text]
        assert refused.plain_text == words("reportbot.not_controller")


async def test_the_button_under_status_sends_the_report_only_to_the_controller(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        api.send_text(CONTROLLER, "/status")
        await tick(app, at("2023-10-18T10:00+03:00"))
        status = next(m for m in api.messages_to(CONTROLLER) if "выполнено 0 из 3" in m.plain_text)
        assert status.reply_markup is not None
        (row,) = status.reply_markup["inline_keyboard"]
        assert row[0]["text"] == words("conversation.report_button")
        data = str(row[0]["callback_data"])

        # Someone else presses the same data (e.g. forwarded), and a forged one: nothing sent.
        api.press_button(CONTROLLER, status.message_id, data, from_user_id=OWNER)
        api.press_button(CONTROLLER, status.message_id, data[:-2] + "xx")
        api.press_button(CONTROLLER, status.message_id, sign(b"other", Action.REPORTS, 0))
        await tick(app, at("2023-10-18T10:01+03:00"))
        assert api.documents_to(CONTROLLER) == []
        assert api.documents_to(OWNER) == []
        answers = [a.text for a in api.callback_answers]
        assert answers[0] == "Это решение может принять только контролёр постановления."
        assert answers[1:] == ["Эта кнопка недействительна."] * 2

        api.press_button(CONTROLLER, status.message_id, data)
        await tick(app, at("2023-10-18T10:02+03:00"))
        (document,) = api.documents_to(CONTROLLER)
        assert document.file_name == "r-1-2023-10-18.docx"
        assert "по состоянию на 18 октября 2023 г." in docx_text(document.content)
        assert api.callback_answers[-1].text == words("reportbot.coming")


async def test_help_and_menu_offer_report_to_the_controller(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        api.send_text(CONTROLLER, "/help")
        await tick(app, at("2023-10-18T10:00+03:00"))
        assert "/report" in api.messages_to(CONTROLLER)[0].plain_text
    assert "report" in menus.CONTROLLER
    assert "report" not in menus.EVERYONE


def test_report_callback_data_is_short_and_signed() -> None:
    data = sign(SECRET.encode(), Action.REPORTS, 0)
    assert len(data.encode()) <= 64
    assert data.startswith("p:0:")
