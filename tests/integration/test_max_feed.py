"""MAX's updates into the pipeline: the polling marker kept in the database (a restart neither
replays nor skips), one poller among instances, and `run`'s webhook (a redelivered update does
nothing, a push without the right secret changes nothing)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import timedelta
from pathlib import Path

from engine.app import App
from engine.service.apply import apply_catalog
from engine.service.leader import MAX_POLLER, AdvisoryLock
from engine.service.max_inbound import MARKER
from engine.service.run import Service
from engine.service.tick import tick
from engine.settings import Settings
from engine.workflow.catalog import load_catalog
from storage.models import Cursor, Inbound
from tests.fakes.max_api import FakeMaxAPI
from tests.helpers import APPLIED, VirtualClock, at, settings, write_workflow
from tests.messengers import MAX_ROSTER, MAX_USERS, conversation

NOW = at("2023-10-10T12:00+03:00")
IVANOV = MAX_USERS["ivanov"]


def _texts(api: FakeMaxAPI, user: int) -> list[str]:
    return [m.text or "" for m in api.messages_to(api.dialog_of(user))]


async def test_the_marker_outlives_a_restart_and_nothing_is_replayed_or_skipped(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeMaxAPI() as api:
        for user in (IVANOV, MAX_USERS["control"]):
            api.add_user(user)
        values = settings(db_url, max_token=api.token, max_api_url=api.url)
        async with _app(values) as app:
            write_workflow(tmp_path)
            (tmp_path / "roster.yaml").write_text(MAX_ROSTER, encoding="utf-8")
            await apply_catalog(load_catalog([tmp_path]), at(APPLIED))
            await tick(app, at(APPLIED))  # the first poll: no marker yet
            api.send_text(IVANOV, "/help")
            await tick(app, NOW)
            assert len(_texts(api, IVANOV)) == 1
            marker = (await Cursor.get(name=MARKER)).value
        api.send_text(IVANOV, "/tasks")  # written while the service is down
        async with _app(values) as app:  # a new process
            await tick(app, NOW + timedelta(minutes=1))
            assert (await Cursor.get(name=MARKER)).value != marker
            assert await Inbound.filter(key__startswith="max:update:message:").count() == 2
        texts = _texts(api, IVANOV)
        assert len(texts) == 2  # /tasks answered once, /help not again
        assert "Ваши открытые пункты" in texts[-1]


def _app(values: Settings) -> App:
    clock = VirtualClock()
    return App(values, clock=clock, sleep=clock.sleep)


async def test_updates_read_again_after_a_crash_before_the_marker_was_saved_do_nothing(
    db_url: str, tmp_path: Path
) -> None:
    async with conversation("max", db_url, tmp_path) as chat:
        api: FakeMaxAPI = chat.api
        before = (await Cursor.get(name=MARKER)).value
        chat.write("ivanov", "/tasks")
        await chat.pump(NOW)
        handled = await Inbound.all().count()
        sent = len(api.sent)
        # The marker is put back as if the process died after handling, before saving it; MAX
        # keeps unacknowledged updates, so the same ones come again.
        await Cursor.filter(name=MARKER).update(value=before)
        api.send_text(IVANOV, "/help")
        await chat.pump(NOW + timedelta(minutes=1))
        assert await Inbound.all().count() == handled + 1  # only /help is new
        assert len(api.sent) == sent + 1


async def test_one_instance_polls_max_the_other_leaves_it(db_url: str, tmp_path: Path) -> None:
    async with conversation("max", db_url, tmp_path) as chat:
        api: FakeMaxAPI = chat.api
        lock = AdvisoryLock.for_url(db_url, MAX_POLLER)
        chat.write("ivanov", "/help")
        if lock is None:  # SQLite: one instance by design, it always polls
            await chat.pump(NOW)
            assert len(_texts(api, IVANOV)) == 1
            return
        assert await lock.try_acquire()  # another instance is the poller
        try:
            polls = len(api.calls_to("GET /updates"))
            await chat.pump(NOW)
            assert len(api.calls_to("GET /updates")) == polls
            assert _texts(api, IVANOV) == []
        finally:
            await lock.release()
        await chat.pump(NOW + timedelta(minutes=1))  # the poller is gone: this one reads
        assert len(_texts(api, IVANOV)) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_serves_the_webhook_a_redelivery_and_a_wrong_secret_change_nothing(
    db_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    secret = "webhook-secret_0123"
    url = "https://bot.example.org/max/webhook"
    async with conversation(
        "max", db_url, tmp_path, max_webhook_url=url, max_webhook_secret=secret,
        max_webhook_port=port,
    ) as chat:  # fmt: skip
        api: FakeMaxAPI = chat.api
        service = Service(chat.app, interval_s=3600)
        listener = asyncio.create_task(service.listen_max())
        try:
            for _ in range(200):  # until the subscription is made (the site listens before)
                if api.subscriptions:
                    break
                await asyncio.sleep(0.01)
            [subscription] = api.subscriptions
            assert (subscription.url, subscription.secret) == (url, secret)
            local = f"http://127.0.0.1:{port}/max/webhook"
            api.send_text(IVANOV, "/help")
            [update] = api.pending[-1:]
            records = await Inbound.all().count()
            assert await api.push_webhook(local, update, "wrong-secret") == 403
            assert await api.push_webhook(local, update, None) == 401
            assert await Inbound.all().count() == records
            assert await api.push_webhook(local, update, secret) == 200
            assert await api.push_webhook(local, update, secret) == 200  # MAX tries again
            await asyncio.sleep(0)
            assert await Inbound.all().count() == records + 1
            for _ in range(200):
                if _texts(api, IVANOV):
                    break
                await asyncio.sleep(0.01)
            assert len(_texts(api, IVANOV)) == 1  # answered once
            assert not api.calls_to("GET /updates")[1:]  # no polling beside the webhook
        finally:
            service.stopping.set()
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await asyncio.gather(*service._passes, return_exceptions=True)  # the kicked pass


def test_settings_for_the_webhook_need_a_secret() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        settings("sqlite://:memory:", max_token="t", max_webhook_url="https://bot.example.org/x")


async def test_of_two_services_on_one_database_one_polls_max(db_url: str, tmp_path: Path) -> None:
    if AdvisoryLock.for_url(db_url, MAX_POLLER) is None:
        return  # SQLite is one instance by design: there is no second service to keep out
    async with conversation("max", db_url, tmp_path, leader_retry_s=0.1) as chat:
        first, second = Service(chat.app, interval_s=3600), Service(chat.app, interval_s=3600)
        tasks = [asyncio.create_task(s.listen_max()) for s in (first, second)]
        try:
            for _ in range(300):
                if first.observer.polls_max or second.observer.polls_max:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # the other has tried the lock meanwhile, more than once
            assert [first.observer.polls_max, second.observer.polls_max].count(True) == 1
            poller = first if first.observer.polls_max else second
            stopped = tasks[0 if poller is first else 1]
            stopped.cancel()  # the poller goes (its lock with it): the other takes over
            with contextlib.suppress(asyncio.CancelledError):
                await stopped
            for _ in range(300):
                other = second if poller is first else first
                if other.observer.polls_max:
                    break
                await asyncio.sleep(0.01)
            assert other.observer.polls_max
        finally:
            for service in (first, second):
                service.stopping.set()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
