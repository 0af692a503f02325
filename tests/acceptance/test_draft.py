"""`resolute draft` end to end: decrees in their own files (tests/fixtures/decrees) and Word
files built here, drafted through the real command line and checked with `resolute validate`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli import cli
from tests.conftest import REPO
from tests.draft_docx import numbered_docx, plain_docx

DECREES = REPO / "tests" / "fixtures" / "decrees"
ROSTER = DECREES / "roster.yaml"
SEED = DECREES / "presidium-2023-16-1.txt"
runner = CliRunner()


def draft(*args: str | Path) -> Any:
    return runner.invoke(cli, ["draft", *map(str, args)])


def validate(*paths: Path) -> Any:
    return runner.invoke(cli, ["validate", *map(str, paths)])


def drafted(tmp_path: Path, decree: Path, roster: Path = ROSTER) -> tuple[dict[str, Any], Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "draft.yaml"
    result = draft(decree, "--roster", roster, "-o", out)
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8")), out


def clauses(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in document["clauses"]}


def test_the_founding_decree_drafts_to_the_shipped_resolution_and_validates(
    tmp_path: Path,
) -> None:
    document, out = drafted(tmp_path, SEED, REPO / "workflows" / "roster.yaml")
    shipped = yaml.safe_load((REPO / "workflows" / "presidium-2023-16-1.yaml").read_text("utf-8"))
    ours, theirs = clauses(document), clauses(shipped)
    assert list(ours) == list(theirs) == [
        "I", "II.1", "II.2", "II.3", "II.4", "II.5", "III.1", "III.2", "III.3", "III.4",
    ]  # fmt: skip
    for ident, clause in theirs.items():
        if not clause.get("informational"):
            assert ours[ident]["owners"] == clause["owners"], ident
    assert ours["II.4"]["deadline"] == theirs["II.4"]["deadline"]
    assert ours["I"]["informational"] is True
    meta = document["resolution"]
    assert meta["controller"] == "smagina"
    assert meta["id"] == "presidium-2023-16-1"
    assert meta["number"] == "16-1"
    assert meta["adopted"] == shipped["resolution"]["adopted"]
    assert meta["title"] == " ".join(shipped["resolution"]["title"].split())
    assert ours["III.3"]["text"] == " ".join(
        theirs["III.3"]["text"].replace("ВКонтакте", "Вконтакте").split()
    )
    text = out.read_text(encoding="utf-8")
    assert "# строка 24: «/срок выполнения до 20 октября 2023г.»" in text
    assert "# ПРОВЕРЬТЕ: документ помечен «ПРОЕКТ»" in text  # line 1 of the seed
    assert "# ПРОВЕРЬТЕ:" in text
    checked = validate(REPO / "workflows" / "roster.yaml", out)
    assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_the_summary_goes_to_stderr_and_the_yaml_to_stdout() -> None:
    result = runner.invoke(
        cli, ["draft", str(SEED), "--roster", str(REPO / "workflows" / "roster.yaml")]
    )
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["resolution"]["controller"] == "smagina"
    assert "Пунктов: 10; со сроком: 1" in result.stderr
    assert "ПРОВЕРЬТЕ" in result.stderr


def test_arabic_numbering_quoted_date_own_deadline_line_and_recurrence(tmp_path: Path) -> None:
    document, out = drafted(tmp_path, DECREES / "plenum-arabic.txt")
    meta, found = document["resolution"], clauses(document)
    assert (meta["id"], meta["adopted"].isoformat(), meta["number"]) == (
        "plenum-2024-5",
        "2024-09-27",
        "5",
    )
    assert meta["body"] == "Пленум"
    assert meta["title"] == "О ходе выполнения коллективных договоров в организациях культуры"
    assert list(found) == ["1", "2.1", "2.2", "3", "4"]
    assert found["1"]["informational"] is True
    assert found["2.1"] == found["2.1"] | {"owners": ["committee"], "deadline": _d("2024-11-15")}
    assert found["2.2"]["deadline"] == _d("2024-12-01")  # «Срок: до 1 декабря 2024 г.» below
    assert (found["3"]["owners"], found["3"]["every"], found["3"]["day"]) == (
        ["territorial-chairs"],
        "monthly",
        5,
    )
    assert found["4"] == found["4"] | {"owners": ["inspectors"], "deadline": _d("2024-12-31")}
    assert meta["controller"] == "belousov"  # «Белоусова А.П.», genitive
    assert validate(ROSTER, out).exit_code == 0


def test_roman_sections_with_paren_items_and_relative_deadlines(tmp_path: Path) -> None:
    document, out = drafted(tmp_path, DECREES / "presidium-paren.txt")
    found = clauses(document)
    assert list(found) == ["I", "II.1", "II.2", "II.3", "III.1", "IV"]
    assert found["I"]["informational"] is True  # «Признать … удовлетворительной»
    assert found["II.1"]["owners"] == ["youth-councils"]  # «Поручить Молодёжным советам:»
    assert found["II.1"]["deadline"] == _d("2024-12-31")  # «в течение 2024 года»
    assert found["II.2"]["every"] == "quarterly"
    assert found["II.3"]["deadline"] == _d("2024-04-14")  # «в месячный срок» from 14.03.2024
    assert found["III.1"]["deadline"] == _d("2024-03-31")  # «до конца квартала»
    assert found["IV"] == found["IV"] | {"owners": ["kuznetsov"], "deadline": _d("2024-03-28")}
    assert document["resolution"]["controller"] == "smagina"
    # The unmatched addressee is a placeholder validate rejects, naming it.
    assert found["III.1"]["owners"] == [
        "НЕ НАЙДЕН: Ревизионной комиссии Межрегиональной организации"
    ]
    result = validate(ROSTER, out)
    assert result.exit_code == 1
    assert "Ревизионной комиссии Межрегиональной организации" in result.stderr + result.stdout


def test_unmatched_people_and_controller_are_named_by_validate_at_their_lines(
    tmp_path: Path,
) -> None:
    document, out = drafted(tmp_path, DECREES / "council-unmatched.txt")
    found = clauses(document)
    assert found["1"]["owners"] == ["orlova"]  # «Орлову Т.Г.»
    assert found["1"]["deadline"] == _d("2025-03-01")  # no year: the adoption year
    assert found["2"]["owners"] == ["НЕ НАЙДЕН: Сидоренко В.В."]
    assert found["2"]["deadline"] == _d("2025-05-20")  # «Срок – до 20 мая 2025 года»
    assert found["4"] == found["4"] | {"owners": ["kuznetsova"], "every": "weekly", "day": 5}
    assert document["resolution"]["controller"] == "НЕ НАЙДЕН: Громова С.В."
    result = validate(ROSTER, out)
    assert result.exit_code == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    output = result.stdout + result.stderr
    for name in ("Сидоренко В.В.", "Громова С.В."):
        (line,) = [i for i, text in enumerate(lines, 1) if f'"НЕ НАЙДЕН: {name}"' in text]
        assert re.search(rf":{line}:\d+: .*{re.escape(name)}", output), output


def test_after_the_secretary_edits_the_draft_validate_points_at_the_edited_line(
    tmp_path: Path,
) -> None:
    _, out = drafted(tmp_path, SEED, REPO / "workflows" / "roster.yaml")
    lines = out.read_text(encoding="utf-8").splitlines()
    owners = next(i for i, text in enumerate(lines) if 'owners: ["committee"]' in text)
    lines[owners] = lines[owners].replace("committee", "komitet")
    lines.insert(3, "# a note of the secretary's own")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = validate(REPO / "workflows" / "roster.yaml", out)
    assert result.exit_code == 1
    assert f"{out}:{owners + 2}:" in result.stdout + result.stderr
    assert "komitet" in result.stdout + result.stderr


def test_windows_1251_decree(tmp_path: Path) -> None:
    raw = (DECREES / "presidium-cp1251.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    document, _ = drafted(tmp_path, DECREES / "presidium-cp1251.txt")
    found = clauses(document)
    assert document["resolution"]["title"] == "Об участии в конкурсе"
    assert found["1"] == found["1"] | {
        "owners": ["territorial-chairs"],
        "deadline": _d("2023-12-15"),
    }
    assert found["2"]["every"] == "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1"  # «ежегодно до 1.02»
    assert found["3"]["informational"] is True  # «Способствовать …»: a general attitude
    assert document["resolution"]["controller"] == "smagina"


def test_utf8_bom_crlf_decree_without_numbers(tmp_path: Path) -> None:
    document, out = drafted(tmp_path, DECREES / "presidium-bom-unnumbered.txt")
    assert document["resolution"]["adopted"] == _d("2024-02-01")
    (clause,) = document["clauses"]
    assert clause == clause | {"id": "1", "owners": ["committee"], "deadline": _d("2024-04-01")}
    assert "нет нумерации" in out.read_text(encoding="utf-8")


def test_a_document_with_no_operative_part_exits_1_with_file_and_line() -> None:
    result = draft(DECREES / "no-operative.txt", "--roster", ROSTER)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{DECREES / 'no-operative.txt'}:1: ")
    assert "ПОСТАНОВИЛИ" in result.stderr
    assert result.stdout == ""


def test_bad_arguments_exit_2_and_an_existing_output_is_kept(tmp_path: Path) -> None:
    assert draft(tmp_path / "missing.txt").exit_code == 2
    assert draft(SEED, "--roster", ROSTER, "-o", tmp_path / "no" / "such.yaml").exit_code == 2
    out = tmp_path / "mine.yaml"
    out.write_text("edited by hand\n", encoding="utf-8")
    result = draft(SEED, "--roster", ROSTER, "-o", out)
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "edited by hand\n"
    bad_roster = tmp_path / "roster.yaml"
    bad_roster.write_text("people: [{id: Bad Id}]\n", encoding="utf-8")
    assert draft(SEED, "--roster", bad_roster).exit_code == 2


SEED_AS_WORD = [
    (None, "ПРЕЗИДИУМ"),
    (None, "от 05 октября 2023 года № 16-1"),
    (None, "О выполнении Концепции информационной политики"),
    (None, "ПОСТАНОВИЛИ:"),
    (0, "Информацию о выполнении Концепции принять к сведению."),
    (0, "Комитету Межрегиональной организации:"),
    (1, "Совершенствовать информационную работу."),
    (1, "Организовать обучение."),
    (1, "Продолжить внедрение имиджевой политики."),
    (1, "Разработать рекомендации по ведению страниц и сообществ в социальной сети Вконтакте."),
    (None, "/срок выполнения до 20 октября 2023г."),
    (1, "Продолжить практику мониторинга."),
    (0, "Председателям территориальных организаций и первичных профсоюзных организаций "
        "прямого подчинения:"),
    (1, "Организовать обучение профсоюзного актива."),
    (1, "Привлекать Молодежные советы к информационной работе."),
    (1, "Обеспечить подписку на официальные страницы."),
    (1, "Способствовать формированию благоприятного имиджа."),
    (0, "Контроль за исполнением настоящего постановления возложить на заведующего отделом "
        "Смагину Ю.В."),
]  # fmt: skip


def test_word_multilevel_numbering_gives_the_ids_of_the_text_twin(tmp_path: Path) -> None:
    decree = tmp_path / "decree.docx"
    decree.write_bytes(numbered_docx(SEED_AS_WORD, [("upperRoman", "%1."), ("decimal", "%2.")]))
    from docx import Document

    assert not any(p.text[:1] in "IV12345" for p in Document(str(decree)).paragraphs[4:])
    document, out = drafted(tmp_path, decree, REPO / "workflows" / "roster.yaml")
    seed, _ = drafted(tmp_path / "seed", SEED, REPO / "workflows" / "roster.yaml")
    assert [c["id"] for c in document["clauses"]] == [c["id"] for c in seed["clauses"]]
    for ours, theirs in zip(document["clauses"], seed["clauses"], strict=True):
        assert ours.get("owners") == theirs.get("owners"), ours["id"]
    assert clauses(document)["II.4"]["deadline"] == _d("2023-10-20")
    assert document["resolution"]["controller"] == "smagina"
    assert "# абзац 11: «/срок выполнения до 20 октября 2023г.»" in out.read_text("utf-8")
    assert validate(REPO / "workflows" / "roster.yaml", out).exit_code == 0


def test_word_outline_numbering_percent_1_percent_2(tmp_path: Path) -> None:
    items = [
        (None, "ПЛЕНУМ"),
        (None, "от 14.03.2024 № 3"),
        (None, "ПОСТАНОВЛЯЕТ:"),
        (0, "Комитету Межрегиональной организации:"),
        (1, "Провести семинар до 1 мая 2024 года."),
        (1, "Подготовить обзор."),
        (None, "Срок – до 20 мая 2024 года"),
        (0, "Инспекторам труда провести проверки ежеквартально."),
    ]
    decree = tmp_path / "outline.docx"
    decree.write_bytes(numbered_docx(items, [("decimal", "%1."), ("decimal", "%1.%2.")]))
    document, _ = drafted(tmp_path, decree)
    found = clauses(document)
    assert list(found) == ["1.1", "1.2", "2"]
    assert found["1.2"]["deadline"] == _d("2024-05-20")
    assert found["2"] == found["2"] | {"owners": ["inspectors"], "every": "quarterly"}


def test_word_numbering_over_typed_numbers_is_not_doubled(tmp_path: Path) -> None:
    items = [(None, "ПОСТАНОВИЛИ:"), (0, "1. Комитету Межрегиональной организации провести "
             "семинар до 1 мая 2024 года."), (0, "Инспекторам труда провести проверки до 1 июня "
             "2024 года.")]  # fmt: skip
    decree = tmp_path / "both.docx"
    decree.write_bytes(numbered_docx(items, [("decimal", "%1.")]))
    document, _ = drafted(tmp_path, decree)
    assert [c["id"] for c in document["clauses"]] == ["1", "2"]
    assert document["clauses"][0]["text"].startswith("Комитету")


def test_word_file_with_typed_numbers(tmp_path: Path) -> None:
    text = (DECREES / "plenum-arabic.txt").read_text(encoding="utf-8").splitlines()
    decree = tmp_path / "typed.docx"
    decree.write_bytes(plain_docx(text))
    document, _ = drafted(tmp_path, decree)
    twin, _ = drafted(tmp_path / "twin", DECREES / "plenum-arabic.txt")
    assert document["clauses"] == twin["clauses"]
    assert document["resolution"] == twin["resolution"]


def _d(iso: str) -> Any:
    from datetime import date

    return date.fromisoformat(iso)
