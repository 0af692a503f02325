"""The fake Bot API, driven by the real python-telegram-bot client over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.bot_api import FakeBotAPI, RateLimits, parse_telegram_html

CHAT = 100200300  # a private chat: the user's id is the chat's id

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Выполнено", callback_data="done:II.4")],
        [InlineKeyboardButton("Нужна отсрочка", callback_data="extend:II.4")],
    ]
)


def client_for(api: FakeBotAPI, token: str | None = None) -> telegram.Bot:
    return telegram.Bot(
        token or api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot"
    )


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        fake.add_chat(CHAT, first_name="Иван", username="ivanov")
        yield fake


@pytest_asyncio.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    async with client_for(api) as client:
        yield client


@pytest.fixture
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read RetryAfter.retry_after as a timedelta (the int form warns, and warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- sending -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_html_message_with_keyboard_round_trips(api: FakeBotAPI, bot: telegram.Bot) -> None:
    source = "😀 <b>Срок</b>: &lt;20.10&gt; <a href='https://example.org/?a=1&amp;b=2'>п. II.4</a>"

    message = await bot.send_message(CHAT, source, parse_mode="HTML", reply_markup=KEYBOARD)

    assert message.text == "😀 Срок: <20.10> п. II.4"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 3, 4),  # the emoji counts two UTF-16 code units
        ("text_link", 17, 7),
    ]
    assert message.entities[1].url == "https://example.org/?a=1&b=2"
    assert message.reply_markup == KEYBOARD
    assert message.from_user is not None
    assert message.from_user.is_bot
    assert message.chat.id == CHAT
    assert message.chat.first_name == "Иван"
    [sent] = api.messages_to(CHAT)
    assert (sent.message_id, sent.text, sent.parse_mode) == (message.message_id, source, "HTML")
    assert sent.plain_text == message.text
    assert sent.reply_markup == KEYBOARD.to_dict()
    assert api.calls_to("sendMessage")[0].params["chat_id"] == CHAT


@pytest.mark.asyncio
async def test_message_ids_increase_and_replies_are_linked(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    first = await bot.send_message(CHAT, "первое")
    second = await bot.send_message(CHAT, "второе", reply_to_message_id=first.message_id)

    assert second.message_id > first.message_id
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == first.message_id
    assert api.sent[1].reply_to_message_id == first.message_id
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "x", reply_to_message_id=999)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>не закрыт", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("строка<br>", 'Unsupported start tag "br" at byte offset 12'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("AT&T", 'Character "&" starts no valid HTML entity at byte offset 2 (write "&amp;")'),
        ("a&nbsp;b", 'Character "&" starts no valid HTML entity at byte offset 1 (write "&amp;")'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href='x", 'Unclosed start tag "a" at byte offset 0'),
    ],
)
@pytest.mark.asyncio
async def test_invalid_html_is_a_bad_request(
    api: FakeBotAPI, bot: telegram.Bot, source: str, error: str
) -> None:
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(CHAT, source, parse_mode="HTML")

    # python-telegram-bot drops "Bad Request: " and capitalizes what is left
    assert raised.value.message == f"Can't parse entities: {error}".capitalize()
    assert api.sent == []


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot; &#8470;&#x2116;", '<>&" №№', []),
        ("a > b", "a > b", []),
        ("<B>x</B><strong>y</strong>", "xy", [("bold", 0, 1), ("bold", 1, 1)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        (
            "<blockquote expandable>q</blockquote><u>u</u>",
            "qu",
            [("expandable_blockquote", 0, 1), ("underline", 1, 1)],
        ),
        ("  <i>\n отступы </i>  ", "отступы", [("italic", 0, 7)]),
        ("<b>a<i>b</i></b>", "ab", [("bold", 0, 2), ("italic", 1, 1)]),
    ],
)
@pytest.mark.asyncio
async def test_valid_html_parses_like_telegram(
    bot: telegram.Bot, source: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    message = await bot.send_message(CHAT, source, parse_mode="HTML")

    assert message.text == text
    assert [(e.type, e.offset, e.length) for e in message.entities] == entities


def test_the_html_parser_is_usable_on_its_own() -> None:
    text, entities = parse_telegram_html('<pre><code class="language-python">x</code></pre>')

    assert (text, entities) == (
        "x",
        [{"type": "pre", "language": "python", "offset": 0, "length": 1}],
    )


@pytest.mark.asyncio
async def test_text_length_is_counted_in_utf16_after_parsing(bot: telegram.Bot) -> None:
    await bot.send_message(CHAT, "я" * 4096)
    await bot.send_message(CHAT, "&lt;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "я" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "😀" * 2049)  # 2,049 characters, 4,098 code units
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_is_refused(api: FakeBotAPI, bot: telegram.Bot) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data=data)]])

    await bot.send_message(CHAT, "ok", reply_markup=keyboard("x" * 64))
    for data in ("x" * 65, "я" * 33):  # 33 Cyrillic letters are 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "too long", reply_markup=keyboard(data))
    assert len(api.sent) == 1


# --- who may be written to -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_chat_that_never_started_the_bot_is_forbidden(bot: telegram.Bot) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(777, "привет")


@pytest.mark.asyncio
async def test_a_blocked_chat_is_forbidden_until_the_user_writes_again(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    api.block(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "напоминание")

    api.send_text(CHAT, "/start")
    await bot.send_message(CHAT, "напоминание")

    assert [m.text for m in api.messages_to(CHAT)] == ["напоминание"]


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fail_next_answers_an_error_then_recovers(api: FakeBotAPI, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 500, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "x")

    assert len(api.calls_to("sendMessage")) == 3
    assert len(api.sent) == 1
    with pytest.raises(ValueError, match="does not implement"):
        api.fail_next("sendMesage")


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_periods")
async def test_injected_429_raises_retry_after(api: FakeBotAPI, bot: telegram.Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "x")

    assert raised.value.retry_after == dtm.timedelta(seconds=7)
    assert api.sent == []
    assert api.too_many_requests == 0  # only the rate limiter's refusals are counted


@pytest.mark.asyncio
async def test_a_hung_call_times_out_the_client_yet_takes_effect(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    api.hang_next("sendMessage", 0.3)

    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "x", read_timeout=0.05)
    assert api.sent == []

    await api.wait_for_async(lambda: len(api.sent) == 1, timeout_s=2)


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_periods")
async def test_a_chat_gets_429_for_a_second_message_within_a_second() -> None:
    async with (
        FakeBotAPI(limits=RateLimits(per_bot_per_s=30, per_chat_per_s=1)) as api,
        client_for(api) as bot,
    ):
        api.add_chat(1)
        api.add_chat(2)
        await bot.send_message(1, "first")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1, "second")
        await bot.send_message(2, "another chat")

        assert raised.value.retry_after == dtm.timedelta(seconds=1)
        assert api.too_many_requests == 1
        assert [(m.chat_id, m.text) for m in api.sent] == [(1, "first"), (2, "another chat")]


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_periods")
async def test_rate_limit_windows_slide_with_the_clock() -> None:
    clock = ManualClock()
    async with (
        FakeBotAPI(limits=RateLimits(per_bot_per_s=2, per_chat_per_s=1), clock=clock) as api,
        client_for(api) as bot,
    ):
        for chat_id in (1, 2, 3):
            api.add_chat(chat_id)
        await bot.send_message(1, "a")
        clock.now = 1000.5
        with pytest.raises(RetryAfter):  # chat 1's second message within a second
            await bot.send_message(1, "a2")
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter):  # the bot's third message within a second
            await bot.send_message(3, "c")
        clock.now = 1001.0  # "a" leaves both windows
        await bot.send_message(1, "a2")
        clock.now = 1001.25
        with pytest.raises(RetryAfter):  # "b" and "a2" still fill the bot's window
            await bot.send_message(3, "c")
        clock.now = 1001.5
        await bot.send_message(3, "c")

        assert api.too_many_requests == 3
        assert [(m.text, m.at) for m in api.sent] == [
            ("a", 1000.0),
            ("b", 1000.5),
            ("a2", 1001.0),
            ("c", 1001.5),
        ]


# --- updates -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_pressed_button_arrives_as_a_callback_query(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    reminder = await bot.send_message(CHAT, "<b>II.4</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    query_id = api.press_button(CHAT, reminder.message_id, "done:II.4")

    [update] = await bot.get_updates()

    assert isinstance(update, Update)
    query = update.callback_query
    assert query is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "done:II.4", CHAT)
    assert query.from_user.username == "ivanov"
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == reminder.message_id
    assert query.message.reply_markup == KEYBOARD
    assert Update.de_json(update.to_dict(), bot) == update

    await bot.answer_callback_query(query_id, text="Отмечено", show_alert=True)
    [answer] = api.callback_answers
    assert (answer.callback_query_id, answer.text, answer.show_alert) == (
        query_id,
        "Отмечено",
        True,
    )
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)


@pytest.mark.asyncio
async def test_a_button_pressed_by_someone_else_names_that_user(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    reminder = await bot.send_message(CHAT, "II.4", reply_markup=KEYBOARD)
    api.press_button(CHAT, reminder.message_id, "forged", from_user_id=555)

    [update] = await bot.get_updates()

    assert update.callback_query is not None
    assert (update.callback_query.from_user.id, update.callback_query.data) == (555, "forged")


@pytest.mark.asyncio
async def test_an_offset_acknowledges_earlier_updates(api: FakeBotAPI, bot: telegram.Bot) -> None:
    ids = [
        api.push_update(
            {
                "message": {
                    "message_id": n,
                    "date": 0,
                    "text": str(n),
                    "chat": {"id": CHAT, "type": "private"},
                }
            }
        )
        for n in (1, 2, 3)
    ]

    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1], limit=1)] == [ids[1]]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert api.pending_updates == []

    later = api.send_text(CHAT, "ещё")
    [update] = await bot.get_updates(offset=ids[2] + 1)
    assert update.update_id > ids[2]
    assert update.message is not None
    assert update.message.message_id == later


@pytest.mark.asyncio
async def test_a_long_poll_returns_as_soon_as_an_update_is_pushed(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for_async(lambda: len(api.calls_to("getUpdates")) == 1)
    started = time.monotonic()

    api.send_text(CHAT, "/tasks")
    [update] = await asyncio.wait_for(poll, timeout=2)

    assert time.monotonic() - started < 0.5
    assert update.message is not None
    assert update.message.text == "/tasks"
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


@pytest.mark.asyncio
async def test_a_long_poll_with_nothing_to_say_returns_empty_after_its_timeout(
    api: FakeBotAPI,
) -> None:
    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.url}/bot{api.token}/getUpdates", json={"timeout": 0.2}) as response,
    ):
        body = await response.json()

    assert body == {"ok": True, "result": []}
    assert 0.2 <= time.monotonic() - started < 1.0


@pytest.mark.asyncio
async def test_a_second_poller_ends_the_first_with_conflict(api: FakeBotAPI) -> None:
    async with client_for(api) as first, client_for(api) as second:
        poll = asyncio.create_task(first.get_updates(timeout=10))
        await api.wait_for_async(lambda: len(api.calls_to("getUpdates")) == 1)

        assert await second.get_updates() == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(poll, timeout=2)


@pytest.mark.asyncio
async def test_user_replies_carry_the_replied_message_and_files_download(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    reminder = await bot.send_message(CHAT, "Пришлите отчёт", reply_markup=KEYBOARD)
    api.send_text(CHAT, "Готово, ссылка ниже", reply_to_message_id=reminder.message_id)
    api.send_photo(CHAT, content=b"jpeg!", caption="фото", reply_to_message_id=reminder.message_id)
    api.send_document(CHAT, file_name="отчёт.docx", content=b"docx!", mime_type="application/x")

    text, photo, document = [u.message for u in await bot.get_updates()]

    assert text is not None
    assert photo is not None
    assert document is not None
    assert text.reply_to_message is not None
    assert text.reply_to_message.message_id == reminder.message_id
    assert text.reply_to_message.from_user is not None
    assert text.reply_to_message.from_user.username == api.bot_username
    assert photo.caption == "фото"
    assert len(photo.photo) == 2
    assert document.document is not None
    assert document.document.file_name == "отчёт.docx"
    photo_file = await bot.get_file(photo.photo[-1].file_id)
    document_file = await bot.get_file(document.document.file_id)
    assert await photo_file.download_as_bytearray() == b"jpeg!"
    assert await document_file.download_as_bytearray() == b"docx!"


# --- edits, commands, the rest -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_edits_change_the_stored_message(api: FakeBotAPI, bot: telegram.Bot) -> None:
    reminder = await bot.send_message(CHAT, "II.4", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text(
        "II.4 — <i>выполнено</i>", CHAT, reminder.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "II.4 — выполнено"
    assert edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "II.4 — <i>выполнено</i>", CHAT, reminder.message_id, parse_mode="HTML"
        )
    await bot.edit_message_reply_markup(CHAT, reminder.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)

    assert [(e.method, e.text) for e in api.edits] == [
        ("editMessageText", "II.4 — <i>выполнено</i>"),
        ("editMessageReplyMarkup", None),
    ]
    assert api.message(CHAT, reminder.message_id)["reply_markup"] == KEYBOARD.to_dict()
    api.press_button(CHAT, reminder.message_id, "done:II.4")
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert isinstance(update.callback_query.message, telegram.Message)
    assert update.callback_query.message.text == "II.4 — выполнено"


@pytest.mark.asyncio
async def test_commands_webhook_and_chat_actions(api: FakeBotAPI, bot: telegram.Bot) -> None:
    assert await bot.delete_webhook()
    assert await bot.set_my_commands([("tasks", "Мои задачи"), ("status", "Сводка")])
    commands = await bot.get_my_commands()
    assert [(c.command, c.description) for c in commands] == [
        ("tasks", "Мои задачи"),
        ("status", "Сводка"),
    ]
    assert api.commands()[0] == {"command": "tasks", "description": "Мои задачи"}
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(777, "typing")


@pytest.mark.asyncio
async def test_a_wrong_token_is_an_invalid_token(api: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with client_for(api, token="999:WRONG"):
            pass
    assert api.calls[-1].method == "getMe"


@pytest.mark.asyncio
async def test_unknown_methods_are_404_and_json_bodies_are_accepted(
    api: FakeBotAPI, bot: telegram.Bot
) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")

    async with aiohttp.ClientSession() as session:
        async with session.post(f"{api.url}/bot{api.token}/nope", data={"a": "1"}) as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        url = f"{api.url}/bot{api.token}/SENDMESSAGE"  # method names are case-insensitive
        async with session.post(url, json={"chat_id": CHAT, "text": "json"}) as response:
            body = await response.json()
    assert body["ok"]
    assert body["result"]["text"] == "json"
    assert api.calls[-1].method == "sendMessage"


@pytest.mark.asyncio
async def test_an_application_polls_handles_commands_and_buttons(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"args={context.args}", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Принято")

    app = (
        Application.builder()
        .token(api.token)
        .base_url(f"{api.url}/bot")
        .base_file_url(f"{api.url}/file/bot")
        .job_queue(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            api.send_text(CHAT, "/start link-token")
            await api.wait_for_async(lambda: len(api.messages_to(CHAT)) == 1)
            [reply] = api.messages_to(CHAT)
            api.press_button(CHAT, reply.message_id, "done:II.4")
            await api.wait_for_async(lambda: len(api.callback_answers) == 1)
        finally:
            await app.updater.stop()
            await app.stop()

    assert reply.text == "args=['link-token']"
    assert reply.reply_to_message_id is None
    assert api.callback_answers[0].text == "Принято"
    assert api.pending_updates == []  # the updater acknowledged what it handled


# --- threaded mode, for synchronous tests that run the CLI ---------------------------------------

CLIENT_SCRIPT = """
import json, sys, urllib.parse, urllib.request
url, token, chat = sys.argv[1:]
keyboard = json.dumps({"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]})
body = urllib.parse.urlencode({"chat_id": chat, "text": "из процесса", "reply_markup": keyboard})
with urllib.request.urlopen(f"{url}/bot{token}/sendMessage", body.encode(), timeout=5) as r:
    print(json.load(r)["result"]["message_id"])
"""


def test_threaded_mode_serves_a_subprocess_and_sync_code() -> None:
    with FakeBotAPI().serving_in_thread() as api:
        api.add_chat(CHAT)
        completed = subprocess.run(
            [sys.executable, "-c", CLIENT_SCRIPT, api.url, api.token, str(CHAT)],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        api.wait_for(lambda: len(api.messages_to(CHAT)) == 1, timeout_s=2)

        async def send_from_this_thread() -> telegram.Message:
            async with client_for(api) as bot:
                return await bot.send_message(CHAT, "из теста")

        message = asyncio.run(send_from_this_thread())
        with pytest.raises(TimeoutError):
            api.wait_for(lambda: len(api.sent) == 3, timeout_s=0.05)

    assert json.loads(completed.stdout) == api.sent[0].message_id
    assert api.sent[0].reply_markup == {
        "inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]
    }
    assert message.text == "из теста"
    assert message.message_id == api.sent[1].message_id
    with pytest.raises(RuntimeError, match="not serving"):
        _ = api.url
