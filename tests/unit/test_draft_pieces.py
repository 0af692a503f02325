"""Table tests for the pieces of `resolute draft`: header, deadline phrases, addressee matching
with inflection, Word numbering labels; and a property test that no text makes it raise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.dates_ru import find_dates
from engine.draft.addressees import UNMATCHED, Roster, split_addressee
from engine.draft.compose import draft_decree
from engine.draft.deadlines import read_timing
from engine.draft.header import read_header
from engine.draft.model import DecreeError, Line
from engine.draft.reading import decode_text, text_decree
from engine.draft.word import Level, Numbering
from engine.draft.writer import write_draft
from engine.workflow.schema import Group, Person

ADOPTED = date(2023, 10, 5)


def lines(*texts: str) -> tuple[Line, ...]:
    return tuple(Line(i, t) for i, t in enumerate(texts, start=1))


@pytest.mark.parametrize(
    ("texts", "body", "adopted", "number", "title"),
    [
        (
            ("ПРЕЗИДИУМ", "от 05 октября 2023 года          № 16-1",
             "О выполнении Концепции     информационной", "", "политики."),
            "Президиум", date(2023, 10, 5), "16-1",
            "О выполнении Концепции информационной политики",
        ),
        (
            ("ПЛЕНУМ", "ПОСТАНОВЛЕНИЕ № 5", '"27" сентября 2024 года', "О ходе выполнения"),
            "Пленум", date(2024, 9, 27), "5", "О ходе выполнения",
        ),
        (
            ("ПОСТАНОВЛЕНИЕ ПРЕЗИДИУМА", "14.03.2024  № 12-4", "Об итогах года",
             "Заслушав информацию, Президиум"),
            "Президиум", date(2024, 3, 14), "12-4", "Об итогах года",
        ),
        (
            ("ПРАВЛЕНИЕ", "от 14 марта 2024 г. № 3/1", "О смотре-конкурсе"),
            "Правление", date(2024, 3, 14), "3/1", "О смотре-конкурсе",
        ),
        (("Письмо", "Уважаемые коллеги"), None, None, None, None),
    ],
)  # fmt: skip
def test_header(
    texts: tuple[str, ...],
    body: str | None,
    adopted: date | None,
    number: str | None,
    title: str | None,
) -> None:
    header = read_header(lines(*texts))
    assert (header.body.value if header.body else None) == body
    assert header.adopted == adopted
    assert (header.number.value if header.number else None) == number
    assert (header.title.value if header.title else None) == title


D = "deadline"


@pytest.mark.parametrize(
    ("clause", "own_line", "expected"),
    [
        ("Разработать рекомендации.", "/срок выполнения до 20 октября 2023г.",
         {D: date(2023, 10, 20)}),
        ("Провести.", "Срок: до 1 апреля 2024 года.", {D: date(2024, 4, 1)}),
        ("Провести.", "Срок – до 20 мая 2024 года", {D: date(2024, 5, 20)}),
        ("Сдать отчёт в срок до 15.11.2024.", None, {D: date(2024, 11, 15)}),
        ("Провести до 1 декабря 2024 г.", None, {D: date(2024, 12, 1)}),
        ("Провести в течение 2025 года.", None, {D: date(2025, 12, 31)}),
        ("Провести в IV квартале 2023 года.", None, {D: date(2023, 12, 31)}),
        ("Провести во втором квартале 2024 года.", None, {D: date(2024, 6, 30)}),
        ("Провести до конца квартала.", None, {D: date(2023, 12, 31)}),
        ("Провести до конца года.", None, {D: date(2023, 12, 31)}),
        ("Провести до конца ноября.", None, {D: date(2023, 11, 30)}),
        ("Подготовить в месячный срок.", None, {D: date(2023, 11, 5)}),
        ("Подготовить в двухнедельный срок.", None, {D: date(2023, 10, 19)}),
        ("Подготовить в течение 10 дней.", None, {D: date(2023, 10, 15)}),
        ("Подготовить до 1 марта.", None, {D: date(2024, 3, 1)}),  # before adoption: next year
        ("Подготовить к 15 декабря.", None, {D: date(2023, 12, 15)}),
        ("Отчитываться ежемесячно, до 5 числа.", None, {"every": "monthly", "day": 5}),
        ("Ежеквартально информировать Комитет.", None, {"every": "quarterly"}),
        ("Ежеквартально до 10 числа месяца, следующего за отчётным кварталом, сообщать.", None,
         {"every": "RRULE:FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=10"}),
        ("Еженедельно по пятницам сообщать.", None, {"every": "weekly", "day": 5}),
        ("Ежегодно до 1 февраля представлять отчёт.", None,
         {"every": "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1"}),
        ("Ежемесячно сообщать в течение 2024 года.", None,
         {"every": "monthly", "until": date(2024, 12, 31)}),
        ("Информацию принять к сведению.", None, {"informational": True}),
        ("Информацию от 14.03.2024 принять к сведению.", None, {"informational": True}),
        ("Признать работу комитета удовлетворительной.", None, {"informational": True}),
        ("Способствовать формированию имиджа.", None, {"informational": True}),
        ("Продолжить практику мониторинга.", None,
         {"every": "quarterly", "until": date(2024, 12, 31)}),
        ("Постоянно обеспечивать актуализацию ленты.", "Срок: постоянно",
         {"every": "quarterly"}),
    ],
)  # fmt: skip
def test_deadline_phrases(clause: str, own_line: str | None, expected: dict[str, object]) -> None:
    line = None if own_line is None else Line(2, own_line)
    timing = read_timing(clause, line, Line(1, clause), ADOPTED)
    for key, value in expected.items():
        assert getattr(timing, key) == value, key


def test_guesses_are_marked_and_certain_values_are_not() -> None:
    first = Line(1, "x")
    assert read_timing("Провести до 1 декабря 2024 г.", None, first, ADOPTED).check is None
    assert read_timing("Подготовить до 1 марта.", None, first, ADOPTED).check  # the year
    assert read_timing("Продолжить работу.", None, first, ADOPTED).check  # ongoing: the rule
    late = read_timing("Провести до 1 декабря 2022 г.", None, first, ADOPTED)
    assert late.check is not None
    assert "раньше даты принятия" in late.check


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('0123456789.-/ №«»"гиоктябрямаследуюгод'), max_size=60))
def test_find_dates_never_raises_and_names_only_real_dates(text: str) -> None:
    for mention in find_dates(text):
        assert mention.on(mention.year or 2000) is not None
        assert 0 <= mention.start < mention.end


def test_find_dates_reads_the_usual_forms_and_skips_numbers_and_impossible_dates() -> None:
    found = find_dates('от 05 октября 2023 года № 16-1, "27" сентября, 14.03.2024, 31.02.2024')
    assert [(d.day, d.month, d.year) for d in found] == [
        (5, 10, 2023),
        (27, 9, None),
        (14, 3, 2024),
    ]


ROSTER = Roster(
    [
        Person(id="smagina", name="Смагина Ю.В.", position="Заведующий отделом"),
        Person(id="kuznetsov", name="Кузнецов П.А."),
        Person(id="kuznetsova", name="Кузнецова Е.В."),
        Person(id="orlova", name="Орлова Т.Г."),
        Person(id="vladimirskaya", name="Владимирская Г.Н."),
        Person(id="belousov", name="Белоусов А.П.", position="Заместитель председателя"),
    ],
    [
        Group(id="committee", name="Комитет Межрегиональной организации", members=["smagina"]),
        Group(id="territorial-chairs", name="Председатели территориальных организаций профсоюза",
              members=["orlova"]),
        Group(id="primary-chairs",
              name="Председатели первичных профсоюзных организаций прямого подчинения",
              members=["orlova"]),
        Group(id="youth-councils", name="Молодёжные советы", members=["orlova"]),
    ],
)  # fmt: skip


@pytest.mark.parametrize(
    ("phrase", "ids", "checked"),
    [
        ("Комитету Межрегиональной организации", ["committee"], False),
        ("Комитетом Межрегиональной организации", ["committee"], False),
        ("Председателям территориальных организаций профсоюза", ["territorial-chairs"], False),
        ("Председателям территориальных организаций и первичных профсоюзных организаций "
         "прямого подчинения", ["territorial-chairs", "primary-chairs"], True),
        ("Молодежным советам", ["youth-councils"], False),
        ("Смагину Ю.В.", ["smagina"], False),
        ("Смагиной Ю. В.", ["smagina"], False),
        ("Ю.В. Смагиной", ["smagina"], False),
        ("Орлову Т.Г.", ["orlova"], False),
        ("Кузнецова П.А.", ["kuznetsov"], False),  # genitive of Кузнецов, not Кузнецова Е.В.
        ("Кузнецовой Е.В.", ["kuznetsova"], False),
        ("Г.Н. Владимирской", ["vladimirskaya"], False),
        ("Орловой", ["orlova"], True),  # a surname alone: matched, to be checked
        ("Сидоренко В.В.", [UNMATCHED + "Сидоренко В.В."], True),
        ("Ревизионной комиссии", [UNMATCHED + "Ревизионной комиссии"], True),
    ],
)  # fmt: skip
def test_addressee_matching_with_inflection(phrase: str, ids: list[str], checked: bool) -> None:
    owners = ROSTER.match(phrase)
    assert [o.id for o in owners] == ids
    assert any(o.check for o in owners) == checked


def test_the_controller_by_name_or_by_position() -> None:
    assert ROSTER.person("заведующего отделом Смагину Ю.В.").id == "smagina"
    assert ROSTER.person("заместителя председателя").id == "belousov"
    assert not ROSTER.person("председателя ревизионной комиссии").matched


def test_split_addressee_shares_the_head_noun() -> None:
    assert split_addressee("Председателям территориальных и первичных организаций:") == [
        "Председателям территориальных",
        "Председателям первичных организаций",
    ]


def test_word_labels_follow_levels_restarts_and_overrides() -> None:
    numbering = Numbering(
        abstract_of={"1": "a", "2": "a"},
        levels={"a": {0: Level(fmt="upperRoman", text="%1."), 1: Level(text="%1.%2.")}},
        overrides={"2": {0: 5}},
        counters={},
        started=set(),
    )
    labels = [numbering.label(n, lvl) for n, lvl in
              [("1", 0), ("1", 1), ("1", 1), ("1", 0), ("1", 1), ("2", 0), ("2", 1)]]  # fmt: skip
    assert labels == ["I.", "I.1.", "I.2.", "II.", "II.1.", "V.", "V.1."]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Срок".encode(), "Срок"),
        ("\ufeffСрок".encode(), "Срок"),
        ("Срок\r\nдо".encode("cp1251"), "Срок\nдо"),
        ("Срок".encode("utf-16"), "Срок"),
    ],
)
def test_text_encodings(data: bytes, text: str) -> None:
    assert decode_text(data) == text


WORDS = st.sampled_from(
    ["ПОСТАНОВИЛИ:", "I.", "II.", "1.", "2.1.", "1)", "а)", "Комитету", "Председателям", "и",
     "организаций:", "Срок:", "до", "20", "октября", "2023", "г.", "ежемесячно", "числа",
     "Контроль", "за", "исполнением", "возложить", "на", "Смагину", "Ю.В.", "№", "16-1",
     "принять", "к", "сведению", "в", "IV", "квартале", "месячный", "срок", "31.02.2024", "\n",
     "\n", "\t", ":", "«", "»", '"'],
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=400),
        st.binary(max_size=200),
        st.lists(WORDS | st.text(max_size=8), max_size=80).map(" ".join),
    )
)
def test_draft_never_raises_on_arbitrary_text_and_writes_yaml_that_parses(
    sample: str | bytes,
) -> None:
    data = sample if isinstance(sample, bytes) else sample.encode("utf-8", "replace")
    decree = text_decree("x.txt", data)
    try:
        draft = draft_decree(decree, ROSTER)
    except DecreeError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith("x.txt:")
        return
    written = yaml.safe_load(write_draft(draft))
    assert [c["id"] for c in written["clauses"]] == [c.clause.id for c in draft.clauses]
    for clause, item in zip(written["clauses"], draft.clauses, strict=True):
        assert clause["text"] == item.clause.text


def test_reading_a_file_that_is_not_a_decree(tmp_path: Path) -> None:
    from engine.draft.reading import read_decree

    old_word = tmp_path / "old.doc"
    old_word.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    with pytest.raises(DecreeError, match="старый формат Word"):
        read_decree(old_word)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DecreeError, match="файл Word"):
        read_decree(broken)


def test_a_damaged_or_bomb_word_file_is_refused_with_a_message(tmp_path: Path) -> None:
    """Found in review: lxml's XMLSyntaxError escaped as exit 70; nothing bounded unpacking."""
    import zipfile

    from engine.draft.reading import read_decree
    from engine.errors import ResoluteError

    damaged = tmp_path / "damaged.docx"
    with zipfile.ZipFile(damaged, "w") as package:
        package.writestr("[Content_Types].xml", "<Types")
        package.writestr("word/document.xml", "<w:document")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", "a" * (60 * 2**20))
    for path in (damaged, bomb):
        with pytest.raises(ResoluteError) as refused:
            read_decree(path)
        assert str(refused.value).startswith(f"{path}:1: ")
