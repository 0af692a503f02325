"""python-telegram-bot on the aiohttp transport behaves as on its own: results, errors, timeouts."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import telegram
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from engine.channels.telegram_http import AiohttpRequest
from tests.fakes.bot_api import FakeBotAPI

CHAT = 4242


def _bot(url: str, token: str, read_timeout_s: float = 5.0) -> telegram.Bot:
    return telegram.Bot(
        token,
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=AiohttpRequest(read_timeout_s=read_timeout_s, connect_timeout_s=2.0),
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        fake.add_chat(CHAT)
        yield fake


async def test_a_message_with_a_keyboard_goes_out_form_encoded_and_comes_back_parsed(
    api: FakeBotAPI,
) -> None:
    async with _bot(api.url, api.token) as bot:
        keyboard = telegram.InlineKeyboardMarkup(
            [[telegram.InlineKeyboardButton("✅ Выполнено", callback_data="d:1:x")]]
        )
        message = await bot.send_message(
            CHAT, "<b>Пункт</b> &amp; срок", "HTML", reply_markup=keyboard
        )
    [sent] = api.sent
    assert message.message_id == sent.message_id
    assert sent.plain_text == "Пункт & срок"
    assert sent.reply_markup == {
        "inline_keyboard": [[{"text": "✅ Выполнено", "callback_data": "d:1:x"}]]
    }


async def test_errors_are_python_telegram_bots_own(
    api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as TelegramChannel does: no deprecation warning
    async with _bot(api.url, api.token) as bot:
        api.fail_next("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(CHAT, "x")
        api.fail_next("sendMessage", 502, "Bad Gateway")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "x")
        with pytest.raises(BadRequest):
            await bot.send_message(CHAT, "<b>unclosed", "HTML")
        api.block(CHAT)
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "x")
    assert api.sent == []


async def test_a_hung_call_times_out(api: FakeBotAPI) -> None:
    api.hang_next("sendMessage", 2.0)
    async with _bot(api.url, api.token, read_timeout_s=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "x")
        await bot.send_message(CHAT, "y", read_timeout=1.0)  # per call, as PTB passes it
    assert [m.text for m in api.sent][-1] == "y"


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connect_timeout_s=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{port}/bot123456:TEST/getMe")
    finally:
        await request.shutdown()


async def test_it_refuses_to_work_before_initialize() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")
