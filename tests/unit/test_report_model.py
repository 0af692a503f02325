"""The report's model: pure (facts + now → rows), so table tests and properties, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engine.report import chart, wording
from engine.report.facts import (
    ClauseFact,
    EvidenceFact,
    ExtensionFact,
    Facts,
    PersonFact,
    TaskFact,
    evidence_kind,
)
from engine.report.model import (
    PROPOSE_CLOSE,
    PROPOSE_INFO,
    PROPOSE_KEEP,
    build_report,
    shorten,
)
from storage.models import ExtensionState, TaskState

A, B, C = PersonFact("a", "Иванов И.И."), PersonFact("b", "Петрова П.П."), PersonFact("c", "К.")
PEOPLE = {p.id: p for p in (A, B, C)}
DEADLINE = date(2023, 10, 20)


def moscow(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02}:00+03:00").astimezone(UTC)


def task(
    n: int, owner: str, state: TaskState, reported: str | None = None, **more: object
) -> TaskFact:
    values: dict[str, object] = {
        "id": n, "clause": "II.4", "owner": owner, "occurrence": "once", "deadline": DEADLINE,
        "extended_to": None, "state": state,
        "reported_at": moscow(reported) if reported else None, "closed_at": None,
    } | more  # fmt: skip
    return TaskFact(**values)  # type: ignore[arg-type]


def facts(*tasks: TaskFact, clauses: tuple[ClauseFact, ...] | None = None, **more: object) -> Facts:
    return Facts(
        "r", "О мерах", "16-1", date(2023, 10, 5), "Europe/Moscow",
        "Президиум организации", C,
        clauses or (ClauseFact("I", "К сведению.", informational=True),
                    ClauseFact("II.4", "Разработать.")),
        PEOPLE, tasks, **more,  # type: ignore[arg-type]
    )  # fmt: skip


def test_overdue_is_counted_from_the_day_after_the_deadline_in_the_zone() -> None:
    f = facts(task(1, "a", TaskState.OPEN))
    on_the_day = build_report(f, moscow("2023-10-20", 23))
    assert on_the_day.summary.overdue == 0
    assert on_the_day.summary.open == 1
    next_day = build_report(f, moscow("2023-10-21", 0))
    assert next_day.summary.overdue == 1
    assert next_day.tasks[0].days_late == 1


def test_done_on_time_and_late_by_the_owners_report_not_the_acceptance() -> None:
    f = facts(
        task(1, "a", TaskState.DONE, "2023-10-20", closed_at=moscow("2023-10-25")),
        task(2, "b", TaskState.DONE, "2023-10-23"),
    )
    r = build_report(f, moscow("2023-10-30"))
    assert (r.summary.on_time, r.summary.late) == (1, 1)
    assert r.tasks[1].days_late == 3
    assert r.summary.share_done == 100.0
    (ii_4,) = [c for c in r.clauses if c.id == "II.4"]
    assert ii_4.proposal == PROPOSE_CLOSE
    assert "с опозданием на 3 дня" in wording.mark_text(ii_4.marks[1])
    by_person = {d.person.id: (d.on_time, d.late) for d in r.discipline}
    assert by_person == {"a": (1, 0), "b": (0, 1)}


def test_proposals_extension_pending_or_granted_informational() -> None:
    f = facts(
        task(1, "a", TaskState.OPEN),
        task(2, "b", TaskState.OPEN, extended_to=date(2023, 11, 1)),
        extensions=(
            ExtensionFact(1, date(2023, 11, 5), ExtensionState.PENDING),
            ExtensionFact(2, date(2023, 11, 1), ExtensionState.APPROVED),
        ),
    )
    r = build_report(f, moscow("2023-10-25"))
    info, ii_4 = r.clauses
    assert info.proposal == PROPOSE_INFO
    assert info.marks == ()
    assert ii_4.proposal == "продлить срок до 05.11.2023"
    assert r.summary.extensions_granted == 1
    petrova = ii_4.marks[1]
    assert "срок продлён: 20.10.2023 → 01.11.2023" in wording.mark_text(petrova)
    assert "просит продлить до 05.11.2023" in wording.mark_text(ii_4.marks[0])
    # A granted extension that has run out proposes nothing more: keep it under control.
    later = build_report(facts(task(2, "b", TaskState.OPEN, extended_to=date(2023, 11, 1))),
                         moscow("2023-11-10"))  # fmt: skip
    assert later.clauses[1].proposal == PROPOSE_KEEP


def test_a_recurring_clause_is_one_row_with_its_periods() -> None:
    periods = [
        task(n, "a", state, reported, clause="III.3", occurrence=f"2023-{m}-25",
             deadline=date(2023, int(m), 25))
        for n, (m, state, reported) in enumerate(
            [("10", TaskState.DONE, "2023-10-24"), ("11", TaskState.OPEN, None),
             ("12", TaskState.OPEN, None)], start=1)
    ]  # fmt: skip
    clause = ClauseFact("III.3", "Новости.", recurring=True, until=date(2024, 12, 31))
    r = build_report(facts(*periods, clauses=(clause,)), moscow("2023-12-01"))
    (row,) = r.clauses
    (mark,) = row.marks
    assert mark.periods is not None
    assert (mark.periods.total, mark.periods.done, mark.periods.overdue) == (3, 1, 1)
    assert wording.mark_text(mark) == "сдано 1 из 3 отчётов за период; просрочено 1"
    assert wording.deadline_text(row) == "периодически, очередной срок 25.12.2023, до 31.12.2024"
    assert row.proposal == PROPOSE_KEEP


def test_evidence_is_counted_by_kind_and_worded() -> None:
    assert evidence_kind("image/jpeg", None, "x") == "photo"
    assert evidence_kind("text/uri-list", None, None) == "link"
    assert evidence_kind("application/pdf", "a.pdf", "x") == "file"
    assert evidence_kind(None, None, None) == "text"
    assert wording.evidence_text(EvidenceFact(3, 1, 1)) == "3 фото, 1 файл, ссылка"
    assert wording.evidence_text(EvidenceFact(0, 2, 5)) == "2 файла, 5 ссылок"
    assert wording.evidence_text(EvidenceFact()) == ""


def test_heading_names_the_body_in_the_genitive() -> None:
    r = build_report(facts(task(1, "a", TaskState.OPEN)), moscow("2023-10-10"))
    assert wording.heading(r) == (
        "Информация о ходе выполнения постановления Президиума от 5 октября 2023 г. "
        "№ 16-1 «О мерах»"
    )
    assert wording.as_of_line(r) == "по состоянию на 10 октября 2023 г."


def test_chart_draws_png_and_inline_svg_without_pyplot() -> None:
    r = build_report(facts(task(1, "a", TaskState.OPEN)), moscow("2023-10-25"))
    assert chart.png(r.clauses).startswith(b"\x89PNG")
    assert chart.svg(r.clauses).startswith("<svg")
    assert [c.id for c in chart.chart_clauses(r.clauses)] == ["II.4"]


@given(st.text(max_size=600), st.integers(min_value=10, max_value=400))
def test_shorten_never_exceeds_the_limit_and_keeps_short_text(text: str, limit: int) -> None:
    short = shorten(text, limit)
    assert len(short) <= limit
    normal = " ".join(text.split())
    if len(normal) <= limit:
        assert short == normal
    else:
        assert short.endswith("…")
        assert normal.startswith(short[:-1].rstrip(" ,;:.—-")[: len(short) // 2])


STATES = st.sampled_from(list(TaskState))


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b"]), STATES, st.integers(-5, 5)), max_size=30),
    st.integers(0, 40),
)
def test_summary_parts_add_up_to_the_total(
    rows: list[tuple[str, TaskState, int]], day: int
) -> None:
    tasks = [
        task(n, owner, state,
             (DEADLINE + timedelta(days=shift)).isoformat()
             if state in (TaskState.DONE, TaskState.REPORTED) else None,
             occurrence=str(n))
        for n, (owner, state, shift) in enumerate(rows)
    ]  # fmt: skip
    r = build_report(facts(*tasks), moscow("2023-10-01") + timedelta(days=day))
    s = r.summary
    assert s.done + s.reported + s.open + s.overdue + s.cancelled == s.total == len(rows)
    assert s.on_time + s.late == s.done
    assert sum(d.assigned for d in r.discipline) == s.total - s.cancelled
    assert sum(d.overdue for d in r.discipline) == s.overdue
    (ii_4,) = [c for c in r.clauses if c.id == "II.4"]
    assert ii_4.done + ii_4.reported + ii_4.open + ii_4.overdue == s.total - s.cancelled
