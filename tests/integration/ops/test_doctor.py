"""``resolute doctor`` against the loopback fakes: every check passing, then each failing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from tortoise.migrations.api import migrate

from engine.ops.doctor import diagnose
from engine.ops.probes import Check
from storage.db import tortoise_config
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.mail import FakeIMAP, FakeSMTP
from tests.helpers import SECRET, write_workflow

NOW = datetime(2023, 10, 13, 6, 0, tzinfo=UTC)
SMTP_AUTH = ("robot@example.org", "smtp-pass-123")


@pytest.fixture
def servers() -> Iterator[tuple[FakeBotAPI, FakeSMTP, FakeIMAP]]:
    with (
        FakeBotAPI(bot_username="presidium_bot").serving_in_thread() as api,
        FakeSMTP(security="starttls", auth=SMTP_AUTH) as smtp,
        FakeIMAP(password="imap-pass-456") as imap,
    ):
        yield api, smtp, imap


def environment(
    monkeypatch: pytest.MonkeyPatch, db_url: str, servers: tuple[FakeBotAPI, FakeSMTP, FakeIMAP]
) -> None:
    api, smtp, imap = servers
    monkeypatch.chdir(Path(db_url.removeprefix("sqlite://")).parent if "sqlite" in db_url else "/")
    for name, value in {
        "RESOLUTE_DB_URL": db_url,
        "RESOLUTE_SECRET": SECRET,
        "RESOLUTE_TELEGRAM_TOKEN": api.token,
        "RESOLUTE_TELEGRAM_API_URL": api.url,
        "RESOLUTE_SMTP_HOST": "127.0.0.1",
        "RESOLUTE_SMTP_PORT": str(smtp.port),
        "RESOLUTE_SMTP_SECURITY": "starttls",
        "RESOLUTE_SMTP_CA_FILE": str(smtp.ca_path),
        "RESOLUTE_SMTP_USERNAME": SMTP_AUTH[0],
        "RESOLUTE_SMTP_PASSWORD": SMTP_AUTH[1],
        "RESOLUTE_SMTP_FROM": "Контроль <robot@example.org>",
        "RESOLUTE_IMAP_HOST": "127.0.0.1",
        "RESOLUTE_IMAP_PORT": str(imap.port),
        "RESOLUTE_IMAP_SECURITY": "none",
        "RESOLUTE_IMAP_USERNAME": imap.user,
        "RESOLUTE_IMAP_PASSWORD": "imap-pass-456",
    }.items():
        monkeypatch.setenv(name, value)


def by_title(checks: list[Check]) -> dict[str, Check]:
    return {c.title.split(" (")[0].split(" ")[0]: c for c in checks}


async def test_all_checks_pass_against_working_servers(
    db: str, tmp_path: Path, servers: tuple[FakeBotAPI, FakeSMTP, FakeIMAP],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    environment(monkeypatch, db, servers)
    now = datetime.now(UTC)  # PostgreSQL's clock is compared with it: the real one
    checks = await diagnose([write_workflow(tmp_path / "wf")], now)
    failed = [c.line() for c in checks if not c.ok]
    assert failed == []
    found = by_title(checks)
    assert "бот @presidium_bot" in found["Telegram"].detail
    assert "https://t.me/presidium_bot?start=" in found["Telegram"].detail
    assert "вход как robot@example.org" in found["Почта"].detail
    assert "папка «INBOX» есть" in found["Входящая"].detail
    assert "схема актуальна" in found["База"].detail
    moscow = now.astimezone(ZoneInfo("Europe/Moscow"))
    assert f"в Europe/Moscow {moscow:%d.%m.%Y %H:%M} (UTC+03:00)" in found["Часы"].detail
    assert not servers[1].received  # nothing was sent
    text = "\n".join(c.line() for c in checks)
    for secret in (SECRET, SMTP_AUTH[1], "imap-pass-456", servers[0].token):
        assert secret not in text


async def test_each_failure_is_named_with_what_to_do(
    empty_db_url: str, tmp_path: Path, servers: tuple[FakeBotAPI, FakeSMTP, FakeIMAP],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    environment(monkeypatch, empty_db_url, servers)
    await migrate(config=tortoise_config(empty_db_url), target="resolute.0001_initial")
    monkeypatch.setenv("RESOLUTE_SECRET", "short")
    monkeypatch.setenv("RESOLUTE_TELEGRAM_TOKEN", "999:WRONG-TOKEN")
    monkeypatch.setenv("RESOLUTE_SMTP_PASSWORD", "wrong-smtp")
    monkeypatch.setenv("RESOLUTE_IMAP_MAILBOX", "Replies")
    broken = write_workflow(tmp_path / "wf")
    (broken / "r-1.yaml").write_text("resolution: {id: r-1}\n", encoding="utf-8")

    found = by_title(await diagnose([broken], NOW))
    assert not found["RESOLUTE_SECRET"].ok
    assert "короче 16" in found["RESOLUTE_SECRET"].detail
    assert not found["База"].ok
    assert "0008_heartbeat" in found["База"].detail  # which migrations would run
    assert not found["Telegram"].ok
    assert "@BotFather" in found["Telegram"].hint
    assert not found["Почта"].ok
    assert "вход отклонён (535)" in found["Почта"].detail
    assert not found["Входящая"].ok
    assert "папки «Replies» нет" in found["Входящая"].detail
    assert not found["Файлы"].ok
    assert "resolute validate" in found["Файлы"].hint
    assert "WRONG-TOKEN" not in "\n".join(c.line() for c in found.values())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_servers_that_do_not_answer(
    tmp_path: Path, servers: tuple[FakeBotAPI, FakeSMTP, FakeIMAP],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    environment(monkeypatch, f"sqlite://{tmp_path / 'x.sqlite3'}", servers)
    closed = _closed_port()
    monkeypatch.setenv("RESOLUTE_DB_URL", f"postgres://resolute:db-pass-789@127.0.0.1:{closed}/r")
    monkeypatch.setenv("RESOLUTE_TELEGRAM_API_URL", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("RESOLUTE_SMTP_PORT", str(closed))
    monkeypatch.setenv("RESOLUTE_IMAP_PASSWORD", "wrong-imap")
    checks = await diagnose([write_workflow(tmp_path / "wf")], NOW)
    found = by_title(checks)
    assert "недоступна" in found["База"].detail
    assert "db-pass-789" not in found["База"].line()
    assert "недоступен" in found["Telegram"].detail
    assert "ConnectionRefusedError" in found["Почта"].detail or "Connect" in found["Почта"].detail
    assert "вход как svc@example.org отклонён" in found["Входящая"].detail
    assert found["Файлы"].ok


async def test_settings_that_do_not_parse_fail_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESOLUTE_TIMEZONE", "Mars/Olympus")
    checks = await diagnose([write_workflow(tmp_path / "wf")], NOW)
    assert [(c.title.split(" ")[0], c.ok) for c in checks] == [
        ("Настройки", False),
        ("Файлы", True),
    ]
    assert "RESOLUTE_TIMEZONE" in checks[0].detail


async def test_a_database_url_that_cannot_be_understood_is_a_failed_check() -> None:
    """Found in review: closing the connections of a URL that never opened raised again and
    replaced the check with exit 70."""
    from engine.ops.probes import database as database_check
    from tests.helpers import at, settings

    for url in ("mysql2://u:x@h/db", "postgres://u:p@127.0.0.1:notaport/db"):
        [check] = await database_check(settings(url), at("2023-10-13T09:00+03:00"))
        assert not check.ok
        assert ":p@" not in check.title
        assert ":x@" not in check.title


async def test_max_bot_is_checked_by_get_me(tmp_path: Path) -> None:
    """MAX on: GET /me names the bot and the deep-link base; a refused token, an API that does
    not answer and an unreadable CA file are each a failed check saying what to do."""
    from engine.ops.probes import max_bot
    from tests.fakes.max_api import FakeMaxAPI
    from tests.helpers import settings

    async with FakeMaxAPI(bot_username="presidium_max_bot") as api:
        base = settings(f"sqlite://{tmp_path / 'x.sqlite3'}")
        good = base.model_copy(update={"max_token": SecretStr(api.token), "max_api_url": api.url})
        check = await max_bot(good)
        assert check.ok, check.line()
        assert "https://max.ru/presidium_max_bot?start=" in check.detail

        refused = await max_bot(good.model_copy(update={"max_token": SecretStr("forged-token")}))
        assert not refused.ok
        assert "RESOLUTE_MAX_TOKEN" in refused.hint
        assert "forged-token" not in refused.line() + refused.hint

        silent = await max_bot(
            good.model_copy(update={"max_api_url": f"http://127.0.0.1:{_closed_port()}"})
        )
        assert not silent.ok
        assert "недоступен" in silent.detail

        no_ca = await max_bot(
            good.model_copy(update={"max_ca_file": str(tmp_path / "missing.pem")})
        )
        assert not no_ca.ok
        assert "RESOLUTE_MAX_CA_FILE" in no_ca.hint

        off = await max_bot(base)
        assert off.ok
        assert "выключен" in off.detail
