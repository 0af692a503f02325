"""The command line's frame in Russian (engine/cli_ru.py): the error table."""

from __future__ import annotations

import pytest

from engine.cli_ru import translate


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        (
            "Invalid value for '--days': Input should be greater than or equal to 1",
            "Недопустимое значение '--days': должно быть не меньше 1",
        ),
        ("Missing argument 'paths'.", "Не указан аргумент 'paths'."),
        ("No such option: --bogus", "Нет такого параметра: --bogus."),
        (
            "No such option: --jsn Did you mean --json?",
            "Нет такого параметра: --jsn. Возможно, имелось в виду --json.",
        ),
        ("No such command 'frob'.", "Нет такой команды: 'frob'."),
        ("Got unexpected extra argument (x)", "Лишние аргументы: x."),
        ("Option '--now' requires an argument.", "Параметру '--now' нужно значение."),
        ("Уже по-русски.", "Уже по-русски."),
    ],
)
def test_translate(english: str, russian: str) -> None:
    assert translate(english) == russian
