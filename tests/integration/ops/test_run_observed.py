"""``resolute run`` reports on itself: a heartbeat per pass, Prometheus metrics scraped over
HTTP and parsed, ``/healthz``, and delivery outcomes counted by channel, kind and outcome."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.app import App
from engine.ops.health import gather
from engine.service import run as run_module
from engine.service.apply import apply_catalog
from engine.service.run import Service
from engine.service.tick import tick
from engine.workflow.catalog import load_catalog
from storage.models import Heartbeat
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import at, running, settings

MINUS_7 = at("2023-10-13T09:00+03:00")  # the -7d reminder of the test workflow is due


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def _until(predicate: Callable[[], object], what: str, timeout_s: float = 20) -> None:
    """Poll what another task writes to the database (nothing to wait on but the rows)."""
    for _ in range(int(timeout_s / 0.05)):
        if await predicate():  # type: ignore[misc]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout_s} s")


def _due_today(folder: Path) -> Path:
    """The service reads the real clock (it has no --now), so the workflow is set relative to
    today: the -7d reminder at 00:00 without quiet hours is due as soon as the service starts."""
    today = run_module.clock().astimezone(ZoneInfo("Europe/Moscow")).date()
    folder.mkdir(exist_ok=True)
    (folder / "w.yaml").write_text(
        "people:\n"
        "  - {id: ivanov, name: Иванов И.И., telegram: 111}\n"
        "  - {id: petrova, name: Петрова П.П., telegram: 222}\n"
        "  - {id: sidorov, name: Сидоров С.С., email: s@example.org}\n"
        "  - {id: boss, name: Контролёр, telegram: 999}\n"
        f"resolution: {{id: r, title: Т, number: '1', adopted: {today - timedelta(days=30)},"
        " controller: boss}\n"
        "policy: {remind: [-7d], remind_at: '00:00', quiet_hours: none}\n"
        "clauses:\n"
        "  - {id: '1', text: Сделать, owners: [ivanov, petrova, sidorov],"
        f" deadline: {today + timedelta(days=7)}}}\n",
        encoding="utf-8",
    )
    return folder


async def test_run_beats_serves_metrics_and_healthz(db_url: str, tmp_path: Path) -> None:
    port = _free_port()
    async with FakeBotAPI() as api:
        api.add_chat(111)
        api.add_chat(222)
        config = settings(db_url, api.url, metrics_port=port, run_interval_s=0.2)
        async with App(config) as app:
            started = run_module.clock()
            await apply_catalog(load_catalog([_due_today(tmp_path)]), started)
            service = Service(app, interval_s=0.2)
            serving = asyncio.create_task(service.serve())
            try:
                await _until(lambda: _polling_beat(), "a heartbeat from the poller")
                await api.wait_for_async(lambda: len(api.messages_to(222)) == 1)
                await _until(lambda: _sent_counted(port), "the sends counted")
                async with aiohttp.ClientSession() as http:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
                        assert answer.status == 200
                        samples = _samples(await answer.text())
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        assert answer.status == 200
                        assert (await answer.json())["status"] == "ok"
                health = await gather(run_module.clock(), interval_s=0.2)
            finally:
                service.stopping.set()
                await serving

    sent = ("channel", "telegram"), ("kind", "reminder"), ("outcome", "sent")
    assert samples[("resolute_messages_total", sent)] == 2  # ivanov and petrova
    undeliverable = ("channel", "none"), ("kind", "reminder"), ("outcome", "undeliverable")
    assert samples[("resolute_messages_total", undeliverable)] == 1  # sidorov: e-mail is off
    assert samples[("resolute_pass_duration_seconds_count", ())] >= 1
    assert samples[("resolute_outbox_backlog", ())] == 0
    assert samples[("resolute_last_pass_timestamp_seconds", ())] >= started.timestamp()

    assert health.healthy, health.problems
    assert health.telegram_poller == service.observer.instance
    assert health.mail_reader is None  # no IMAP configured
    [beat] = health.instances
    assert beat.passes >= 1
    assert beat.last_pass_at is not None
    assert beat.last_pass_at >= started

    with pytest.raises(aiohttp.ClientConnectionError):  # stopped: the port is closed
        async with aiohttp.ClientSession() as http:
            await http.get(f"http://127.0.0.1:{port}/metrics")


async def _polling_beat() -> bool:
    return await Heartbeat.filter(polls_telegram=True).exists()


async def _sent_counted(port: int) -> bool:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as answer,
    ):
        text = await answer.text()
    return 'outcome="sent"} 2.0' in text


async def test_a_429_is_counted_as_throttled(db_url: str, tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        api.add_chat(111)
        async with running(db_url, api.url, tmp_path, owners="ivanov") as app:
            api.fail_next("sendMessage", 429, retry_after=120)
            report = await tick(app, MINUS_7)
    assert report.delivery.outcomes == {("telegram", "reminder", "throttled"): 1}
