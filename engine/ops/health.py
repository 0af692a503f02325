"""``resolute status --health``: is the service alive and keeping up?

``assess`` decides from plain values (pure, table-tested); ``gather`` reads them from the
database: the heartbeats, the outbox backlog, Telegram's pause and the latest failed message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.service.delivery import PAUSE
from storage.models import Cursor, Heartbeat, Outbox, OutboxStatus

BACKLOG_LIMIT = timedelta(minutes=15)  # a message due longer than this: not keeping up
MIN_STALE = timedelta(minutes=2)


def stale_after(interval_s: float) -> timedelta:
    """A pass older than this means the instance is gone or stuck: three missed intervals."""
    return max(MIN_STALE, timedelta(seconds=3 * interval_s))


@dataclass(frozen=True)
class InstanceState:
    instance: str
    started_at: datetime
    last_pass_at: datetime | None
    pass_duration_ms: int
    passes: int
    polls_telegram: bool
    polls_max: bool
    reads_mail: bool
    last_error: str | None
    last_error_at: datetime | None
    alive: bool


@dataclass(frozen=True)
class Backlog:
    due: int  # due and not sent (pending or being sent)
    oldest_due_at: datetime | None


@dataclass(frozen=True)
class Health:
    now: datetime
    healthy: bool
    problems: tuple[str, ...]
    last_pass_at: datetime | None
    instances: tuple[InstanceState, ...]
    backlog: Backlog
    telegram_paused_until: datetime | None
    telegram_poller: str | None
    max_poller: str | None  # polling MAX (none when MAX pushes to a webhook)
    mail_reader: str | None
    last_error: dict[str, str] | None  # {"at", "where", "error"}

    def as_json(self) -> dict[str, Any]:
        oldest = self.backlog.oldest_due_at
        return {
            "healthy": self.healthy,
            "problems": list(self.problems),
            "now": self.now.isoformat(),
            "last_pass_at": _iso(self.last_pass_at),
            "last_pass_age_s": _age(self.now, self.last_pass_at),
            "backlog": {
                "due": self.backlog.due,
                "oldest_due_at": _iso(oldest),
                "oldest_age_s": _age(self.now, oldest),
            },
            "telegram_paused_until": _iso(self.telegram_paused_until),
            "telegram_poller": self.telegram_poller,
            "max_poller": self.max_poller,
            "mail_reader": self.mail_reader,
            "last_error": self.last_error,
            "instances": [
                {
                    "instance": i.instance,
                    "alive": i.alive,
                    "started_at": _iso(i.started_at),
                    "last_pass_at": _iso(i.last_pass_at),
                    "pass_duration_ms": i.pass_duration_ms,
                    "passes": i.passes,
                    "polls_telegram": i.polls_telegram,
                    "polls_max": i.polls_max,
                    "reads_mail": i.reads_mail,
                }
                for i in self.instances
            ],
        }

    def lines(self, zone: Any) -> list[str]:
        """The human form, in Russian, times in ``zone``."""

        def local(value: datetime | None) -> str:
            return value.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S") if value else "—"

        head = "✓ Служба работает." if self.healthy else "✗ Служба неисправна."
        out = [head, *(f"  ✗ {p}" for p in self.problems)]
        out.append(f"Последний проход: {local(self.last_pass_at)}")
        oldest = self.backlog.oldest_due_at
        out.append(
            f"Очередь: {self.backlog.due} сообщ. к отправке"
            + (f", старейшее с {local(oldest)}" if oldest else "")
        )
        if self.telegram_paused_until:
            out.append(f"Telegram просил подождать до {local(self.telegram_paused_until)}")
        out.append(f"Опрашивает Telegram: {self.telegram_poller or '—'}")
        if self.max_poller:
            out.append(f"Опрашивает MAX: {self.max_poller}")
        out.append(f"Читает почту: {self.mail_reader or '—'}")
        for i in self.instances:
            mark = "жив" if i.alive else "молчит"
            out.append(
                f"  экземпляр {i.instance}: {mark}, проход {local(i.last_pass_at)}, "
                f"{i.pass_duration_ms} мс, всего проходов {i.passes}"
            )
        if self.last_error:
            e = self.last_error
            at = local(datetime.fromisoformat(e["at"]))
            out.append(f"Последняя ошибка ({at}, {e['where']}): {e['error']}")
        return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _age(now: datetime, then: datetime | None) -> float | None:
    return round((now - then).total_seconds(), 1) if then is not None else None


def assess(
    now: datetime,
    beats: list[dict[str, Any]],
    backlog: Backlog,
    paused_until: datetime | None,
    failed: dict[str, Any] | None,
    *,
    interval_s: float,
) -> Health:
    """Healthy: an instance passed within ``stale_after`` and nothing due waits longer than
    ``BACKLOG_LIMIT`` (unless Telegram asked us to pause). The rest is information."""
    limit = stale_after(interval_s)
    instances = tuple(
        InstanceState(
            **{k: b[k] for k in InstanceState.__dataclass_fields__ if k != "alive"},
            alive=b["last_pass_at"] is not None and now - b["last_pass_at"] <= limit,
        )
        for b in sorted(beats, key=lambda b: b["last_pass_at"] or b["started_at"], reverse=True)
    )
    alive = [i for i in instances if i.alive]
    last_pass = max((i.last_pass_at for i in instances if i.last_pass_at), default=None)
    problems = []
    if last_pass is None:
        problems.append("Служба ещё не выполнила ни одного прохода (resolute run не запущен?).")
    elif not alive:
        minutes = int((now - last_pass).total_seconds() // 60)
        problems.append(
            f"Последний проход был {minutes} мин назад: служба остановлена или зависла."
        )
    paused = paused_until is not None and paused_until > now
    oldest = backlog.oldest_due_at
    if oldest is not None and now - oldest > BACKLOG_LIMIT and not paused:
        minutes = int((now - oldest).total_seconds() // 60)
        problems.append(
            f"В очереди {backlog.due} сообщ., старейшее ждёт {minutes} мин: отправка не успевает."
        )
    errors = [
        {"at": i.last_error_at.isoformat(), "where": f"проход {i.instance}", "error": i.last_error}
        for i in instances
        if i.last_error and i.last_error_at
    ]
    if failed is not None:
        errors.append(
            {"at": failed["at"].isoformat(), "where": f"сообщение {failed['key']}",
             "error": failed["error"] or ""}
        )  # fmt: skip
    return Health(
        now=now,
        healthy=not problems,
        problems=tuple(problems),
        last_pass_at=last_pass,
        instances=instances,
        backlog=backlog,
        telegram_paused_until=paused_until if paused else None,
        telegram_poller=next((i.instance for i in alive if i.polls_telegram), None),
        max_poller=next((i.instance for i in alive if i.polls_max), None),
        mail_reader=next((i.instance for i in alive if i.reads_mail), None),
        last_error=max(errors, key=lambda e: e["at"]) if errors else None,
    )


async def gather(now: datetime, *, interval_s: float) -> Health:
    """Read what ``assess`` needs from the database."""
    beats = await Heartbeat.all().values()
    unsent = Outbox.filter(status__in=(OutboxStatus.PENDING, OutboxStatus.SENDING), due_at__lte=now)
    due = await unsent.count()
    oldest = await unsent.order_by("due_at").limit(1).values("due_at")
    pause = await Cursor.get_or_none(name=PAUSE)
    failed = (
        await Outbox.filter(status=OutboxStatus.FAILED, sent_at=None)
        .order_by("-attempt_at")
        .limit(1)
        .values("key", "error", "attempt_at")
    )
    return assess(
        now,
        beats,
        Backlog(due, oldest[0]["due_at"] if oldest else None),
        datetime.fromisoformat(pause.value) if pause is not None else None,
        {"key": failed[0]["key"], "error": failed[0]["error"], "at": failed[0]["attempt_at"]}
        if failed
        else None,
        interval_s=interval_s,
    )
