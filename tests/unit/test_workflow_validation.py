"""Cross-file checks of workflow files (``load_catalog``), the shipped workflows, and
``resolute validate``. Lines and columns are 1-based; every problem is reported at once."""

from __future__ import annotations

import contextlib
import os
import re
import textwrap
from datetime import date
from pathlib import Path

import pytest

from engine.errors import Problem, WorkflowError
from engine.workflow.catalog import Catalog, load_catalog
from engine.workflow.loader import load_documents
from tests.cli import Completed, resolute

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / "workflows"
PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: .+$")

# Line numbers below are counted in these two texts.
ROSTER = """\
people:
  - id: ivanov
    name: Иванов И.И.
  - id: petrova
    name: Петрова П.П.
groups:
  - id: staff
    members: [ivanov, petrova]
"""

RESOLUTION = """\
resolution:
  id: r1
  title: Тест
  number: "1"
  adopted: 2023-10-05
  controller: ivanov
clauses:
  - id: A
    text: Сделать
    owners: [staff]
    deadline: 2023-10-20
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    return write(tmp_path, "roster.yaml", ROSTER)


def problems_in(*paths: Path) -> list[Problem]:
    """Every problem ``load_catalog`` raises for ``paths`` ([] when they are valid)."""
    error: WorkflowError | None = None
    try:
        load_catalog(paths)
    except WorkflowError as exc:
        error = exc
    if error is None:
        return []
    assert str(error).splitlines() == [str(p) for p in error.problems]
    return error.problems


def only_problem(*paths: Path) -> Problem:
    problems = problems_in(*paths)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def at(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


# --- the shipped workflows -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog([WORKFLOWS])


def test_the_shipped_files_have_no_problems() -> None:
    located, problems = load_documents([WORKFLOWS])
    assert problems == []
    assert sorted(Path(doc.path).name for doc in located) == [
        "presidium-2023-16-1.yaml",
        "roster.yaml",
    ]
    assert problems_in(WORKFLOWS / "roster.yaml", WORKFLOWS / "presidium-2023-16-1.yaml") == []


def test_the_shipped_resolution_is_16_1_controlled_by_smagina(shipped: Catalog) -> None:
    assert [r.id for r in shipped.resolutions] == ["presidium-2023-16-1"]
    meta = shipped.resolutions[0].meta
    assert meta.number == "16-1"
    assert meta.adopted == date(2023, 10, 5)
    assert meta.timezone == "Europe/Moscow"
    assert meta.controller == "smagina"
    assert shipped.people["smagina"].name == "Смагина Ю.В."


def test_clause_ii_4_is_due_on_20_october_and_owned_by_the_committee(shipped: Catalog) -> None:
    clauses = {c.id: c for c in shipped.resolutions[0].clauses}
    ii4 = clauses["II.4"]
    assert ii4.deadline == date(2023, 10, 20)
    assert ii4.rule is None
    assert not ii4.informational
    committee = tuple(shipped.groups["committee"].members)
    assert committee == ("kornilova", "belousov", "smagina", "tikhonova")
    assert ii4.owners == committee
    assert ii4.occurrences(date(2023, 10, 5), date(2024, 12, 31)) == [("once", date(2023, 10, 20))]


def test_the_podolsk_chair_is_among_the_territorial_chairs(shipped: Catalog) -> None:
    assert "vladimirskaya" in shipped.groups["territorial-chairs"].members
    person = shipped.people["vladimirskaya"]
    assert person.name == "Владимирская Г.Н."
    assert person.organisation is not None
    assert "Подольск" in person.organisation


def test_every_clause_of_sections_ii_and_iii_is_present(shipped: Catalog) -> None:
    clauses = {c.id: c for c in shipped.resolutions[0].clauses}
    expected = {"I"} | {f"II.{n}" for n in range(1, 6)} | {f"III.{n}" for n in range(1, 5)}
    assert expected <= set(clauses), sorted(expected - set(clauses))
    assert clauses["I"].informational
    assert clauses["I"].owners == ()
    assert clauses["I"].occurrences(date(2023, 10, 5), date(2024, 12, 31)) == []
    chairs = (
        *shipped.groups["territorial-chairs"].members,
        *shipped.groups["primary-chairs"].members,
    )
    for n in range(1, 5):
        assert clauses[f"III.{n}"].owners == chairs
    for n in range(1, 6):
        assert clauses[f"II.{n}"].owners == tuple(shipped.groups["committee"].members)
    assert clauses["III.3"].rule == "RRULE:FREQ=MONTHLY;BYMONTHDAY=25"
    assert clauses["III.3"].policy.remind == (-3, 0)
    assert clauses["II.4"].policy.remind == (-7, -3, -1, 0)


# --- references between people, groups and clauses -------------------------------------------


def test_the_fixture_files_are_valid(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION)
    assert problems_in(roster, res) == []
    catalog = load_catalog([roster, res])
    assert catalog.resolutions[0].clauses[0].owners == ("ivanov", "petrova")


def test_an_unknown_person_in_a_group(roster: Path, tmp_path: Path) -> None:
    more = write(tmp_path, "more.yaml", "groups:\n  - id: board\n    members: [ivanov, sidorov]\n")
    problem = only_problem(roster, more)
    assert problem.path == str(more)
    assert at(problem) == (3, 23)
    assert problem.message == "неизвестный человек «sidorov»"


def test_a_group_among_group_members_is_named_as_a_group(roster: Path, tmp_path: Path) -> None:
    more = write(tmp_path, "more.yaml", "groups:\n  - id: board\n    members: [staff]\n")
    problem = only_problem(roster, more)
    assert at(problem) == (3, 15)
    assert problem.message == "«staff» — группа, а здесь нужен человек"


def test_an_unknown_owner_is_neither_person_nor_group(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("[staff]", "[staff, nobody]"))
    problem = only_problem(roster, res)
    assert problem.path == str(res)
    assert at(problem) == (10, 21)
    assert "неизвестный исполнитель «nobody»" in problem.message
    assert "ни такого человека, ни такой группы" in problem.message


def test_owners_fan_out_groups_and_keep_the_first_mention(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("[staff]", "[petrova, staff, ivanov]"))
    clause = load_catalog([roster, res]).resolutions[0].clauses[0]
    assert clause.owners == ("petrova", "ivanov")


def test_an_unknown_controller(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("controller: ivanov", "controller: boss"))
    problem = only_problem(roster, res)
    assert at(problem) == (6, 15)
    assert problem.message == "неизвестный человек «boss»"


def test_a_controller_that_names_a_group(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("controller: ivanov", "controller: staff"))
    problem = only_problem(roster, res)
    assert at(problem) == (6, 15)
    assert problem.message == "«staff» — группа, а здесь нужен человек"


WITH_POLICY = RESOLUTION.replace("clauses:\n", "{policy}clauses:\n")


def test_an_escalation_to_an_unknown_recipient(roster: Path, tmp_path: Path) -> None:
    policy = (
        "policy:\n  escalate:\n    - {after: 1d, to: controller}\n    - {after: 3d, to: boss}\n"
    )
    res = write(tmp_path, "r.yaml", WITH_POLICY.format(policy=policy))
    problem = only_problem(roster, res)
    assert at(problem) == (10, 23)
    assert "неизвестный получатель «boss»" in problem.message


def test_an_escalation_to_a_person_or_a_group_is_fine(roster: Path, tmp_path: Path) -> None:
    policy = "policy:\n  escalate:\n    - {after: 1d, to: petrova}\n    - {after: 3d, to: staff}\n"
    res = write(tmp_path, "r.yaml", WITH_POLICY.format(policy=policy))
    assert problems_in(roster, res) == []
    escalate = load_catalog([roster, res]).resolutions[0].clauses[0].policy.escalate
    assert [(e.after, e.to) for e in escalate] == [(1, "petrova"), (3, "staff")]


def test_an_empty_group(roster: Path, tmp_path: Path) -> None:
    more = write(tmp_path, "more.yaml", "groups:\n  - id: board\n    members: []\n")
    problem = only_problem(roster, more)
    assert at(problem) == (3, 14)
    assert problem.message == "в группе «board» нет участников"


def test_a_person_described_in_two_files_is_reported_in_the_second(
    roster: Path, tmp_path: Path
) -> None:
    more = write(
        tmp_path,
        "more.yaml",
        "people:\n  - id: sidorov\n    name: С\n  - id: petrova\n    name: П\n",
    )
    problem = only_problem(roster, more)
    assert problem.path == str(more)
    assert at(problem) == (4, 9)
    assert "человек «petrova»" in problem.message
    assert str(roster) in problem.message  # where the first one is


def test_a_person_described_twice_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "p.yaml", "people:\n  - id: ivanov\n    name: И\n  - id: ivanov\n    name: И2\n"
    )
    problem = only_problem(path)
    assert at(problem) == (4, 9)
    assert "«ivanov» уже описан(а)" in problem.message


def test_a_group_described_twice(roster: Path, tmp_path: Path) -> None:
    more = write(tmp_path, "more.yaml", "groups:\n  - id: staff\n    members: [ivanov]\n")
    problem = only_problem(roster, more)
    assert problem.path == str(more)
    assert at(problem) == (2, 9)
    assert "группа «staff»" in problem.message
    assert str(roster) in problem.message


def test_a_group_id_equal_to_a_person_id(roster: Path, tmp_path: Path) -> None:
    more = write(tmp_path, "more.yaml", "groups:\n  - id: ivanov\n    members: [petrova]\n")
    problem = only_problem(roster, more)
    assert problem.path == str(more)
    assert at(problem) == (2, 9)
    assert problem.message == "«ivanov» уже занят человеком из списка"


def test_a_group_id_equal_to_a_person_id_in_a_later_file(tmp_path: Path) -> None:
    groups = write(tmp_path, "a-groups.yaml", "groups:\n  - id: ivanov\n    members: [petrova]\n")
    write(tmp_path, "b-people.yaml", ROSTER.split("groups:")[0])
    write(tmp_path, "c.yaml", RESOLUTION.replace("[staff]", "[ivanov]"))
    problems = problems_in(tmp_path)
    assert [(p.path, *at(p)) for p in problems] == [(str(groups), 2, 9)], problems
    assert "«ivanov»" in problems[0].message


def test_a_duplicate_clause_id(roster: Path, tmp_path: Path) -> None:
    second = "  - id: A\n    text: Ещё\n    owners: [ivanov]\n    deadline: 2023-10-21\n"
    res = write(tmp_path, "r.yaml", RESOLUTION + second)
    problem = only_problem(roster, res)
    assert at(problem) == (12, 9)
    assert problem.message == "пункт «A» повторяется"


def test_a_resolution_described_in_two_files_is_reported_in_the_second(
    roster: Path, tmp_path: Path
) -> None:
    first = write(tmp_path, "r1.yaml", RESOLUTION)
    second = write(tmp_path, "r2.yaml", RESOLUTION.replace("2023-10-20", "2023-10-30"))
    problem = only_problem(roster, first, second)
    assert problem.path == str(second)
    assert at(problem) == (2, 7)
    assert "постановление «r1» уже описано" in problem.message
    assert str(first) in problem.message


def test_a_deadline_before_adoption(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("2023-10-20", "2023-10-01"))
    problem = only_problem(roster, res)
    assert at(problem) == (11, 15)
    assert problem.message == "срок 01.10.2023 раньше даты принятия 05.10.2023"


@pytest.mark.parametrize(
    ("written", "due"),
    [
        ("+15d", date(2023, 10, 20)),
        ("+0d", date(2023, 10, 5)),
        ("+2w", date(2023, 10, 19)),
        ('"+1d"', date(2023, 10, 6)),
    ],
)
def test_a_relative_deadline_counts_from_adoption(
    roster: Path, tmp_path: Path, written: str, due: date
) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("2023-10-20", written))
    assert problems_in(roster, res) == []
    clause = load_catalog([roster, res]).resolutions[0].clauses[0]
    assert clause.deadline == due


@pytest.mark.parametrize(
    ("policy", "where", "offset"),
    [
        pytest.param("policy: {remind: [-1d, +1d]}\n", (7, 24), "+1d", id="resolution"),
        pytest.param("policy: {remind: [-7d, 2d]}\n", (7, 24), "+2d", id="no-sign"),
    ],
)
def test_a_reminder_after_the_deadline_is_rejected(
    roster: Path, tmp_path: Path, policy: str, where: tuple[int, int], offset: str
) -> None:
    res = write(tmp_path, "r.yaml", WITH_POLICY.format(policy=policy))
    problem = only_problem(roster, res)
    assert at(problem) == where
    assert f"напоминание {offset} после срока" in problem.message
    assert "escalate" in problem.message


def test_a_reminder_after_the_deadline_in_a_clause_policy(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", RESOLUTION + "    policy:\n      remind: [0d, +1d]\n")
    problem = only_problem(roster, res)
    assert at(problem) == (13, 20)  # the offending item, not the list
    assert "напоминание +1d после срока" in problem.message


def test_an_unparsable_rrule(roster: Path, tmp_path: Path) -> None:
    res = write(
        tmp_path,
        "r.yaml",
        RESOLUTION.replace("deadline: 2023-10-20", 'every: "RRULE:FREQ=SOMETIMES;BYDAY=XX"'),
    )
    problem = only_problem(roster, res)
    assert at(problem) == (11, 12)
    assert problem.message.startswith("не удалось разобрать RRULE")


def test_a_valid_rrule_and_the_shorthands_compile(roster: Path, tmp_path: Path) -> None:
    clauses = "".join(
        f"  - id: {cid}\n    text: Т\n    owners: [ivanov]\n    every: {every}\n{extra}"
        for cid, every, extra in [
            ("B", '"RRULE:FREQ=MONTHLY;BYMONTHDAY=25"', ""),
            ("C", "weekly", "    day: 1\n"),
            ("D", "monthly", "    day: 31\n    until: 2024-12-31\n"),
            ("E", "quarterly", ""),
            ("F", "daily", ""),
        ]
    )
    res = write(tmp_path, "r.yaml", RESOLUTION + clauses)
    assert problems_in(roster, res) == []
    rules = {c.id: c.rule for c in load_catalog([roster, res]).resolutions[0].clauses}
    assert rules["B"] == "RRULE:FREQ=MONTHLY;BYMONTHDAY=25"
    assert rules["C"] == "RRULE:FREQ=WEEKLY;BYDAY=MO"
    assert rules["F"] == "RRULE:FREQ=DAILY"


WEEKLY_DAY_8 = RESOLUTION.replace("deadline: 2023-10-20", "every: weekly\n    day: 8")


def test_a_weekly_day_beyond_sunday_is_one_problem_not_an_exception(
    roster: Path, tmp_path: Path
) -> None:
    res = write(tmp_path, "r.yaml", WEEKLY_DAY_8)
    problem = only_problem(roster, res)
    assert problem.path == str(res)
    assert problem.message == "для weekly day — день недели от 1 (пн) до 7 (вс)"


def test_a_weekly_day_beyond_sunday_is_reported_at_the_day(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", WEEKLY_DAY_8)
    problem = only_problem(roster, res)
    assert at(problem) == (12, 10)


def test_until_not_after_adoption(roster: Path, tmp_path: Path) -> None:
    res = write(
        tmp_path,
        "r.yaml",
        RESOLUTION.replace("deadline: 2023-10-20", "every: monthly\n    until: 2023-10-05"),
    )
    problem = only_problem(roster, res)
    assert at(problem) == (12, 12)
    assert "until 05.10.2023 не позже даты принятия" in problem.message


def test_a_resolution_policy_mistake_is_reported_once(roster: Path, tmp_path: Path) -> None:
    policy = "policy:\n  remind: [-1d, 2d]\n  escalate:\n    - {after: 1d, to: boss}\n"
    clause = "  - id: {cid}\n    text: Т\n    owners: [ivanov]\n    deadline: 2023-10-20\n"
    override = "    policy: {remind_at: '10:00'}\n"
    text = WITH_POLICY.format(policy=policy)
    text += clause.format(cid="B") + override + clause.format(cid="C") + override
    res = write(tmp_path, "r.yaml", text)
    problems = problems_in(roster, res)
    # `2d` in `remind: [-1d, 2d]` and `boss`, once each: not again at clauses B and C.
    assert [at(p) for p in problems] == [(8, 17), (10, 23)], "\n".join(map(str, problems))
    assert "напоминание +2d после срока" in problems[0].message
    assert "неизвестный получатель «boss»" in problems[1].message


def test_one_typo_in_the_roster_is_one_problem(tmp_path: Path) -> None:
    text = (WORKFLOWS / "roster.yaml").read_text(encoding="utf-8")
    typo = text.replace("    email: kornilova@", "    emial: kornilova@", 1)
    assert typo != text
    roster = tmp_path / "roster.yaml"
    roster.write_text(typo, encoding="utf-8")
    res = tmp_path / "presidium-2023-16-1.yaml"
    res.write_text((WORKFLOWS / res.name).read_text(encoding="utf-8"), encoding="utf-8")
    problems = problems_in(tmp_path)
    assert [(Path(p.path).name, p.message) for p in problems] == [
        ("roster.yaml", "неизвестный ключ «emial»")
    ], "\n".join(map(str, problems))


# --- all at once -----------------------------------------------------------------------------

MANY = """\
resolution:
  id: r1
  title: Тест
  number: "1"
  adopted: 2023-10-05
  controller: boss
policy:
  remind: [-1d, +1d]
clauses:
  - id: A
    text: Сделать
    owners: [staff, nobody]
    deadline: 2023-10-01
  - id: A
    text: Повторить
    owners: [ivanov]
    every: "RRULE:FREQ=NEVER"
"""


def test_every_reference_problem_is_reported_at_once_sorted(roster: Path, tmp_path: Path) -> None:
    res = write(tmp_path, "r.yaml", MANY)
    problems = problems_in(roster, res)
    expected = [
        (6, 15, "неизвестный человек «boss»"),
        (8, 17, "напоминание +1d после срока"),
        (12, 21, "неизвестный исполнитель «nobody»"),
        (13, 15, "срок 01.10.2023 раньше даты принятия"),
        (14, 9, "пункт «A» повторяется"),
        (17, 12, "не удалось разобрать RRULE"),
    ]
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    for problem, (line, column, fragment) in zip(problems, expected, strict=True):
        assert problem.path == str(res)
        assert at(problem) == (line, column)
        assert fragment in problem.message


def test_schema_problems_come_first_and_reference_problems_after_they_are_fixed(
    roster: Path, tmp_path: Path
) -> None:
    """A schema problem in any file stops the run before the cross-file reference checks."""
    bad_people = write(tmp_path, "zz-people.yaml", "people:\n  - id: Sidorov\n    name: С\n")
    res = write(tmp_path, "r.yaml", RESOLUTION.replace("controller: ivanov", "controller: boss"))
    problems = problems_in(roster, res, bad_people)
    assert [(Path(p.path).name, p.line, p.column) for p in problems] == [
        ("zz-people.yaml", 2, 9),
    ]
    assert "'Sidorov'" in problems[0].message
    write(tmp_path, "zz-people.yaml", "people:\n  - id: sidorov\n    name: С\n")
    problems = problems_in(roster, res, bad_people)
    assert [(Path(p.path).name, p.line, p.column) for p in problems] == [("r.yaml", 6, 15)]
    assert problems[0].message.startswith("неизвестный человек «boss»")


# --- resolute validate -----------------------------------------------------------------------


def run_validate(*paths: Path) -> Completed:
    """``resolute validate PATHS`` from the repository's root, in this process (tests/cli.py;
    the exit codes of the installed entry point: tests/acceptance/test_founding_resolution.py)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("RESOLUTE_DEBUG", None)
    with contextlib.chdir(REPO):
        return resolute(env, "validate", *map(str, paths), expect=None)


def problem_lines(stderr: str) -> list[str]:
    """The problem lines, after checking the one summary line that closes them."""
    lines = stderr.splitlines()
    assert lines, "nothing on stderr"
    assert re.fullmatch(r"Найдено ошибок: \d+\.", lines[-1]), lines[-1]
    for line in lines[:-1]:
        assert PROBLEM_LINE.match(line), line
    assert lines[-1] == f"Найдено ошибок: {len(lines) - 1}."
    return lines[:-1]


def test_validate_the_shipped_workflows_exits_0() -> None:
    result = run_validate(WORKFLOWS)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == ("Ошибок нет: людей 16, групп 4, постановлений 1, пунктов 10.")


def test_validate_reports_every_problem_as_file_line_col_and_exits_1(
    roster: Path, tmp_path: Path
) -> None:
    res = write(tmp_path, "r.yaml", MANY)
    typo = write(tmp_path, "typo.yaml", "people:\n  - id: sidorov\n    name: С\n    emial: x\n")
    # First the schema problem alone: the reference checks wait until every file passes it.
    result = run_validate(roster, res, typo)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    assert problem_lines(result.stderr) == [f"{typo}:4:5: неизвестный ключ «emial»"]
    # The typo fixed, every reference problem at once.
    write(
        tmp_path, "typo.yaml", "people:\n  - id: sidorov\n    name: С\n    email: x@example.org\n"
    )
    result = run_validate(roster, res, typo)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    lines = problem_lines(result.stderr)
    assert len(lines) == 6
    assert lines[0] == f"{res}:6:15: неизвестный человек «boss»"
    assert lines[-1].startswith(f"{res}:17:12: не удалось разобрать RRULE")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("missing.yaml", None, ":1:1: файл или папка не найдены", id="missing-path"),
        pytest.param("empty", "", ":1:1: в папке нет файлов *.yaml", id="empty-folder"),
        pytest.param(
            "x.yaml",
            "people: Пётр\n".encode("cp1251"),
            ":1:1: не удалось прочитать файл",
            id="not-utf8",
        ),
        pytest.param("x.yaml", b"people: [\n", ":2:1: некорректный YAML", id="bad-yaml"),
        pytest.param("x.yaml", b"# c\n- a\n", ":2:1: ожидается словарь", id="list"),
    ],
)
def test_validate_bad_input_is_one_line_and_exit_1(
    tmp_path: Path, name: str, content: bytes | str | None, expected: str
) -> None:
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    elif content is not None:
        target.mkdir()
    result = run_validate(target)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{target}{expected}"), line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "people:\n  - id: a\n    name: A\n    timezone: Europe\n",
            r":4:15: неизвестный часовой пояс 'Europe'",
            id="tz-region",
        ),
        pytest.param(
            ROSTER + WEEKLY_DAY_8,
            r":\d+:\d+: для weekly day — день недели от 1 \(пн\) до 7 \(вс\)",
            id="weekly-day-8",
        ),
        pytest.param(
            "people:\n  - id: a\x00\n",
            r":2:10: некорректный YAML: недопустимый символ .+",
            id="nul-byte",
        ),
    ],
)
def test_validate_never_prints_a_traceback(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_validate(path)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    [line] = problem_lines(result.stderr)
    assert re.fullmatch(re.escape(str(path)) + expected, line), line


def test_one_max_account_for_two_people_is_named_at_the_second(tmp_path: Path) -> None:
    people = write(
        tmp_path,
        "people.yaml",
        """\
        people:
          - {id: ivanov, name: Иванов, max: 7001, channels: [max, email]}
          - {id: petrova, name: Петрова, max: 7001}
        """,
    )
    problem = only_problem(people)
    assert at(problem)[0] == 3
    assert problem.message == "этот MAX уже указан у «ivanov»: у каждого человека свой"


def test_a_max_id_is_a_positive_user_id(tmp_path: Path) -> None:
    people = write(tmp_path, "people.yaml", "people:\n  - {id: ivanov, name: И, max: -5}\n")
    problem = only_problem(people)
    assert (at(problem), problem.message) == ((2, 32), "значение должно быть не меньше 1")
