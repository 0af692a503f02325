"""The texts catalog (engine/texts.py, templates/texts.yaml): keys, rendering, overrides."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

from engine.texts import Texts, builtin_texts, markup
from tests.conftest import REPO

KEY = re.compile(r"[a-z_]+\.[a-z_]+")
# Keys made for texts still written in modules being reworked elsewhere (dispatch, notices,
# digests, reach): their use moves there after the merge, one line each.
PENDING = {
    "delivery.buttons_in_telegram",
    "delivery.buttons_need_telegram",
    "delivery.reach_none",
    "delivery.reach_blocked",
    "delivery.reach_unlinked",
    "delivery.reach_mail_only",
    "delivery.reach_bounced",
    "delivery.reach_no_address",
}
# The modules whose every user-facing text comes from the catalog.
IN_SCOPE = [
    *(
        f"engine/service/{name}.py"
        for name in [
            "answers",
            "confirm",
            "control",
            "conversation",
            "conversation_commands",
            "conversation_evidence",
            "conversation_said",
            "conversation_steps",
            "copies",
            "extension_talk",
            "identity",
            "inbound",
            "invites",
            "mail_answers",
            "mail_inbound",
            "menus",
            "presses",
            "report_notices",
        ]
    ),
    "engine/report/bot.py",
]
# Cyrillic that stays in code, with why: (file, the text's beginning).
ALLOWED = {
    ("engine/service/extension_talk.py", "да"): "a yes-word read in the answer, not shown",
    ("engine/service/extension_talk.py", "верно"): "a yes-word read in the answer",
    ("engine/service/extension_talk.py", "да, верно"): "a yes-word read in the answer",
    ("engine/service/extension_talk.py", "подтверждаю"): "a yes-word read in the answer",
    ("engine/service/extension_talk.py", "ок"): "a yes-word read in the answer",
    ("engine/service/extension_talk.py", "нет"): "a no-word read in the answer",
    ("engine/service/extension_talk.py", "не"): "a no-word read in the answer",
    ("engine/service/extension_talk.py", "неверно"): "a no-word read in the answer",
    ("engine/service/extension_talk.py", "нет, другая дата"): "a no-word read in the answer",
    ("engine/service/invites.py", "Нет в базе: "): "resolute invite's terminal error",
    ("engine/service/invites.py", ". Проверьте идентификаторы"): "resolute invite's terminal error",
}


def _sources() -> dict[str, str]:
    return {
        str(p.relative_to(REPO)): p.read_text(encoding="utf-8")
        for p in (REPO / "engine").rglob("*.py")
    }


METHODS = {"say", "plain", "_say"}  # Texts' (and extension_talk.Talk's)
HELPERS = {"say", "said"}  # the modules' small local helpers


def _calls() -> list[tuple[str, int, ast.expr]]:
    """(file, line, first argument) of every call of a text by key."""
    calls = []
    for name, text in _sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                method = isinstance(func, ast.Attribute) and func.attr in METHODS
                if method or (isinstance(func, ast.Name) and func.id in HELPERS):
                    calls.append((name, node.lineno, node.args[0]))
    return calls


def _literals(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def test_every_key_the_code_uses_is_in_the_catalog_and_every_key_is_used() -> None:
    catalog = set(builtin_texts().builtin)
    called = {key for _, _, arg in _calls() for key in _literals(arg) if KEY.fullmatch(key)}
    # keys held in a table or returned by a helper before they are said (menus, _moot)
    mentioned = {
        node.value
        for text in _sources().values()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and node.value in catalog
    }
    assert len(catalog) > 100
    assert len(called) > 100
    assert sorted(called - catalog) == []
    assert sorted(catalog - mentioned - PENDING) == []
    assert sorted(PENDING & mentioned) == []  # moved: take it off the list


def test_texts_are_asked_for_by_literal_keys() -> None:
    """A key built at run time could not be checked above: a literal, a choice of two
    literals, a table lookup, or a helper's own ``key`` parameter (itself called with
    literals)."""
    for name, line, arg in _calls():
        ok = (
            bool(_literals(arg))
            or isinstance(arg, ast.Subscript)
            or (isinstance(arg, ast.Name) and arg.id in ("key", "why", "closed"))
        )
        assert ok, f"{name}:{line}"


SAMPLE = {
    "clause": "1.2",
    "number": "16-1",
    "name": "Иванов И.И.",
    "n": 3,
    "count": 2,
    "days": 5,
    "more": 100,
    "to": "27.10.2023",
    "deadline": "20.10.2023",
    "examples": "«до 5 марта»",
    "day": "5 марта",
    "date": "05.03.2024",
    "problem": "Эта дата уже прошла.",
    "answer": "Новый срок — 27.10.2023.",
    "messenger": "Telegram",
    "link": "https://t.me/bot?start=x",
    "where": "MAX",
    "text": "Сделано",
    "title": "О мерах",
    "done": 1,
    "total": 2,
    "reported": 1,
    "late": 1,
    "controller": True,
    "comment": "Добавьте фото",
    "clause_line": markup("<b>Пункт 1.2</b>"),
    "owner": "Иванов И.И.",
    "reason": "Ждём данные",
    "round": 2,
    "organisation": "ППО",
    "copied": True,
    "earlier": True,
    "attached": 1,
    "as_of": "20 октября 2023 г.",
    "since": "21.02",
}


def test_every_builtin_snippet_renders_with_a_sample_context() -> None:
    texts = builtin_texts()
    assert texts.problems == []
    for key in texts.builtin:
        html, plain = texts.say(key, **SAMPLE), texts.plain(key, **SAMPLE)
        assert html.strip(), key
        assert plain.strip(), key
        assert "{{" not in plain, key
        assert "{%" not in plain, key


def test_values_are_escaped_in_html_and_left_alone_in_plain_text() -> None:
    texts = builtin_texts()
    assert texts.say("evidence.added", clause="<1 & 2>").startswith(
        "Приложено к пункту &lt;1 &amp; 2&gt;."
    )
    assert texts.plain("evidence.added", clause="<1>").startswith("Приложено к пункту <1>.")
    said = texts.say("control.accepted_notice", clause_line=markup("<b>Пункт</b>"))
    assert "<b>Пункт</b>" in said
    assert "O'Brien" in texts.say("invites.greeting", name="O'Brien")  # quotes kept as before


def test_a_typo_in_a_value_name_fails_loudly_in_the_builtin_catalog() -> None:
    with pytest.raises(Exception, match="clause"):
        builtin_texts().say("evidence.added")
    with pytest.raises(KeyError):
        builtin_texts().say("no.such_key")


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_override_rewords_one_key_and_leaves_the_others_builtin(tmp_path: Path) -> None:
    texts = Texts(_folder(tmp_path, {"texts.yaml": 'presses.forged: "Кнопка устарела."\n'}))
    assert texts.plain("presses.forged") == "Кнопка устарела."
    assert texts.plain("presses.foreign") == builtin_texts().plain("presses.foreign")
    assert texts.problems == []


def test_a_channel_form_applies_to_that_channel_only(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "texts.yaml": 'presses.forged: "Кнопка устарела."\n',
            "max/texts.yaml": 'presses.forged: "Кнопка MAX устарела."\n',
        },
    )
    texts = Texts(folder)
    assert texts.plain("presses.forged", "max") == "Кнопка MAX устарела."
    assert texts.plain("presses.forged", "telegram") == "Кнопка устарела."
    assert texts.plain("presses.forged") == "Кнопка устарела."
    assert texts.plain("presses.foreign", "max") == builtin_texts().plain("presses.foreign")


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('presses.forged: "Кнопка устарела.\n', 2, "некорректный YAML"),  # the end: line 2
        ('presses.forged: "Кнопка"\nno.such_key: "Текст"\n', 2, "неизвестный ключ «no.such_key»"),
        ('presses.forged: "Кнопка"\nevidence.added: "{{ clause "\n', 2, "ошибка в шаблоне"),
        ('presses.forged: "Кнопка"\nevidence.added: "п. {{ clase }}"\n', 2, "clase"),
        ('presses.forged: "Кнопка"\nevidence.added: 5\n', 2, "должно быть текстом"),
        ("- a\n- b\n", 1, "ожидался список"),
    ],
)
def test_a_broken_override_keeps_the_builtin_text_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, line: int, says: str
) -> None:
    (tmp_path / "texts.yaml").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="resolute.texts"):
        texts = Texts(tmp_path)
        added = texts.plain("evidence.added", clause="1")
    assert added == builtin_texts().plain("evidence.added", clause="1")
    assert len(texts.problems) == 1, texts.problems
    assert texts.problems[0].startswith(f"{tmp_path / 'texts.yaml'}:{line}: ")
    assert says in texts.problems[0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "texts.refused" in warnings[0].getMessage()
    if "YAML" not in says and line == 2:  # the rest of the file still applies
        assert texts.plain("presses.forged") == "Кнопка"


def test_an_override_failing_at_render_time_falls_back_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    override = 'evidence.added: "{{ clause ~ (1 / 0) }}"\n'
    texts = Texts(_folder(tmp_path, {"texts.yaml": override}))
    with caplog.at_level(logging.WARNING, logger="resolute.texts"):
        for _ in range(2):
            assert texts.plain("evidence.added", clause="1").startswith("Приложено к пункту 1.")
    assert len(texts.problems) == 1


def test_an_override_that_runs_away_falls_back_to_the_builtin_text(tmp_path: Path) -> None:
    """Review finding: a loop in a reworded text rendered 100,000 characters into every chat."""
    override = 'invites.greeting: "{% for i in range(100000) %}x{% endfor %}"\n'
    texts = Texts(_folder(tmp_path, {"texts.yaml": override}))
    assert texts.plain("invites.greeting", name="Иванов").startswith("Здравствуйте, Иванов")
    assert len(texts.problems) == 1
    assert "длиннее" in texts.problems[0]


def test_in_scope_modules_hold_no_russian_text_outside_the_allowlist() -> None:
    cyrillic = re.compile("[\u0400-\u04ff]")
    found = set()
    for name in IN_SCOPE:
        tree = ast.parse((REPO / name).read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and cyrillic.search(node.value)
            ):
                found.add((name, node.value))
    unexpected = {
        (name, text)
        for name, text in found
        if not any(name == a and text.startswith(b) for a, b in ALLOWED)
    }
    assert sorted(unexpected) == []
    assert len(found) >= len(ALLOWED) - 1


def test_the_catalog_uses_the_shared_plural_filter() -> None:
    texts = builtin_texts()
    assert texts.plain("confirm.evidence_full", count=50).startswith(
        "К пункту уже приложено 50 материалов"
    )
    assert "через 1 день" in texts.plain("extension.ask_confirm", **{**SAMPLE, "days": 1})
