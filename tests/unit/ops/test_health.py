"""``assess``: when the service counts as healthy, and what it says otherwise (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.ops.health import Backlog, assess

NOW = datetime(2023, 10, 13, 6, 0, tzinfo=UTC)
EMPTY = Backlog(0, None)


def beat(instance: str = "a:1", ago_s: float = 10, **more: Any) -> dict[str, Any]:
    return {
        "instance": instance,
        "started_at": NOW - timedelta(hours=1),
        "last_pass_at": NOW - timedelta(seconds=ago_s),
        "pass_duration_ms": 12,
        "passes": 100,
        "polls_telegram": False,
        "polls_max": False,
        "reads_mail": False,
        "last_error": None,
        "last_error_at": None,
    } | more


@pytest.mark.parametrize(
    ("beats", "backlog", "paused", "healthy", "problem"),
    [
        ([], EMPTY, None, False, "ни одного прохода"),
        ([beat(ago_s=10)], EMPTY, None, True, None),
        ([beat(ago_s=119)], EMPTY, None, True, None),  # 3 × 30 s < the 2-minute floor
        ([beat(ago_s=600)], EMPTY, None, False, "10 мин назад"),
        ([beat("old:1", ago_s=900), beat("new:2", ago_s=5)], EMPTY, None, True, None),
        ([beat()], Backlog(3, NOW - timedelta(minutes=14)), None, True, None),
        ([beat()], Backlog(3, NOW - timedelta(minutes=20)), None, False, "старейшее ждёт 20 мин"),
        # Telegram asked to hold off: a backlog meanwhile is expected, not a fault
        ([beat()], Backlog(3, NOW - timedelta(minutes=20)), NOW + timedelta(minutes=1), True, None),
    ],
)
def test_health_verdicts(
    beats: list[dict[str, Any]],
    backlog: Backlog,
    paused: datetime | None,
    healthy: bool,
    problem: str | None,
) -> None:
    health = assess(NOW, beats, backlog, paused, None, interval_s=30)
    assert health.healthy is healthy
    if problem is None:
        assert health.problems == ()
    else:
        assert problem in " ".join(health.problems)


def test_who_polls_and_reads_mail_among_live_instances_and_the_latest_error() -> None:
    beats = [
        beat("dead:1", ago_s=3600, polls_telegram=True, last_error="OperationalError: gone",
             last_error_at=NOW - timedelta(hours=1)),
        beat("live:2", polls_telegram=True, reads_mail=True),
    ]  # fmt: skip
    failed = {"key": "digest:x", "error": "smtp: 550", "at": NOW - timedelta(minutes=5)}
    health = assess(NOW, beats, EMPTY, None, failed, interval_s=30)
    assert health.telegram_poller == "live:2"  # the dead one's flag is stale
    assert health.mail_reader == "live:2"
    assert health.last_error == {
        "at": (NOW - timedelta(minutes=5)).isoformat(),
        "where": "сообщение digest:x",
        "error": "smtp: 550",
    }
    as_json = health.as_json()
    assert as_json["instances"][0]["instance"] == "live:2"
    assert as_json["last_pass_age_s"] == 10.0


def test_the_max_poller_is_named_when_max_is_polled() -> None:
    beats = [beat("a:1", polls_telegram=True), beat("b:2", polls_max=True)]
    health = assess(NOW, beats, EMPTY, None, None, interval_s=30)
    assert (health.telegram_poller, health.max_poller) == ("a:1", "b:2")
    assert health.as_json()["max_poller"] == "b:2"
    assert "Опрашивает MAX: b:2" in health.lines(UTC)
    webhook = assess(NOW, [beat("a:1")], EMPTY, None, None, interval_s=30)
    assert webhook.max_poller is None
    assert not any("MAX" in line for line in webhook.lines(UTC))


def test_a_database_url_is_shown_without_password_or_query() -> None:
    """Found in review: a password with an «@» in it, or given as ?password=, was printed."""
    from engine.ops.probes import redacted

    assert redacted("postgres://u:Hunter@Secret@127.0.0.1:1/db") == "postgres://***@127.0.0.1:1/db"
    assert (
        redacted("postgres://127.0.0.1:1/db?password=HunterSecret") == "postgres://127.0.0.1:1/db"
    )
    assert redacted("sqlite://resolute.sqlite3") == "sqlite://resolute.sqlite3"
