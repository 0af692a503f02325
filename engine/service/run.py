"""``resolute run``: the service. APScheduler is only the clock; the database decides.

One asyncio process: an interval job runs the same pass as ``tick`` (read the inbox, create
occurrences, enqueue and deliver what is due), cron jobs run it at each digest time, and a
listening loop long-polls Telegram so a button press is answered within a second or two.
SIGTERM or SIGINT stops taking new work, lets the pass in flight finish, and exits: a message is
either recorded as sent or left in the queue, never half-sent.

Several instances may run side by side on one PostgreSQL database (SQLite: one instance).
Every instance runs the passes: enqueueing is idempotent (each message's key is unique), and
delivery claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and a lease
(``engine/service/claims.py``), so no row is taken by two instances and the rows of one that
dies are taken by the others once its lease expires. Only one instance polls Telegram: the
holder of a PostgreSQL advisory lock (``engine/service/leader.py``); the others try to take it
every ``RESOLUTE_LEADER_RETRY_S`` seconds and take over when the holder dies. MAX the same way
under a lock of its own; or, with RESOLUTE_MAX_WEBHOOK_URL, every instance serves the webhook
(MAX pushes each update to one of them) and none polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from engine.app import App
from engine.channels.base import ChannelUnavailable
from engine.channels.max import webhook_app
from engine.channels.max.messenger import MaxMessenger
from engine.isolation import reason_of
from engine.ops.observe import PassObserver
from engine.report.command import templates_dir
from engine.service.answers import Answers, Front
from engine.service.cycle import TickReport, advance
from engine.service.digests import slots_of
from engine.service.inbound import Context, pull_telegram
from engine.service.leader import (
    MAIL_READER,
    MAX_POLLER,
    TELEGRAM_POLLER,
    AdvisoryLock,
    while_leader,
)
from engine.service.mail_inbound import pull_email
from engine.service.max_inbound import pull_max, webhook_receiver
from engine.service.menus import EVERYONE, menu, set_menus
from storage.models import Resolution

log = logging.getLogger("resolute.run")
LONG_POLL_S = 25
POLL_RETRY_S = 10  # after a failed poll


def clock() -> datetime:
    """The service's one clock read (tick takes ``--now`` instead)."""
    return datetime.now(UTC)


class Service:
    def __init__(self, app: App, *, interval_s: float) -> None:
        self.app = app
        self.interval_s = interval_s
        self.stopping = asyncio.Event()
        self._pass_lock = asyncio.Lock()  # one pass at a time, whoever triggers it
        # One instance reads the inbox (two could handle one mail at once); None: SQLite.
        self._mail_lock = AdvisoryLock.for_url(app.settings.db_url, MAIL_READER)
        self._passes: set[asyncio.Task[None]] = set()  # started by the scheduler, not finished
        self._kick: asyncio.Future[None] | None = None  # a pass started by an update
        # The heartbeat, metrics and /healthz (engine/ops): told about every pass
        self.observer = PassObserver(app.settings, started_at=clock())

    async def scheduled_pass(self) -> None:
        """What the scheduler runs. Its shutdown cancels the jobs it is running, which would
        cut a pass between a send and its record; so the pass runs shielded, in a task of its
        own, and ``serve`` waits for it instead."""
        task = asyncio.ensure_future(self.one_pass())
        self._passes.add(task)
        task.add_done_callback(self._passes.discard)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    async def one_pass(self) -> None:
        if self.stopping.is_set():
            return
        async with self._pass_lock:
            now = clock()
            started, error = time.monotonic(), None
            report = TickReport()
            try:
                await self._pass(report, now)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                await self.observer.after_pass(report, now, time.monotonic() - started, error)

    async def _pass(self, report: TickReport, now: datetime) -> None:
        self.observer.reads_mail = self.app.inbox is not None and await self._reads_mail()
        if self.app.inbox is not None and self.observer.reads_mail:
            try:
                mail = await pull_email(self.app.inbox, now, self.app.secret, self.app.renderer)
                report.updates += mail
                self.observer.inbound("email", mail)
            except ChannelUnavailable as exc:
                log.warning("run.mail_unavailable reason=%r", str(exc))
            except Exception as exc:  # the inbox must never keep the pass from sending
                log.error("run.mail_failed reason=%r", reason_of(exc))
        await advance(report, now, self.app.outlets, self.app.renderer, self.app.secret)
        d = report.delivery
        if report.enqueued or d.sent or d.failed or d.retrying:
            log.info(
                "run.pass enqueued=%d sent=%d failed=%d retrying=%d",
                report.enqueued, d.sent, d.failed, d.retrying,
            )  # fmt: skip

    async def _reads_mail(self) -> bool:
        """Whether this instance is the one that reads the inbox (kept from pass to pass)."""
        lock = self._mail_lock
        if lock is None or await lock.held():
            return True
        await lock.release()  # a lock connection that died: drop it before trying again
        return await lock.try_acquire()

    async def listen_telegram(self) -> None:
        """Long-poll Telegram while this instance is the one poller (on PostgreSQL, the holder
        of the advisory lock; on SQLite, always), until stopped or cancelled."""
        settings = self.app.settings
        lock = AdvisoryLock.for_url(settings.db_url, TELEGRAM_POLLER)
        await while_leader(lock, self._poll_telegram, retry_s=settings.leader_retry_s)

    async def _poll_telegram(self) -> None:
        """Long-poll until stopped; a failure waits a little and tries again."""
        telegram = self.app.telegram
        assert telegram is not None
        front = Front(Answers({telegram.name: telegram}))  # answers, flood counts: across polls
        self.observer.polls_telegram = True
        try:
            await self._poll_with(
                "telegram",
                lambda: pull_telegram(
                    telegram, self.app.secret, clock, wait_s=LONG_POLL_S, front=front,
                    templates_dir=templates_dir(self.app.settings),
                ),
            )  # fmt: skip
        finally:
            self.observer.polls_telegram = False
            await front.answers.close()

    async def listen_max(self) -> None:
        """MAX's updates: by webhook when RESOLUTE_MAX_WEBHOOK_URL is set (every instance),
        else long polling by the holder of the MAX lock (as for Telegram)."""
        max_, settings = self.app.max, self.app.settings
        assert max_ is not None
        front = Front(Answers({max_.name: max_}))
        try:
            if settings.max_webhook_url:
                await self._serve_max_webhook(max_, front)
                return
            lock = AdvisoryLock.for_url(settings.db_url, MAX_POLLER)
            await while_leader(
                lock, lambda: self._poll_max(max_, front), retry_s=settings.leader_retry_s
            )
        finally:
            await front.answers.close()

    async def _poll_max(self, max_: MaxMessenger, front: Front) -> None:
        self.observer.polls_max = True
        try:
            await self._poll_with(
                "max",
                lambda: pull_max(
                    max_, self.app.secret, clock, wait_s=LONG_POLL_S, front=front,
                    templates_dir=templates_dir(self.app.settings),
                ),
            )  # fmt: skip
        finally:
            self.observer.polls_max = False

    async def _serve_max_webhook(self, max_: MaxMessenger, front: Front) -> None:
        """Serve MAX's pushes on max_webhook_host:port (at the URL's path, behind the reverse
        proxy) and subscribe that URL; retried until MAX accepts it."""
        s = self.app.settings
        assert s.max_webhook_url is not None
        assert s.max_webhook_secret is not None
        secret = s.max_webhook_secret.get_secret_value()
        context = Context(max_, self.app.secret, front, templates_dir(s))
        receiver = webhook_receiver(context, clock, self._came_in("max"))
        path = urlsplit(s.max_webhook_url).path or "/max/webhook"
        runner = web.AppRunner(webhook_app(secret, receiver, path=path), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, s.max_webhook_host, s.max_webhook_port).start()
            log.info("run.max_webhook host=%s port=%s", s.max_webhook_host, s.max_webhook_port)
            while not self.stopping.is_set():
                try:
                    await max_.channel.subscribe(s.max_webhook_url, secret)
                    break
                except ChannelUnavailable as exc:
                    log.warning("run.max_subscribe_failed reason=%r", str(exc))
                    await self._pause(POLL_RETRY_S)
            await self.stopping.wait()
        finally:
            await runner.cleanup()

    def _came_in(self, channel: str) -> Callable[[int], None]:
        def came_in(updates: int) -> None:
            self.observer.inbound(channel, updates)
            if updates:
                # What the updates queued (a report for the controller, a decision for the
                # owner) goes out now, not at the next interval.
                self._kick = asyncio.ensure_future(self.scheduled_pass())

        return came_in

    async def _poll_with(self, channel: str, pull: Callable[[], Awaitable[int]]) -> None:
        came_in = self._came_in(channel)
        while not self.stopping.is_set():
            try:
                came_in(await pull())
            except ChannelUnavailable as exc:
                log.warning("run.channel_unavailable channel=%s reason=%r", channel, str(exc))
                await self._pause(POLL_RETRY_S)
            except Exception as exc:  # never let listening die silently: say why, go on
                log.error("run.poll_failed channel=%s reason=%r", channel, reason_of(exc))
                log.debug("run.poll_failed traceback", exc_info=exc)
                await self._pause(POLL_RETRY_S)

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the service is stopped meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    async def serve(self) -> None:
        async with self.observer.serving():
            await self._serve()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.scheduled_pass, "interval", seconds=self.interval_s, next_run_time=clock(),
            max_instances=1, coalesce=True, misfire_grace_time=None,
        )  # fmt: skip
        slots = slots_of(await Resolution.all().values("timezone", "digest_times"))
        for slot in slots:
            trigger = CronTrigger(
                hour=slot.digest_at.hour, minute=slot.digest_at.minute, timezone=slot.timezone
            )
            scheduler.add_job(self.scheduled_pass, trigger, max_instances=1, coalesce=True)
        scheduler.start()
        if self.app.telegram is not None:
            await set_menus(self.app.telegram, self.app.texts)
        if self.app.max is not None:  # one menu per bot (best effort)
            await self.app.max.set_commands(menu(EVERYONE, self.app.texts))
        listeners = [
            asyncio.create_task(listen())
            for listen, on in ((self.listen_telegram, self.app.telegram),
                               (self.listen_max, self.app.max))
            if on is not None
        ]  # fmt: skip
        log.info("run.started interval_s=%s digest_slots=%d", self.interval_s, len(slots))
        try:
            await self.stopping.wait()
        finally:
            scheduler.shutdown(wait=False)
            for listener in listeners:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            # The pass in flight finishes and records what it sent.
            await asyncio.gather(*self._passes, return_exceptions=True)
            async with self._pass_lock:
                if self._mail_lock is not None:
                    await self._mail_lock.release()
                log.info("run.stopped")
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
