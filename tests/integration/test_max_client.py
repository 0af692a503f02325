"""The real MAX adapter against the loopback fake MAX Bot API (tests/fakes/max_api.py)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Sequence

import aiohttp
import pytest
from aiohttp import web

from engine.callbacks import Action, Press, Signer
from engine.channels.base import Button, ChannelUnavailable, DeliveryError
from engine.channels.events import Blocked, Pressed, Started, Unreadable, Wrote
from engine.channels.max import MaxChannel, Received, Recipient, webhook_app
from engine.channels.pacing import Pacer
from tests.fakes.max_api import FakeMaxAPI

USER = 10001


class FakeTime:
    """A clock that moves only when slept on: pacing without wall-clock waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def api(time_: FakeTime) -> AsyncIterator[FakeMaxAPI]:
    async with FakeMaxAPI(clock=time_) as fake:
        fake.add_user(USER)
        yield fake


@pytest.fixture
async def channel(api: FakeMaxAPI, time_: FakeTime) -> AsyncIterator[MaxChannel]:
    async with MaxChannel(
        api.token,
        api.url,
        pacer=Pacer(29.0, 0.0, clock=time_, sleep=time_.sleep),
        answer_pacer=Pacer(1000.0, 0.55, clock=time_, sleep=time_.sleep),
        sleep=time_.sleep,
        signer=SIGNER,
    ) as max_:
        yield max_


TO = Recipient(user_id=USER)
SIGNER = Signer(b"max-client-test-secret")
DONE, EXTEND, REPORT = (Press(a, 4) for a in (Action.DONE, Action.EXTEND, Action.REPORT))


# --- sending -------------------------------------------------------------------------------------


async def test_send_with_keyboard_addresses_the_user_and_returns_the_mid(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    buttons: Sequence[Button | Sequence[Button]] = [
        Button("Выполнено", DONE),
        [Button("Отсрочка", EXTEND), Button("Отчёт", REPORT)],
    ]
    delivered = await channel.send(TO, "<b>Срок</b>: завтра", buttons)
    [sent] = api.sent
    assert delivered.external_id == sent.mid
    assert sent.user_id == USER
    assert sent.chat_id != USER  # the dialog's own id
    assert (sent.text, sent.format) == ("<b>Срок</b>: завтра", "html")
    assert sent.keyboard == [
        [{"type": "callback", "text": "Выполнено", "payload": SIGNER.sign(DONE)}],
        [
            {"type": "callback", "text": "Отсрочка", "payload": SIGNER.sign(EXTEND)},
            {"type": "callback", "text": "Отчёт", "payload": SIGNER.sign(REPORT)},
        ],
    ]
    [call] = api.calls_to("POST /messages")
    assert call.query == {"user_id": str(USER)}
    assert call.authorization == api.token


async def test_a_group_chat_is_addressed_by_chat_id(api: FakeMaxAPI, channel: MaxChannel) -> None:
    api.add_group(-555)
    await channel.send(Recipient(chat_id=-555), "Сводка")
    assert api.calls_to("POST /messages")[0].query == {"chat_id": "-555"}
    assert api.messages_to(-555)[0].text == "Сводка"


async def test_a_long_text_is_split_at_line_breaks_with_the_buttons_on_the_last_part(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    lines = [f"<b>{i}.</b> пункт постановления номер {i}" for i in range(300)]
    await channel.send(TO, "\n".join(lines), [Button("Выполнено", DONE)])
    assert len(api.sent) > 1
    assert all(m.text is not None and len(m.text) <= 4000 for m in api.sent)
    assert [m.keyboard is not None for m in api.sent] == [False] * (len(api.sent) - 1) + [True]
    joined = "\n".join(m.text or "" for m in api.sent)
    assert joined == "\n".join(lines)


async def test_refused_markup_goes_as_plain_text_then_content_rejected(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    api.fail_next("POST /messages", 400, "proto.payload", "cannot parse")
    await channel.send(TO, "<b>Срок</b> &lt;завтра&gt;")
    [sent] = api.sent
    assert (sent.text, sent.format) == ("Срок <завтра>", None)
    api.fail_next("POST /messages", 400, "proto.payload", "cannot parse", times=2)
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "<b>x</b>")
    assert caught.value.content_rejected
    assert caught.value.permanent


async def test_an_oversized_keyboard_is_refused_before_sending(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x", [Button("a", DONE)] * 31)
    assert caught.value.content_rejected
    assert api.calls_to("POST /messages") == []


async def test_forward_a_users_message(api: FakeMaxAPI, channel: MaxChannel) -> None:
    api.add_user(20002)
    mid = api.send_file(USER, file_name="акт.pdf")
    delivered = await channel.copy(Recipient(user_id=20002), mid)
    [sent] = api.sent
    assert sent.link == {"type": "forward", "mid": mid}
    assert sent.user_id == 20002
    assert delivered.external_id == sent.mid


async def test_answer_a_press_and_drop_the_buttons(api: FakeMaxAPI, channel: MaxChannel) -> None:
    delivered = await channel.send(TO, "Срок", [Button("Выполнено", DONE)])
    callback_id = api.press(USER, delivered.external_id, "d")
    await channel.answer(callback_id, "Отмечено, спасибо")
    assert [(a.callback_id, a.notification) for a in api.answers] == [
        (callback_id, "Отмечено, спасибо")
    ]
    await channel.drop_buttons(delivered.external_id)
    body = api.message(delivered.external_id)["body"]
    assert body["attachments"] == []
    assert body["text"] == "Срок"
    await channel.answer("cb.unknown", "x")  # best effort: logged, not raised
    await channel.drop_buttons("mid.unknown")


async def test_document_upload_retries_while_not_ready(
    api: FakeMaxAPI, channel: MaxChannel, time_: FakeTime
) -> None:
    api.not_ready(2)
    delivered = await channel.send_document(TO, "отчёт.xlsx", b"PK\x03\x04data", "Отчёт")
    [upload] = api.uploads
    assert (upload.file_name, upload.content) == ("отчёт.xlsx", b"PK\x03\x04data")
    assert upload.authorization is None  # the token stays with the API host
    [sent] = api.sent
    assert sent.attachments == [{"type": "file", "payload": {"token": upload.token}}]
    assert (sent.text, delivered.external_id) == ("Отчёт", sent.mid)
    assert time_.slept[-2:] == [1.0, 2.0]
    assert len(api.calls_to("POST /messages")) == 3


async def test_document_still_not_ready_is_a_retry_later(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    api.not_ready(10)
    with pytest.raises(DeliveryError) as caught:
        await channel.send_document(TO, "a.pdf", b"%PDF")
    assert not caught.value.permanent


# --- errors --------------------------------------------------------------------------------------


async def test_error_mapping_through_the_wire(api: FakeMaxAPI, channel: MaxChannel) -> None:
    api.fail_next("POST /messages", 429, "too.many.requests", "Too many", retry_after=3)
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x")
    assert (caught.value.permanent, caught.value.retry_after_s) == (False, 3.0)
    api.fail_next("POST /messages", 429, "too.many.requests", "Too many")
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x")
    assert caught.value.retry_after_s == 1.0
    api.fail_next("POST /messages", 502, "bad.gateway", "")
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x")
    assert not caught.value.permanent
    api.block(USER)
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x")
    assert caught.value.recipient_unreachable
    assert caught.value.permanent
    with pytest.raises(DeliveryError) as caught:
        await channel.send(Recipient(user_id=999), "x")  # never started the bot
    assert caught.value.recipient_unreachable
    api.fail_next("POST /messages", 401, "verify.token", "Invalid access_token")
    with pytest.raises(ChannelUnavailable):
        await channel.send(TO, "x")


async def test_a_malformed_answer_is_a_retry_not_a_traceback(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    api.fail_next("POST /messages", 200, "", "")  # 200 with a body that is no message
    with pytest.raises(DeliveryError) as caught:
        await channel.send(TO, "x")
    assert not caught.value.permanent


async def test_timeouts_and_network_failures_are_retries(api: FakeMaxAPI) -> None:
    async with MaxChannel(api.token, api.url, timeout_s=0.05) as max_:
        api.hang_next("POST /messages", 0.5)
        with pytest.raises(DeliveryError) as caught:
            await max_.send(TO, "x")
        assert not caught.value.permanent
    async with MaxChannel(api.token, "http://127.0.0.1:9") as gone:  # nothing listens
        assert gone.outage is not None
        with pytest.raises(DeliveryError) as caught:
            await gone.send(TO, "x")
        assert not caught.value.permanent


async def test_a_wrong_token_fails_at_the_start(api: FakeMaxAPI) -> None:
    with pytest.raises(ChannelUnavailable, match="RESOLUTE_MAX_TOKEN"):
        async with MaxChannel("wrong-token", api.url):
            pass


async def test_the_token_is_never_logged_raised_or_shown(
    api: FakeMaxAPI, channel: MaxChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail_next("POST /messages", 403, "chat.denied", f"echo {api.token}")
    api.fail_next("POST /answers", 500)
    errors: list[BaseException] = []
    for attempt in (channel.send(TO, "x"), channel.updates(None)):
        try:
            await attempt
        except (DeliveryError, ChannelUnavailable) as exc:
            errors.append(exc)
    await channel.answer("cb.x", "y")
    await channel.send_document(TO, "a.pdf", b"x")
    with pytest.raises(ChannelUnavailable) as refused:
        async with MaxChannel("not-the-token-abc", api.url):
            pass
    errors.append(refused.value)
    text = " ".join(r.getMessage() for r in caplog.records) + " ".join(map(str, errors))
    assert caplog.records
    assert errors
    assert api.token not in text
    assert api.token not in repr(channel)
    assert api.token not in repr(channel.api)
    assert "Authorization" not in text


# --- receiving -----------------------------------------------------------------------------------


async def test_polling_with_markers_translates_and_acknowledges(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    api.start(USER, "inv-42")
    mid = api.send_text(USER, "/tasks все")
    delivered = await channel.send(TO, "Срок", [Button("Выполнено", DONE)])
    api.press(USER, delivered.external_id, "d")
    api.push({"update_type": "message_created", "timestamp": 1})  # malformed
    api.block(USER)
    received, marker = await channel.updates(0)
    kinds = [type(r.event) for r in received]
    assert kinds == [Started, Wrote, Pressed, Unreadable, Blocked]
    assert isinstance(received[0].event, Started)
    assert received[0].event.token == "inv-42"
    assert received[1].update_id == f"message:{mid}"
    assert received[1].event.command == "/tasks"  # type: ignore[union-attr]
    assert isinstance(received[2].event, Pressed)
    assert received[2].event.message is not None
    assert received[2].event.message.message_id == delivered.external_id
    assert marker is not None
    again, same = await channel.updates(marker)
    assert (again, same) == ((), marker)
    assert api.pending == []
    call = api.calls_to("GET /updates")[0]
    assert call.query["marker"] == "0"
    assert call.query["types"] == "message_created,message_callback,bot_started,bot_stopped"


async def test_polling_errors_are_channel_unavailable(api: FakeMaxAPI, channel: MaxChannel) -> None:
    api.fail_next("GET /updates", 503, "service.unavailable", "")
    with pytest.raises(ChannelUnavailable):
        await channel.updates(5)
    api.fail_next("GET /updates", 200, "", "")  # no "updates" list in the answer
    with pytest.raises(ChannelUnavailable):
        await channel.updates(5)


async def test_without_a_marker_only_the_latest_update_comes(
    api: FakeMaxAPI, channel: MaxChannel
) -> None:
    api.send_text(USER, "один")
    api.send_text(USER, "два")
    received, marker = await channel.updates(None)
    assert [r.event.text for r in received] == ["два"]  # type: ignore[union-attr]
    assert isinstance(marker, int)


async def test_subscribe_unsubscribe_and_commands(api: FakeMaxAPI, channel: MaxChannel) -> None:
    await channel.subscribe("https://bot.example.org/max/webhook", "s3cret-value")
    [subscription] = api.subscriptions
    assert subscription.secret == "s3cret-value"
    assert "message_callback" in subscription.update_types
    with pytest.raises(ValueError, match="secret"):
        await channel.subscribe("https://bot.example.org/max/webhook", "bad secret!")
    await channel.unsubscribe("https://bot.example.org/max/webhook")
    assert api.subscriptions == []
    with pytest.raises(ChannelUnavailable):
        await channel.unsubscribe("https://bot.example.org/max/webhook")
    await channel.set_commands([("/tasks", "Мои поручения"), ("help", "Помощь")])
    assert api.commands == [
        {"name": "tasks", "description": "Мои поручения"},
        {"name": "help", "description": "Помощь"},
    ]
    assert channel.username == api.bot_username
    assert channel.deep_link("inv-1") == f"https://max.ru/{api.bot_username}?start=inv-1"
    with pytest.raises(ValueError, match="512"):
        channel.deep_link("x" * 513)


async def test_webhook_verifies_the_secret_and_hands_events_over(
    api: FakeMaxAPI, channel: MaxChannel, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[Received] = []

    async def record(received: Sequence[Received]) -> None:
        got.extend(received)

    runner = web.AppRunner(webhook_app("hook-secret-1", record), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site.port}/max/webhook"
    try:
        await channel.subscribe(url, "hook-secret-1")
        api.start(USER, "inv-7")
        api.send_text(USER, "привет")
        assert await api.deliver() == [200, 200]
        assert [type(r.event) for r in got] == [Started, Wrote]
        caplog.set_level(logging.WARNING)
        update = {"update_type": "bot_stopped", "timestamp": 1, "chat_id": 1, "user": {}}
        assert await api.push_webhook(url, update, None) == 401
        assert await api.push_webhook(url, update, "hook-secret-2") == 403
        assert len(got) == 2
        assert "hook-secret-2" not in caplog.text
        assert "max.webhook_refused" in caplog.text
        assert await api.push_webhook(url, b"not json", "hook-secret-1") == 200
        assert isinstance(got[-1].event, Unreadable)
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 405
    finally:
        await runner.cleanup()


async def test_webhook_answers_500_when_the_update_was_not_recorded() -> None:
    async def fail(received: Sequence[Received]) -> None:
        raise RuntimeError("database down")

    runner = web.AppRunner(webhook_app("hook-secret-1", fail), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{site.port}/max/webhook"
        assert await FakeMaxAPI.push_webhook(url, {"a": 1}, "hook-secret-1") == 500
    finally:
        await runner.cleanup()


# --- pacing --------------------------------------------------------------------------------------


async def test_requests_are_paced_under_30_a_second_and_answers_2_a_second_per_chat(
    api: FakeMaxAPI, channel: MaxChannel, time_: FakeTime
) -> None:
    for _ in range(60):
        await channel.send(TO, "x")
    times = [c.at for c in api.calls_to("POST /messages")]
    assert len(times) == 60
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap == pytest.approx(1 / 29, rel=1e-6) or gap > 1 / 29 for gap in gaps)
    assert time_.now - 1000.0 >= 59 / 29
    delivered = await channel.send(TO, "Срок", [Button("Да", DONE)])
    ids = [api.press(USER, delivered.external_id, "d") for _ in range(4)]
    before = time_.now
    for callback_id in ids:
        await channel.answer(callback_id, "ok", chat_id=-1)
    assert time_.now - before >= 3 * 0.55 - 1e-9
