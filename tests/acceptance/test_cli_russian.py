"""Everything the secretary reads at the terminal is Russian (issue 13, point 10): the help,
the commands' descriptions and the frame's error messages, from the installed ``resolute``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RESOLUTE = str(Path(sys.executable).with_name("resolute"))
ENGLISH = ("Usage", "Show this message", "Options", "Arguments", "Commands", "Invalid value",
           "Input should", "Missing", "Try ", "Error")  # fmt: skip


def resolute(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "RESOLUTE_DB_URL": f"sqlite://{cwd / 'db.sqlite3'}"}
    return subprocess.run(
        [RESOLUTE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_help_and_errors_are_russian(tmp_path: Path) -> None:
    main = resolute("--help", cwd=tmp_path)
    assert main.returncode == 0
    assert "Использование: resolute [ПАРАМЕТРЫ] КОМАНДА" in main.stdout
    assert "Проверить файлы" in main.stdout  # validate's description
    assert "Одноразовые ссылки" in main.stdout  # invite's
    assert "Показать эту справку и выйти." in main.stdout
    bad_days = resolute("invite", "--days", "0", "ivanov", cwd=tmp_path)
    assert bad_days.returncode == 2
    assert "Недопустимое значение '--days': должно быть не меньше 1" in bad_days.stderr
    missing = resolute("validate", cwd=tmp_path)
    assert missing.returncode == 2
    assert "Не указан аргумент 'paths'." in missing.stderr
    assert "Справка: 'resolute validate --help'." in missing.stderr
    for result in (main, bad_days, missing, resolute("validate", "--help", cwd=tmp_path)):
        said = result.stdout + result.stderr
        assert not [word for word in ENGLISH if word in said], said
