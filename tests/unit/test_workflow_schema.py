"""Per-file checks of workflow YAML: syntax, keys and value types, reported as file:line:col.

Everything here goes through ``engine.workflow.loader.load_documents`` only (no cross-file
reference checks: those are in test_workflow_validation.py). Lines and columns are 1-based.
"""

from __future__ import annotations

import textwrap
from datetime import date, time
from pathlib import Path

import pytest

from engine.errors import Problem
from engine.workflow.loader import Located, load_documents


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(*paths: Path) -> tuple[list[Located], list[Problem]]:
    located, problems = load_documents(paths)
    return located, sorted(problems)


def only_problem(path: Path) -> Problem:
    """The single problem reported for ``path`` (fails with all of them listed otherwise)."""
    located, problems = load(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert located == []
    assert problems[0].path == str(path)
    return problems[0]


def at(problem: Problem) -> tuple[int, int]:
    return problem.line, problem.column


# --- a valid document, for contrast ----------------------------------------------------------


def test_a_valid_roster_and_resolution_parse_without_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ok.yaml",
        """\
        people:
          - id: ivanov
            name: Иванов И.И.
            email: ivanov@example.org
            telegram: 12345
            timezone: Asia/Yekaterinburg
            quiet_hours: "22:00-08:00"
            channels: [email, telegram]
        groups:
          - id: staff
            members: [ivanov]
        resolution:
          id: r1
          title: Тест
          number: 16-1
          adopted: 2023-10-05
          controller: ivanov
        policy:
          remind: [-2w, -1d, 0d]
          remind_at: "08:30"
          escalate:
            - {after: 1d, to: controller, every: 7d}
        clauses:
          - id: II.4
            text: Сделать
            owners: [staff]
            deadline: 2023-10-20
          - id: III.3
            text: Присылать новости
            owners: [ivanov]
            every: monthly
            day: 25
            until: 2024-12-31
          - id: I
            text: Принять к сведению
            informational: true
        """,
    )
    located, problems = load(path)
    assert problems == []
    assert len(located) == 1
    doc = located[0].document
    assert doc.people[0].quiet_hours == (time(22, 0), time(8, 0))
    assert doc.policy is not None
    assert doc.policy.remind == [-14, -1, 0]
    assert doc.policy.remind_at == time(8, 30)
    assert doc.resolution is not None
    assert doc.resolution.number == "16-1"
    assert doc.resolution.timezone == "Europe/Moscow"  # the default
    assert doc.clauses is not None
    assert doc.clauses[0].deadline == date(2023, 10, 20)
    assert doc.clauses[2].informational is True


# --- malformed YAML --------------------------------------------------------------------------


def test_bad_indentation_is_one_problem_at_the_offending_colon(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        people:
          - id: ivanov
             name: Иванов
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (3, 10)
    assert problem.message.startswith("некорректный YAML")
    assert "mapping values are not allowed" in problem.message


def test_tab_indentation_is_one_problem_at_the_tab(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("people:\n\t- id: ivanov\n\t  name: Иванов\n", encoding="utf-8")
    problem = only_problem(path)
    assert at(problem) == (2, 1)
    assert problem.message.startswith("некорректный YAML")
    assert "'\\t'" in problem.message


@pytest.mark.parametrize(
    ("text", "what"),
    [
        pytest.param(
            'people:\n  - id: ivanov\n    name: "Иванов\n  - id: petrova\n    name: Петрова\n',
            "end of stream",
            id="unclosed-quote",
        ),
        pytest.param(
            "groups:\n  - id: staff\n    members: [ivanov, petrova\n",
            "']'",
            id="unclosed-bracket",
        ),
    ],
)
def test_unclosed_quote_or_bracket_is_one_problem_not_an_exception(
    tmp_path: Path, text: str, what: str
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    problem = only_problem(path)
    assert problem.message.startswith("некорректный YAML")
    assert what in problem.message
    assert problem.line >= 3  # not before the line where the quote/bracket opens


@pytest.mark.parametrize(
    ("text", "opening", "context"),
    [
        pytest.param(
            'people:\n  - id: ivanov\n    name: "Иванов\n  - id: petrova\n    name: Петрова\n',
            (3, 11),
            "while scanning a quoted scalar: found unexpected end of stream",
            id="unclosed-quote",
        ),
        pytest.param(
            "groups:\n  - id: staff\n    members: [ivanov, petrova\n",
            (3, 14),
            "while parsing a flow sequence: expected ',' or ']'",
            id="unclosed-bracket",
        ),
    ],
)
def test_unclosed_quote_or_bracket_is_reported_where_it_opens(
    tmp_path: Path, text: str, opening: tuple[int, int], context: str
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    problem = only_problem(path)
    assert at(problem) == opening
    assert problem.message.startswith(f"некорректный YAML: {context}")
    assert problem.message.endswith(" — файл закончился, а конструкция не закрыта")


def test_a_syntax_error_in_a_later_document_keeps_the_earlier_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        people:
          - id: ivanov
            name: Иванов
        ---
        people: [
        """,
    )
    located, problems = load(path)
    assert [p.id for doc in located for p in doc.document.people] == ["ivanov"]
    assert len(problems) == 1
    assert at(problems[0]) == (6, 1)
    assert problems[0].message.startswith("некорректный YAML")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"], ids=["nul", "bell", "escape"])
def test_a_control_character_is_a_problem_not_an_exception(tmp_path: Path, char: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(f"people:\n  - id: a{char}\n    name: x\n", encoding="utf-8")
    problem = only_problem(path)
    assert at(problem) == (2, 10)
    assert problem.message.startswith("некорректный YAML: недопустимый символ")


def test_an_unknown_tag_is_a_problem_not_code_execution(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "people: !!python/object/apply:os.system [echo hi]\n")
    problem = only_problem(path)
    assert at(problem) == (1, 9)
    assert "некорректный YAML" in problem.message
    assert "constructor" in problem.message


# --- duplicate keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "first_line"),
    [
        pytest.param(
            "people:\n  - id: ivanov\n    name: Иванов\n    name: Петров\n",
            (4, 5),
            3,
            id="block-mapping",
        ),
        pytest.param(
            "people:\n  - id: ivanov\n    name: Иванов\ngroups: []\npeople: []\n",
            (5, 1),
            1,
            id="top-level",
        ),
        pytest.param(
            "people:\n  - {id: ivanov, name: Иванов, id: petrov}\n",
            (2, 32),
            2,
            id="flow-mapping",
        ),
    ],
)
def test_a_duplicate_key_is_reported_at_the_second_occurrence(
    tmp_path: Path, text: str, where: tuple[int, int], first_line: int
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    problem = only_problem(path)
    assert at(problem) == where
    assert "повторяется" in problem.message
    assert f"строку {first_line}" in problem.message


# --- unknown and missing keys ----------------------------------------------------------------


def test_a_misspelt_key_is_reported_at_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        people:
          - id: ivanov
            name: Иванов
            emial: ivanov@example.org
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (4, 5)
    assert problem.message == "неизвестный ключ «emial»"


def test_an_unknown_top_level_key_is_reported_at_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "people: []\npeple:\n  - id: ivanov\n")
    problem = only_problem(path)
    assert at(problem) == (2, 1)
    assert "«peple»" in problem.message


def test_a_missing_required_key_is_reported_at_the_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        people:
          - id: ivanov
            name: Иванов
          - id: petrov
            position: Председатель
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (4, 5)
    assert problem.message == "не хватает обязательного ключа «name»"


def test_a_group_without_members_key_is_reported_at_the_group(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "groups:\n  - id: staff\n    name: Штат\n")
    problem = only_problem(path)
    assert at(problem) == (2, 5)
    assert "«members»" in problem.message


def test_the_schema_key_is_allowed_for_editors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        "$schema: ../schema/resolute.schema.json\npeople:\n  - id: ivanov\n    name: И\n",
    )
    located, problems = load(path)
    assert problems == []
    assert located[0].document.schema_ == "../schema/resolute.schema.json"


# --- value types -----------------------------------------------------------------------------

RESOLUTION_HEAD = """\
resolution:
  id: r1
  title: Тест
  number: "1"
  adopted: 2023-10-05
  controller: ivanov
"""


CLAUSE_A = "clauses:\n  - id: A\n    text: С\n    owners: [ivanov]\n    deadline: 2023-10-20\n"


def clause_file(tmp_path: Path, clause: str, *, head: str = RESOLUTION_HEAD) -> Path:
    """A resolution whose only clause starts on line 8 (``  - id: A``, its mapping at 8:5)."""
    text = head + "clauses:\n" + textwrap.indent(textwrap.dedent(clause), "  ")
    return write(tmp_path, "r.yaml", text)


def test_an_impossible_date_is_reported_at_the_value(tmp_path: Path) -> None:
    path = clause_file(
        tmp_path,
        """\
        - id: A
          text: Сделать
          owners: [ivanov]
          deadline: 2023-13-40
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (11, 15)
    assert "ожидается дата вида 2023-10-20" in problem.message
    assert "'2023-13-40'" in problem.message


def test_an_impossible_adoption_date_is_reported_at_the_value(tmp_path: Path) -> None:
    head = RESOLUTION_HEAD.replace("2023-10-05", "2023-02-30")
    path = clause_file(
        tmp_path,
        "- id: A\n  text: Сделать\n  owners: [ivanov]\n  deadline: 2023-10-20\n",
        head=head,
    )
    problem = only_problem(path)
    assert at(problem) == (5, 12)
    assert "ожидается дата" in problem.message


def test_a_quoted_deadline_date_is_accepted_like_a_quoted_adoption_date(tmp_path: Path) -> None:
    head = RESOLUTION_HEAD.replace("2023-10-05", '"2023-10-05"')
    path = clause_file(
        tmp_path,
        '- id: A\n  text: Сделать\n  owners: [ivanov]\n  deadline: "2023-10-20"\n',
        head=head,
    )
    located, problems = load(path)
    assert problems == []
    assert located[0].document.clauses is not None
    assert located[0].document.clauses[0].deadline == date(2023, 10, 20)


def test_a_duration_that_is_not_one_is_reported_at_the_list_item(tmp_path: Path) -> None:
    path = clause_file(
        tmp_path,
        """\
        - id: A
          text: Сделать
          owners: [ivanov]
          deadline: 2023-10-20
          policy:
            remind: [-7d, soon]
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (13, 21)
    assert "ожидается срок вида -7d" in problem.message
    assert "'soon'" in problem.message


def test_an_unquoted_time_read_as_sexagesimal_gets_the_hint_about_quotes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        RESOLUTION_HEAD + "policy:\n  remind_at: 9:00\n" + CLAUSE_A,
    )
    problem = only_problem(path)
    assert at(problem) == (8, 14)
    assert "в кавычках" in problem.message
    assert '"09:00"' in problem.message
    assert "540" in problem.message  # what YAML 1.1 made of 9:00


def test_an_unquoted_zero_padded_time_is_a_string_and_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        RESOLUTION_HEAD + "policy:\n  remind_at: 09:00\n" + CLAUSE_A,
    )
    located, problems = load(path)
    assert problems == []
    policy = located[0].document.policy
    assert policy is not None
    assert policy.remind_at == time(9, 0)


def test_an_out_of_range_quiet_hour_is_reported_at_the_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        'people:\n  - id: ivanov\n    name: И\n    quiet_hours: "25:00-09:00"\n',
    )
    problem = only_problem(path)
    assert at(problem) == (4, 18)
    assert "'25:00'" in problem.message


def test_an_unknown_time_zone_is_reported_at_the_value(tmp_path: Path) -> None:
    head = RESOLUTION_HEAD.replace("  controller:", "  timezone: Mars/Olympus_Mons\n  controller:")
    path = clause_file(
        tmp_path,
        "- id: A\n  text: Сделать\n  owners: [ivanov]\n  deadline: 2023-10-20\n",
        head=head,
    )
    problem = only_problem(path)
    assert at(problem) == (6, 13)
    assert problem.message == "неизвестный часовой пояс 'Mars/Olympus_Mons'"


@pytest.mark.parametrize(
    "zone", ["Europe", "America", "x" * 300], ids=["Europe", "America", "long"]
)
def test_a_time_zone_region_without_a_city_is_a_problem_not_an_exception(
    tmp_path: Path, zone: str
) -> None:
    path = write(
        tmp_path, "f.yaml", f"people:\n  - id: ivanov\n    name: И\n    timezone: {zone}\n"
    )
    problem = only_problem(path)
    assert at(problem) == (4, 15)
    assert problem.message == f"неизвестный часовой пояс {zone!r}"


def test_a_capitalised_identifier_is_reported_with_the_identifier_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "people:\n  - id: Petrov\n    name: Петров\n")
    problem = only_problem(path)
    assert at(problem) == (2, 9)
    assert "'Petrov'" in problem.message
    assert "строчные латинские буквы" in problem.message


def test_a_bad_identifier_among_group_members_is_reported_at_the_member(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "groups:\n  - id: staff\n    members: [ivanov, Petrov]\n")
    problem = only_problem(path)
    assert at(problem) == (3, 23)
    assert "'Petrov'" in problem.message


def test_a_bad_email_is_reported_with_the_email_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "people:\n  - id: ivanov\n    name: И\n    email: ivanov\n")
    problem = only_problem(path)
    assert at(problem) == (4, 12)
    assert "адрес электронной почты" in problem.message


def test_a_list_where_a_scalar_list_is_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "groups:\n  - id: staff\n    members: ivanov\n")
    problem = only_problem(path)
    assert at(problem) == (3, 14)
    assert problem.message == "ожидается список"


def test_an_unknown_channel_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "people:\n  - id: ivanov\n    name: И\n    channels: [sms]\n")
    problem = only_problem(path)
    assert at(problem) == (4, 16)
    assert "'sms'" in problem.message
    assert "telegram, max, email" in problem.message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(
            RESOLUTION_HEAD.replace("2023-10-05", '"2023-10-05 10:00"')
            + "clauses:\n  - id: A\n    text: С\n    owners: [ivanov]\n    deadline: 2023-10-20\n",
            (5, 12),
            id="adopted-with-time",
        ),
        pytest.param(
            "people:\n  - id: ivanov\n    name: И\n    telegram: 1.5\n", (4, 15), id="float-chat-id"
        ),
        pytest.param(
            "people:\n  - id: ivanov\n    name: И\n    1: x\n",
            (4, 5),
            id="number-key",
        ),
    ],
)
def test_every_message_is_in_russian(tmp_path: Path, text: str, where: tuple[int, int]) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    problem = only_problem(path)
    assert any("а" <= ch <= "я" for ch in problem.message.lower()), problem.message
    assert at(problem) == where


def test_every_yearly_is_not_a_frequency(tmp_path: Path) -> None:
    path = clause_file(
        tmp_path,
        """\
        - id: A
          text: Сделать
          owners: [ivanov]
          every: yearly
        """,
    )
    problem = only_problem(path)
    assert at(problem) == (11, 12)
    assert "daily, weekly, monthly, quarterly" in problem.message
    assert "'yearly'" in problem.message


def test_a_day_of_month_beyond_31_is_reported_at_the_value(tmp_path: Path) -> None:
    path = clause_file(
        tmp_path,
        "- id: A\n  text: С\n  owners: [ivanov]\n  every: monthly\n  day: 32\n",
    )
    problem = only_problem(path)
    assert at(problem) == (12, 10)
    assert problem.message == "значение должно быть не больше 31"


def test_a_negative_escalation_delay_is_reported_at_the_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        RESOLUTION_HEAD
        + "policy:\n  escalate:\n    - {after: -1d, to: controller}\n"
        + "clauses:\n  - id: A\n    text: С\n    owners: [ivanov]\n    deadline: 2023-10-20\n",
    )
    problem = only_problem(path)
    assert at(problem) == (9, 15)
    assert problem.message == "after — дни после срока: 0d или больше"


@pytest.mark.parametrize(
    "timing",
    [
        pytest.param("  deadline: 2023-10-20\n  every: monthly\n", id="deadline-and-every"),
        pytest.param("  deadline: 2023-10-20\n  informational: true\n", id="deadline-and-info"),
        pytest.param("", id="neither"),
    ],
)
def test_a_clause_needs_exactly_one_timing(tmp_path: Path, timing: str) -> None:
    path = clause_file(tmp_path, "- id: A\n  text: Сделать\n  owners: [ivanov]\n" + timing)
    problem = only_problem(path)
    assert at(problem) == (8, 5)
    assert "ровно одно из: deadline" in problem.message


@pytest.mark.parametrize(
    "owners", [pytest.param("", id="absent"), pytest.param("  owners: []\n", id="empty")]
)
def test_a_clause_with_no_owners(tmp_path: Path, owners: str) -> None:
    path = clause_file(tmp_path, "- id: A\n  text: Сделать\n" + owners + "  deadline: 2023-10-20\n")
    problem = only_problem(path)
    assert at(problem) == (8, 5)
    assert "нет исполнителей (owners)" in problem.message


def test_an_informational_clause_needs_no_owners(tmp_path: Path) -> None:
    path = clause_file(tmp_path, "- id: I\n  text: К сведению\n  informational: true\n")
    located, problems = load(path)
    assert problems == []
    assert len(located) == 1


@pytest.mark.parametrize(
    "extra",
    [pytest.param("  day: 25\n", id="day"), pytest.param("  until: 2024-12-31\n", id="until")],
)
def test_day_and_until_need_every(tmp_path: Path, extra: str) -> None:
    path = clause_file(
        tmp_path, "- id: A\n  text: Сделать\n  owners: [ivanov]\n  deadline: 2023-10-20\n" + extra
    )
    problem = only_problem(path)
    assert at(problem) == (8, 5)
    assert "day и until имеют смысл только вместе с every" in problem.message


def test_a_clause_id_must_be_a_string(tmp_path: Path) -> None:
    path = clause_file(tmp_path, "- id: 1\n  text: С\n  owners: [ivanov]\n  deadline: 2023-10-20\n")
    problem = only_problem(path)
    assert at(problem) == (8, 9)
    assert problem.message == "ожидается строка"


def test_policy_without_a_resolution_is_reported_at_the_document(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "# roster\npeople: []\npolicy:\n  remind: [-1d]\n")
    problem = only_problem(path)
    assert at(problem) == (2, 1)
    assert "только вместе с resolution" in problem.message


def test_a_resolution_without_clauses(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", RESOLUTION_HEAD)
    problem = only_problem(path)
    assert at(problem) == (1, 1)
    assert "нет пунктов (clauses)" in problem.message


# --- several problems at once ----------------------------------------------------------------


def test_every_problem_in_a_file_is_reported_sorted_by_position(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        groups:
          - id: staff
            members: ivanov
        people:
          - id: Petrov
            name: Петров
            emial: p@example.org
          - id: ivanov
            position: Председатель
          - id: sidorov
            name: Сидоров
            telegram: "@sidorov"
        """,
    )
    located, problems = load(path)
    assert located == []
    found = [(p.line, p.column, p.message) for p in problems]
    expected = [
        (3, 14, "ожидается список"),
        (5, 9, "недопустимое значение 'Petrov'"),
        (7, 5, "неизвестный ключ «emial»"),
        (8, 5, "не хватает обязательного ключа «name»"),
        (12, 15, "ожидается целое число"),
    ]
    assert len(found) == len(expected), "\n".join(map(str, problems))
    for (line, column, message), (want_line, want_column, fragment) in zip(
        found, expected, strict=True
    ):
        assert (line, column) == (want_line, want_column)
        assert fragment in message


def test_every_document_of_a_multi_document_file_is_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.yaml",
        """\
        people:
          - id: ivanov
            name: И
        ---
        people:
          - id: petrov
            nme: П
        ---
        groups:
          - id: staff
            members: [ivanov, petrov]
        """,
    )
    located, problems = load(path)
    assert len(located) == 2
    assert [(p.line, p.column, p.message) for p in problems] == [
        (6, 5, "не хватает обязательного ключа «name»"),
        (7, 5, "неизвестный ключ «nme»"),
    ]


# --- files and folders -----------------------------------------------------------------------


def test_a_folder_is_searched_recursively_for_yaml_and_yml(tmp_path: Path) -> None:
    roster = write(tmp_path, "wf/roster.yml", "people:\n  - id: ivanov\n    name: И\n")
    groups = write(tmp_path, "wf/more/deeper/groups.yaml", "groups: []\n")
    write(tmp_path, "wf/more/notes.txt", "not: [yaml\n")
    write(tmp_path, "wf/more/README.md", "# not yaml: [\n")
    write(tmp_path, "wf/more/roster.yaml.bak", "people: [\n")
    located, problems = load(tmp_path / "wf")
    assert problems == []
    assert sorted(doc.path for doc in located) == sorted([str(roster), str(groups)])


def test_files_and_folders_may_be_mixed(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", "people:\n  - id: ivanov\n    name: И\n")
    two = write(tmp_path, "dir/two.yaml", "people:\n  - id: petrov\n    name: П\n")
    located, problems = load(one, tmp_path / "dir")
    assert problems == []
    assert [doc.path for doc in located] == [str(one), str(two)]


def test_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    located, problems = load(missing)
    assert located == []
    assert problems == [Problem(str(missing), 1, 1, "файл или папка не найдены")]


@pytest.mark.parametrize("content", [None, "notes.txt"], ids=["empty", "no-yaml-inside"])
def test_a_folder_without_yaml_is_a_problem(tmp_path: Path, content: str | None) -> None:
    folder = tmp_path / "wf"
    folder.mkdir()
    if content:
        (folder / content).write_text("people: []\n", encoding="utf-8")
    located, problems = load(folder)
    assert located == []
    assert len(problems) == 1
    assert (problems[0].path, *at(problems[0])) == (str(folder), 1, 1)
    assert "нет файлов *.yaml" in problems[0].message


def test_a_non_utf8_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.yaml"
    path.write_bytes("people:\n  - id: petrov\n    name: Петров\n".encode("cp1251"))
    problem = only_problem(path)
    assert at(problem) == (1, 1)
    assert "не удалось прочитать файл" in problem.message


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffpeople:\n  - id: ivanov\n    name: И\n".encode())
    located, problems = load(path)
    assert problems == []
    assert located[0].document.people[0].id == "ivanov"


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# only a comment\n", "---\n", "---\n...\n"], ids=repr
)
def test_an_empty_file_has_no_documents_and_no_problems(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    assert load(path) == ([], [])


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("- id: ivanov\n- id: petrov\n", (1, 1), id="list"),
        pytest.param("# a comment\n\njust text\n", (3, 1), id="scalar"),
        pytest.param("people: []\n---\n- a\n", (3, 1), id="second-document"),
    ],
)
def test_a_top_level_that_is_not_a_mapping_is_a_problem(
    tmp_path: Path, text: str, where: tuple[int, int]
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load(path)
    assert len(problems) == 1
    assert at(problems[0]) == where
    assert "ожидается словарь" in problems[0].message
