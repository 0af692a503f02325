"""Reminder templates: Russian, escaped, and HTML that Telegram accepts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.render import Renderer, RenderError, plural, ru_date
from tests.fakes.bot_api import parse_telegram_html

CONTEXT = {
    "person": {"name": "Иванов <script>"},
    "clause": {"id": "II.4", "text": "Разработать <b>рекомендации</b> & «прочее» " * 3},
    "resolution": {"number": "16-1", "adopted": date(2023, 10, 5), "title": "О <мерах> & т.п."},
    "controller": {"name": "Смагина Ю.В."},
    "deadline": date(2023, 10, 20),
    "acceptance": "controller",
}


@pytest.mark.parametrize(
    ("days_left", "headline"),
    [
        (7, "до срока 7 дней"),
        (3, "до срока 3 дня"),
        (21, "до срока 21 день"),
        (1, "срок завтра"),
        (0, "Сегодня последний день срока"),
        (-1, "Срок истёк 1 день назад"),
        (-5, "Срок истёк 5 дней назад"),
    ],
)
def test_reminder_is_valid_telegram_html_with_user_text_escaped(
    days_left: int, headline: str
) -> None:
    html = Renderer().render("telegram/reminder.html", days_left=days_left, **CONTEXT)
    plain, entities = parse_telegram_html(html)  # raises on markup Telegram would refuse
    assert headline in plain
    assert "Иванов <script>" in plain
    assert "Разработать <b>рекомендации</b> & «прочее»" in plain
    assert "20 октября 2023 г." in plain
    assert "Отчёт проверит контролёр — Смагина Ю.В." in plain
    assert {e["type"] for e in entities} >= {"bold", "blockquote"}
    assert len(plain) <= 4096


def test_no_acceptance_line_when_the_owners_word_closes_it() -> None:
    html = Renderer().render(
        "telegram/reminder.html", days_left=3, **(CONTEXT | {"acceptance": "none"})
    )
    assert "контролёр" not in html


def test_a_huge_clause_text_is_truncated_to_fit_one_message() -> None:
    context = CONTEXT | {"clause": {"id": "1", "text": "слово " * 2000}}
    plain, _ = parse_telegram_html(
        Renderer().render("telegram/reminder.html", days_left=2, **context)
    )
    assert len(plain) <= 4096


def test_user_templates_override_the_builtin_ones(tmp_path: Path) -> None:
    (tmp_path / "telegram").mkdir()
    (tmp_path / "telegram" / "reminder.html").write_text("Свой шаблон: {{ clause.id }}")
    assert Renderer(tmp_path).render("telegram/reminder.html", **CONTEXT, days_left=1) == (
        "Свой шаблон: II.4"
    )


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("{{ missing_variable }}", id="undefined"),
        pytest.param("{{ ''.__class__.__mro__ }}", id="sandbox"),
        pytest.param("{{ 'ab' * 100000 }}", id="too-long"),
        pytest.param("{% if %}", id="syntax"),
    ],
)
def test_a_broken_user_template_is_a_clear_error(tmp_path: Path, source: str) -> None:
    (tmp_path / "telegram").mkdir()
    (tmp_path / "telegram" / "reminder.html").write_text(source)
    with pytest.raises(RenderError, match=r"telegram/reminder\.html"):
        Renderer(tmp_path).render("telegram/reminder.html", **CONTEXT, days_left=1)


def test_russian_dates_and_plurals() -> None:
    assert ru_date(date(2023, 3, 1)) == "1 марта 2023 г."
    forms = ("день", "дня", "дней")
    assert [plural(n, *forms) for n in (1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111)] == [
        "день",
        "дня",
        "дня",
        "дней",
        "дней",
        "дней",
        "день",
        "дня",
        "дней",
        "день",
        "дней",
    ]
