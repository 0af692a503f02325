"""The README's first command: what the officials would receive, without a bot token."""

from __future__ import annotations

import json

from tests.acceptance.test_founding_resolution import WORKFLOWS
from tests.cli import resolute

ENV = {"PATH": "/usr/bin:/bin"}


def test_show_prints_the_reminders_and_the_controllers_digest() -> None:
    args = ("simulate", str(WORKFLOWS), "--until", "2023-10-21", "--show", "--to", "smagina")
    text = resolute(ENV, *args).stdout
    assert "── 13.10.2023 09:00 · telegram · Смагина Ю.В. · напоминание, пункт II.4 ──" in text
    assert "⏰ Напоминание: до срока 7 дней" in text
    assert "│ Разработать рекомендации по ведению страниц" in text
    assert "[✅ Выполнено]" in text
    assert "⏰ Сегодня последний день срока" in text
    assert "── 21.10.2023 09:30 · telegram · Смагина Ю.В. · сводка ──" in text
    assert "🔴 Просрочено впервые" in text
    assert "Белоусов А.П., Межрегиональная профсоюзная общественная организация ОПРК" in text
    assert "просрочено на 1 день" in text
    assert "<b>" not in text
    assert "Всего сообщений: 5. Ничего не отправлено." in text

    rows = json.loads(resolute(ENV, *args, "--json").stdout)
    assert [r["kind"] for r in rows] == ["reminder"] * 4 + ["digest"]
    assert "<b>Сводка по исполнению постановлений на 21 октября 2023 г.</b>" in rows[-1]["text"]


def test_an_unknown_person_is_refused() -> None:
    refused = resolute(ENV, "simulate", str(WORKFLOWS), "--to", "nobody", expect=2)
    assert "в списке людей нет nobody" in refused.stderr
