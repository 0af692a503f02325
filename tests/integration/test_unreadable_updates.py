"""Telegram updates python-telegram-bot cannot read: recorded once with their raw JSON, the
offset moves past them, and the updates after them are handled, in ``tick`` and in ``run``."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from engine.app import App
from engine.service.inbound import OFFSET
from engine.service.run import Service
from engine.service.tick import tick
from storage.models import Cursor, Inbound
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import at, settings, words

NOW = at("2023-10-13T09:00+03:00")
USER = {"id": 111, "is_bot": False, "first_name": "Иван"}
MESSAGE: dict[str, Any] = {
    "message_id": 7,
    "from": USER,
    "chat": {"id": 111, "type": "private", "first_name": "Иван"},
    "date": 1_697_000_000,
    "text": "/help",
    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
}
CALLBACK: dict[str, Any] = {
    "id": "4000000000000000001",
    "from": USER,
    "chat_instance": "1",
    "data": "forged",
    "message": MESSAGE,
}


async def _offset() -> int:
    cursor = await Cursor.get(name=OFFSET)
    return int(cursor.value)


async def test_an_update_with_a_date_out_of_range_is_recorded_once_and_skipped(
    db_url: str, api: FakeBotAPI
) -> None:
    bad = api.push_update({"message": {**MESSAGE, "date": 10**20}})
    newer = api.push_update({"message": {**MESSAGE, "chat": "a chat of a kind not known yet"}})
    good = api.send_text(222, "/help")
    async with App(settings(db_url, api.url)) as app:
        report = await tick(app, NOW)
        assert report.updates == 1  # the /help; the two others are recorded, not handled
        assert await _offset() == max(bad, newer) + 2  # past all three
        for update_id in (bad, newer):
            record = await Inbound.get(key=f"telegram:update:{update_id}")
            assert record.kind == record.outcome == "unreadable"
            assert record.payload["raw"]["update_id"] == update_id  # type: ignore[index]
            assert record.payload["reason"]
        assert (await tick(app, NOW)).updates == 0  # nothing read twice
        assert await Inbound.filter(kind="unreadable").count() == 2
    assert good  # the user's message id
    [answer] = api.messages_to(222)
    assert answer.plain_text.startswith("Здравствуйте!")  # a stranger, answered


async def test_run_keeps_listening_past_an_unreadable_update(db_url: str, api: FakeBotAPI) -> None:
    api.push_update({"message": {**MESSAGE, "date": 10**20}})
    async with App(settings(db_url, api.url)) as app:
        service = Service(app, interval_s=3600)
        listener = asyncio.create_task(service.listen_telegram())
        try:
            await api.wait_for_async(lambda: bool(api.pending_updates) is False, timeout_s=10)
            api.send_text(222, "/help")
            await api.wait_for_async(lambda: len(api.messages_to(222)) == 1, timeout_s=10)
        finally:
            service.stopping.set()
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        assert await Inbound.filter(kind="unreadable").count() == 1


# --- fuzzing: malformed updates through the real inbound path ----------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_dates = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20), st.text(max_size=5), st.floats()
)


@st.composite
def _malformed(draw: st.DrawFn) -> dict[str, Any]:
    """A message or a button press with some fields replaced by anything JSON can hold."""
    kind = draw(st.sampled_from(["message", "callback_query"]))
    body = copy.deepcopy(MESSAGE if kind == "message" else CALLBACK)
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=3, unique=True)):
        body[name] = draw(_dates if name == "date" else _json)
    if draw(st.booleans()):  # a field from a newer Bot API
        body[draw(st.text(min_size=1, max_size=10))] = draw(_json)
    if kind == "message" and draw(st.booleans()):
        body["date"] = draw(_dates)
    return {kind: body}


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(updates=st.lists(_malformed(), min_size=1, max_size=4))
def test_fuzz_malformed_updates_never_stop_the_inbound_path(
    tmp_path: Path, updates: list[dict[str, Any]]
) -> None:
    asyncio.run(_through_tick(updates))


async def _through_tick(updates: list[dict[str, Any]]) -> None:
    async with FakeBotAPI() as api:
        api.add_chat(111)
        ids = [api.push_update(u) for u in updates]
        api.send_text(222, "/help")
        async with App(settings("sqlite://:memory:", api.url)) as app:
            report = await tick(app, NOW)  # never raises
            assert await _offset() == ids[-1] + 2  # past everything, the /help included
            keys = set(await Inbound.all().values_list("key", flat=True))
            assert {f"telegram:update:{i}" for i in ids} <= keys  # each recorded
            assert (await tick(app, NOW)).updates == 0
            assert report.updates >= 1
        assert any(m.chat_id == 222 for m in api.sent)  # the good update after them: answered
        assert words("conversation.stranger") in api.messages_to(222)[0].text
