"""The engine's handling is channel-neutral: nothing under engine/service or engine/report
imports python-telegram-bot. Telegram's types stay in its adapter (engine/channels), so a
second messenger feeds the same conversation, presses and decisions with its own events."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NEUTRAL = [ROOT / "engine" / "service", ROOT / "engine" / "report"]
MODULES = sorted(p for folder in NEUTRAL for p in folder.rglob("*.py"))


def telegram_imports(source: str) -> list[str]:
    """The imports of the ``telegram`` package (python-telegram-bot) in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n == "telegram" or n.startswith("telegram.")]
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    source = (
        "import telegram\nfrom telegram.error import Forbidden\n"
        "from engine.channels import telegram_text\n"
    )
    assert telegram_imports(source) == ["telegram", "telegram.error"]
    assert telegram_imports("def f():\n    from telegram import Update\n") == ["telegram"]


def test_there_are_modules_to_scan() -> None:
    assert len(MODULES) > 20


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_python_telegram_bot_in_the_channel_neutral_parts(module: Path) -> None:
    assert telegram_imports(module.read_text(encoding="utf-8")) == []
