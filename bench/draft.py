"""6. `resolute draft`: a 30-page decree (about 300 clauses) in text and in Word with automatic
multilevel numbering, against the shipped roster: the first draft in a process (the morphology
dictionaries load), a repeated one, and the whole command as a new process.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, Result, Stopwatch, run_benchmark, smoke
from engine.draft.run import draft
from tests.draft_docx import numbered_docx

TARGET_S = 2.0
ROSTER = REPO / "workflows" / "roster.yaml"
ADDRESSEES = (
    "Комитету Межрегиональной организации:",
    "Председателям территориальных организаций и первичных профсоюзных организаций "
    "прямого подчинения:",
    "Молодёжным советам:",
    "Белоусову А.П.:",
)
BODIES = (
    ("Разработать рекомендации по ведению страниц и сообществ в социальной сети, согласовать "
     "их с отделом и разослать в организации.", "Срок: до 20 октября 2024 года."),
    ("Провести мониторинг коллективных договоров в срок до 15.11.2024 и представить итоги.", None),
    ("Представлять сведения о численности членов профсоюза ежемесячно, до 5 числа.", None),
    ("Продолжить практику мониторинга состояния информационной работы и цифровизации "
     "деятельности в территориальных и первичных профсоюзных организациях.", None),
    ("Провести семинар для председателей в IV квартале 2024 года.", None),
    ("Подготовить предложения по совершенствованию работы в месячный срок.", None),
    ("Способствовать формированию благоприятного имиджа профсоюзной организации.", None),
    ("Организовать обучение профсоюзного актива.", "/срок выполнения до 1 декабря 2024г."),
)  # fmt: skip


def decree_items(clauses: int) -> list[tuple[int | None, str]]:
    """(ilvl, text) of a decree: sections of ten clauses under alternating addressees."""
    items: list[tuple[int | None, str]] = [
        (None, "ПРЕЗИДИУМ"),
        (None, "от 05 октября 2024 года                                   № 30-1"),
        (None, "О плане работы Межрегиональной организации"),
        (None, "на 2024–2025 годы"),
        (None, "ПОСТАНОВИЛИ:"),
    ]
    for n in range(clauses):
        if n % 10 == 0:
            items.append((0, ADDRESSEES[(n // 10) % len(ADDRESSEES)]))
        text, own_line = BODIES[n % len(BODIES)]
        items.append((1, text))
        if own_line:
            items.append((None, own_line))
    items.append((0, "Контроль за исполнением настоящего постановления возложить на Смагину Ю.В."))
    return items


def as_text(items: list[tuple[int | None, str]]) -> str:
    """The same decree with typed numbers (Roman sections, Arabic clauses)."""
    lines, section, clause = [], 0, 0
    for ilvl, text in items:
        if ilvl == 0:
            section, clause = section + 1, 0
            lines.append(f"{_roman(section)}. {text}")
        elif ilvl == 1:
            clause += 1
            lines.append(f"{clause}. {text}")
        else:
            lines.append(text)
    return "\n".join(lines) + "\n"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


async def measure(backend: str) -> Result:
    result = await Result.begin("draft", backend)
    clauses = 30 if smoke() else 300
    items = decree_items(clauses)
    with tempfile.TemporaryDirectory() as tmp:
        txt, docx = Path(tmp) / "decree.txt", Path(tmp) / "decree.docx"
        txt.write_text(as_text(items), encoding="utf-8")
        docx.write_bytes(numbered_docx(items, [("upperRoman", "%1."), ("decimal", "%2.")]))
        pages = len(txt.read_text(encoding="utf-8")) / 1800  # ~1,800 characters a typed page
        print(f"draft: {clauses} clauses, {len(items)} lines, ~{pages:.0f} pages", flush=True)
        with Stopwatch() as first:
            drafted = draft(txt, [ROSTER], Path(tmp) / "first.yaml", force=True)
        assert len(drafted.draft.clauses) == clauses, len(drafted.draft.clauses)
        with Stopwatch() as again:
            draft(txt, [ROSTER], Path(tmp) / "again.yaml", force=True)
        with Stopwatch() as word:
            from_word = draft(docx, [ROSTER], Path(tmp) / "word.yaml", force=True)
        assert [c.clause.id for c in from_word.draft.clauses] == [
            c.clause.id for c in drafted.draft.clauses
        ]
        started = time.perf_counter()
        done = subprocess.run(  # noqa: ASYNC221  (nothing else runs: timing the process)
            [sys.executable, "-c", "from engine.cli import main; main()", "draft", str(docx),
             "--roster", str(ROSTER), "-o", str(Path(tmp) / "cli.yaml")],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        command_s = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
    result.add("clauses", clauses)
    result.add("first draft in a process (.txt, dictionaries load)", first.wall_s, "s",
               at_most=TARGET_S)  # fmt: skip
    result.add("  repeated draft (.txt)", again.wall_s, "s")
    result.add("  draft of the Word twin (.docx, numbering rebuilt)", word.wall_s, "s")
    result.add("`resolute draft FILE.docx` as a new process", command_s, "s", at_most=TARGET_S)
    result.add("ПРОВЕРЬТЕ comments written", drafted.checks)
    result.note("the process figure includes starting Python and importing the CLI")
    return result


def main() -> None:
    run_benchmark(measure)


if __name__ == "__main__":
    main()
