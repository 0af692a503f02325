"""No name put in the nominative after a preposition that needs another case (issue 13,
point 9): «от Кузнецов Павел Андреевич». Names are rephrased around («Исполнитель: …») rather
than declined; this scan keeps every template and message that way."""

from __future__ import annotations

import re

from tests.conftest import REPO

# A preposition, then a placeholder for a person's name: {{ x.name }}, {owner.name}, {name}…
AFTER_PREPOSITION = re.compile(
    r"(?<![а-яё])(?:от|для|у|к|ко|с|со|о|об|обо|по|при|без|до|за|перед|над|под)\s+"
    r"\{\{?\s*(?:esc\()?[\w.]*(?:name|owner_name)\b",
    re.IGNORECASE,
)


def test_no_name_follows_a_preposition() -> None:
    templates = [p for p in (REPO / "templates").rglob("*.*") if p.suffix in (".html", ".txt")]
    files = [*templates, *(REPO / "engine").rglob("*.py")]
    found = [
        f"{path.relative_to(REPO)}: {match.group()}"
        for path in files
        for match in AFTER_PREPOSITION.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
