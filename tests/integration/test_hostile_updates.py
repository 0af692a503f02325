"""Updates no reader expects (review findings): each is recorded once, none stops the others.

A NUL character (PostgreSQL keeps none in text or JSON), JSON nested past what Python reads,
and a webhook secret header that is not UTF-8."""

from __future__ import annotations

import asyncio

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from engine.channels.max.updates import translate_body
from engine.channels.max.webhook import webhook_app
from engine.service.answers import Answers, Front
from engine.service.inbound import Context, storable, take
from storage.models import Inbound
from tests.helpers import at

NOW = at("2023-10-13T09:00+03:00")
WITH_NUL = (
    b'{"update_type":"message_created","timestamp":1,"message":{"sender":{"user_id":5},'
    b'"recipient":{"chat_id":-6,"chat_type":"dialog"},"body":{"mid":"m\\u00001","text":"a\\u0000b"}}}'
)


async def test_an_update_with_a_nul_is_recorded_once_on_both_databases(db: str) -> None:
    context = Context(messenger=None, secret=b"x" * 32, front=Front(Answers({})))  # type: ignore[arg-type]
    for body in (WITH_NUL, b"\x00not json"):
        update = translate_body(body).engine()
        await take(context, update, NOW)
        await take(context, update, NOW)  # a redelivery
    rows = await Inbound.all().order_by("id")
    assert len(rows) == 2
    assert all("\x00" not in r.key for r in rows)
    assert "\x00" not in str(rows[0].payload)


def test_json_nested_past_pythons_reach_is_unreadable_not_an_exception() -> None:
    for depth in (10_000, 100_000):
        received = translate_body(b"[" * depth + b"]" * depth)
        assert received.update_id.startswith("raw:")


@given(st.recursive(st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_storable_leaves_no_nul_and_keeps_the_shape(value: object) -> None:
    def strings(v: object) -> list[str]:
        if isinstance(v, str):
            return [v]
        if isinstance(v, dict):
            return [s for k, x in v.items() for s in (*strings(k), *strings(x))]
        return [s for x in v for s in strings(x)] if isinstance(v, list) else []

    kept = storable(value)
    assert all("\x00" not in s for s in strings(kept))
    assert [s.replace("\x00", "\ufffd") for s in strings(value)] == strings(kept)


async def test_a_secret_header_that_is_not_utf8_is_refused_not_a_server_error() -> None:
    seen: list[object] = []

    async def record(updates: list[object]) -> None:
        seen.extend(updates)

    app = webhook_app("right-secret", record)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /max/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"X-Max-Bot-Api-Secret: \xff\xfe\r\nConnection: close\r\n\r\n{}"
        )
        await writer.drain()
        status = (await reader.readline()).decode()
        writer.close()
    finally:
        await runner.cleanup()
    assert " 403 " in status
    assert seen == []
