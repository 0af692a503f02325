"""Property-based: whatever bytes a workflow file holds, loading it gives documents or
``file:line:col`` problems — never an exception, a traceback or exit 70 — in bounded time; and
what passes validation is something the timing arithmetic can compute with."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.errors import WorkflowError
from engine.timing.escalation import Step
from engine.timing.reminders import ReminderRules, reminder_slots
from engine.workflow.catalog import Catalog, load_catalog
from engine.workflow.loader import load_documents

VALID = """\
people:
  - id: ivanov
    name: Иванов И.И.
    email: ivanov@example.org
    telegram: 111
    quiet_hours: "22:00-08:00"
groups:
  - id: staff
    members: [ivanov]
---
resolution:
  id: r1
  title: Тест
  number: "1"
  adopted: 2023-10-05
  controller: ivanov
policy:
  remind: [-7d, -1d, 0d]
  escalate: [{after: 1d, to: controller, every: 3d}]
clauses:
  - id: A
    text: Сделать
    owners: [staff]
    deadline: 2023-10-20
  - id: B
    text: Каждый месяц
    owners: [ivanov]
    every: monthly
    day: 25
    until: 2024-10-05
"""

# Characters that change YAML's structure, and some that change its meaning.
YAML_ALPHABET = st.sampled_from(
    [
        *"-:[]{},&*!|>'\"%@`#?\n \t0123456789dwe+.",
        "&a ", "*a", "<<: ", "!!int ", "!!binary ", "!!set ", "!!bool ", "~", "\\n", "\x00",
        "\u2028", "9" * 40,
    ]
)  # fmt: skip
FIELD_KEYS = st.sampled_from(
    [
        "people", "groups", "resolution", "policy", "clauses", "id", "name", "members", "title",
        "number", "adopted", "controller", "timezone", "text", "owners", "deadline", "every",
        "day", "until", "remind", "escalate", "after", "to", "telegram", "email", "channels",
        "quiet_hours", "remind_at", "digest_at", "acceptance", "working_days", "informational",
    ]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["-7d", "+3000000d", "9999w", "2023-10-20", "9999-12-31", "RRULE:FREQ=DAILY",
                     "RRULE:COUNT=0", "09:00", "25:99", "controller", "ivanov", "staff"]),
    st.dates(),
)  # fmt: skip
DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(FIELD_KEYS, children, max_size=5)
    ),
    max_leaves=30,
)
FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load(tmp_path: Path, text: str) -> Catalog | None:
    """Load ``text`` as a workflow file; a catalog, or None when it was refused with problems.
    Anything else (an exception other than WorkflowError) fails the property."""
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.perf_counter()
    _, problems = load_documents([path])
    for problem in problems:
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.message
    try:
        catalog = load_catalog([path])
    except WorkflowError as exc:
        catalog = None
        problems = exc.problems
    assert catalog is not None or problems
    assert time.perf_counter() - started < 5.0
    return catalog


def exercise(catalog: Catalog) -> None:
    """What apply and tick compute from a clause: its occurrences, reminders and escalations."""
    for resolution in catalog.resolutions:
        tz = ZoneInfo(resolution.meta.timezone)
        adopted = resolution.meta.adopted
        for clause in resolution.clauses:
            lead = max((-o for o in clause.policy.remind), default=0)
            through = adopted + timedelta(days=lead + 62)
            for _, deadline in clause.occurrences(adopted, through)[:5]:
                rules = ReminderRules(
                    clause.policy.remind, clause.policy.remind_at, clause.policy.quiet_hours
                )
                reminder_slots(deadline, rules, tz)
                for step in clause.policy.escalate:
                    s = Step(step.after, frozenset({"controller"}), step.every)
                    first = s.first_day(deadline)
                    s.fires_between(deadline, first, first + timedelta(days=step.every or 1))
    for person in catalog.people.values():  # the database column is a signed BIGINT
        assert person.telegram is None or -(2**63) <= person.telegram < 2**63


@FAST
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(tmp_path: Path, text: str) -> None:
    catalog = load(tmp_path, text)
    if catalog is not None:
        exercise(catalog)


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID)), st.integers(0, 3), YAML_ALPHABET),
        min_size=1,
        max_size=6,
    )
)
@example(edits=[(0, 0, "!!int ")])
@example(edits=[(0, 0, "!!bool ")])
@example(edits=[(VALID.index("Сделать"), 0, "&a [*a] ")])
def test_a_mutated_valid_file_never_raises(
    tmp_path: Path, edits: list[tuple[int, int, str]]
) -> None:
    text = VALID
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut :]
    catalog = load(tmp_path, text)
    if catalog is not None:
        exercise(catalog)


@FAST
@given(DATA)
def test_any_structure_of_schema_keys_never_raises(tmp_path: Path, data: object) -> None:
    catalog = load(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    if catalog is not None:
        exercise(catalog)


@FAST
@given(
    remind=st.lists(st.integers(-(10**7), 0), min_size=1, max_size=5),
    after=st.integers(0, 10**7),
    every=st.integers(1, 10**7),
    deadline=st.dates(),
    telegram=st.integers(-(2**64), 2**64),
)
@example(remind=[0], after=1, every=1, deadline=date.max, telegram=111)
@example(remind=[0], after=1, every=1, deadline=date(2023, 10, 20), telegram=2**63)
def test_values_at_any_range_either_fail_validation_or_compute(
    tmp_path: Path, remind: list[int], after: int, every: int, deadline: object, telegram: int
) -> None:
    text = (
        VALID.replace("[-7d, -1d, 0d]", str(remind))
        .replace("{after: 1d, to: controller, every: 3d}", f"{{after: {after}, to: controller, "
                 f"every: {every}}}")
        .replace("deadline: 2023-10-20", f"deadline: {deadline}")
        .replace("telegram: 111", f"telegram: {telegram}")
    )  # fmt: skip
    catalog = load(tmp_path, text)
    if catalog is not None:
        exercise(catalog)
