"""What goes into one recipient's digest (engine.digest.compose): sections and the news rule.

Pinned rules (the README, "Digests"; engine/digest.py): an open task past its deadline whose
escalation to the recipient has started is newly overdue when that first day is after the last
digest (or there was none), else still overdue; a repeating step firing since the last digest is
news too. For the resolution's controller also: reports awaiting acceptance (news when reported
after the last digest), done since the last digest (news), unreachable owners (one item per
person), due within 7 days (context). No news: None, nothing is sent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from engine.digest import Digest, Item, TaskView, compose
from engine.timing.escalation import Step

CTRL = "kornilova"
OTHER_CTRL = "belousov"
D = date(2023, 10, 20)  # the SPEC's example deadline
DAY = date(2023, 10, 21)  # the controller's digest that first shows it
LAST_AT = datetime(2023, 10, 20, 6, 30, tzinfo=UTC)  # the previous digest: 20 Oct, 09:30 MSK

TO_CONTROLLER = (Step(1, frozenset({CTRL})),)
CHAIN = (Step(1, frozenset({CTRL})), Step(3, frozenset({"chair-a", "chair-b"})))
REPEATING = (Step(1, frozenset({CTRL}), every_days=3),)

_ids = iter(range(1, 10**6))


def task(**overrides: Any) -> TaskView:
    fields: dict[str, Any] = {
        "task_id": next(_ids),
        "resolution_id": "presidium-2023-16-1",
        "resolution_title": "О работе",
        "clause_id": "II.1",
        "clause_text": "Провести собрание",
        "owner_id": "smagina",
        "owner_name": "Смагина",
        "owner_organisation": None,
        "deadline": D,
        "state": "open",
        "reported_at": None,
        "closed_at": None,
        "controller_id": CTRL,
        "steps": TO_CONTROLLER,
        "owner_reachable": True,
    }
    fields.update(overrides)
    return TaskView(**fields)


def first_digest(tasks: list[TaskView], day: date = DAY, recipient: str = CTRL) -> Digest | None:
    """The recipient's first digest ever: last_at a day before, as the service passes it."""
    last_at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    return compose(recipient, day, tasks, last_day=None, last_at=last_at)


def listed(digest: Digest) -> dict[str, list[int]]:
    """Section name → task ids, non-empty sections only."""
    return {name: [i.task.task_id for i in items] for name, items in digest.sections() if items}


def at(day: date, hour: int = 6, minute: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# --- overdue sections ----------------------------------------------------------------------------


def test_spec_example_newly_overdue_on_d_plus_1() -> None:
    t = task()
    digest = first_digest([t])
    assert digest is not None
    assert listed(digest) == {"newly_overdue": [t.task_id]}
    assert digest.newly_overdue[0].days_late == 1
    assert digest.news is True
    assert digest.recipient_id == CTRL
    assert digest.day == DAY


@pytest.mark.parametrize(
    ("day", "last_day", "section", "days_late", "news"),
    [
        pytest.param(D, None, None, None, False, id="on-deadline-not-overdue"),
        pytest.param(date(2023, 10, 21), None, "newly_overdue", 1, True, id="D+1-first-digest"),
        pytest.param(date(2023, 10, 21), D, "newly_overdue", 1, True, id="D+1-after-digest-of-D"),
        pytest.param(
            date(2023, 10, 22), date(2023, 10, 21), "still_overdue", 2, False, id="D+2-still"
        ),
        pytest.param(
            date(2023, 10, 30), date(2023, 10, 29), "still_overdue", 10, False, id="D+10-still"
        ),
        pytest.param(
            date(2023, 10, 25), date(2023, 10, 20), "newly_overdue", 5, True, id="missed-days"
        ),
        pytest.param(date(2023, 11, 5), None, "newly_overdue", 16, True, id="first-digest-late"),
    ],
)
def test_overdue_newly_or_still(
    day: date, last_day: date | None, section: str | None, days_late: int | None, news: bool
) -> None:
    t = task()
    # a fresh report makes the digest go out, so that where ``t`` sits can be seen either way
    news_maker = task(state="reported", reported_at=at(day), clause_id="IX.9")
    digest = compose(CTRL, day, [t, news_maker], last_day=last_day, last_at=at(day) - timedelta(1))
    assert digest is not None
    overdue = {"newly_overdue": digest.newly_overdue, "still_overdue": digest.still_overdue}
    found = [(name, i) for name, items in overdue.items() for i in items if i.task is t]
    if section is None:
        assert found == []
    else:
        assert [(name, i.days_late) for name, i in found] == [(section, days_late)]
    # and on its own: news exactly when newly overdue
    alone = compose(CTRL, day, [t], last_day=last_day, last_at=at(day) - timedelta(1))
    assert (alone is not None) is news


def test_second_digest_next_day_moves_item_to_still_overdue_and_is_not_news() -> None:
    t = task()
    day1 = date(2023, 10, 21)
    day2 = date(2023, 10, 22)
    first = compose(CTRL, day1, [t], last_day=None, last_at=at(day1) - timedelta(days=1))
    assert first is not None
    assert listed(first) == {"newly_overdue": [t.task_id]}
    second = compose(CTRL, day2, [t], last_day=day1, last_at=at(day1))
    assert second is None  # the same item, only older: nothing to say


def test_second_digest_carries_still_overdue_when_something_else_is_news() -> None:
    t = task()
    day1, day2 = date(2023, 10, 21), date(2023, 10, 22)
    fresh = task(state="reported", reported_at=at(day2, 5), clause_id="II.2")
    digest = compose(CTRL, day2, [t, fresh], last_day=day1, last_at=at(day1))
    assert digest is not None
    assert listed(digest) == {
        "still_overdue": [t.task_id],
        "awaiting_acceptance": [fresh.task_id],
    }
    assert digest.still_overdue[0].days_late == 2


@pytest.mark.parametrize(
    ("day", "last_day", "news"),
    [
        # every 3d from D+1: fires D+1, D+4, D+7, ...
        pytest.param(date(2023, 10, 22), date(2023, 10, 21), False, id="D+2-no-repeat"),
        pytest.param(date(2023, 10, 23), date(2023, 10, 22), False, id="D+3-no-repeat"),
        pytest.param(date(2023, 10, 24), date(2023, 10, 23), True, id="D+4-repeat-fires"),
        pytest.param(date(2023, 10, 25), date(2023, 10, 24), False, id="D+5-after-repeat"),
        pytest.param(date(2023, 10, 27), date(2023, 10, 26), True, id="D+7-repeat-fires"),
        pytest.param(date(2023, 10, 26), date(2023, 10, 21), True, id="skipped-digests-span-D+4"),
    ],
)
def test_repeating_step_makes_still_overdue_news_again(
    day: date, last_day: date, news: bool
) -> None:
    t = task(steps=REPEATING)
    digest = compose(CTRL, day, [t], last_day=last_day, last_at=at(last_day))
    if not news:
        assert digest is None
        return
    assert digest is not None
    assert listed(digest) == {"still_overdue": [t.task_id]}
    assert digest.still_overdue[0].days_late == (day - D).days


def test_repeat_stops_once_the_task_is_no_longer_overdue() -> None:
    reported = task(steps=REPEATING, state="reported", reported_at=at(date(2023, 10, 22)))
    digest = compose(
        CTRL,
        date(2023, 10, 24),
        [reported],
        last_day=date(2023, 10, 23),
        last_at=at(D + timedelta(3)),
    )
    assert digest is None  # listed as awaiting acceptance, but neither overdue nor news


@pytest.mark.parametrize(
    ("recipient", "day", "expected"),
    [
        pytest.param(CTRL, date(2023, 10, 21), "newly_overdue", id="controller-D+1"),
        pytest.param("chair-a", date(2023, 10, 21), None, id="group-not-yet-D+1"),
        pytest.param("chair-a", date(2023, 10, 22), None, id="group-not-yet-D+2"),
        pytest.param("chair-a", date(2023, 10, 23), "newly_overdue", id="group-D+3"),
        pytest.param("chair-b", date(2023, 10, 23), "newly_overdue", id="other-group-member-D+3"),
        pytest.param("stranger", date(2023, 10, 23), None, id="not-in-chain"),
    ],
)
def test_chain_controller_at_1d_group_at_3d(
    recipient: str, day: date, expected: str | None
) -> None:
    t = task(steps=CHAIN)
    digest = first_digest([t], day=day, recipient=recipient)
    if expected is None:
        assert digest is None
    else:
        assert digest is not None
        assert listed(digest) == {expected: [t.task_id]}


def test_group_member_second_digest_still_overdue_no_news() -> None:
    t = task(steps=CHAIN)
    assert (
        compose("chair-a", date(2023, 10, 24), [t], last_day=date(2023, 10, 23), last_at=LAST_AT)
        is None
    )


def test_escalation_target_who_is_not_the_controller_sees_only_overdue_sections() -> None:
    late = task(steps=CHAIN)
    reported = task(steps=CHAIN, state="reported", reported_at=at(date(2023, 10, 23), 5))
    done = task(steps=CHAIN, state="done", closed_at=at(date(2023, 10, 23), 5))
    unreachable = task(steps=CHAIN, owner_reachable=False, owner_id="x", owner_name="Яшин")
    soon = task(steps=CHAIN, deadline=date(2023, 10, 25))
    tasks = [late, reported, done, unreachable, soon]
    day = date(2023, 10, 23)
    as_chair = compose("chair-a", day, tasks, last_day=None, last_at=at(day) - timedelta(days=1))
    assert as_chair is not None
    assert listed(as_chair) == {"newly_overdue": [late.task_id, unreachable.task_id]}
    as_controller = compose(CTRL, day, tasks, last_day=None, last_at=at(day) - timedelta(days=1))
    assert as_controller is not None
    assert set(listed(as_controller)) == {
        "newly_overdue",
        "awaiting_acceptance",
        "done_since",
        "unreachable",
        "due_soon",
    }


def test_non_controller_with_only_reports_and_done_gets_nothing() -> None:
    tasks = [
        task(steps=CHAIN, state="reported", reported_at=at(DAY, 5)),
        task(steps=CHAIN, state="done", closed_at=at(DAY, 5)),
    ]
    assert compose("chair-a", DAY, tasks, last_day=D, last_at=LAST_AT) is None


@pytest.mark.parametrize(
    "state",
    [
        pytest.param("reported", id="reported"),
        pytest.param("done", id="done"),
        pytest.param("cancelled", id="cancelled"),
    ],
)
def test_only_open_tasks_are_overdue(state: str) -> None:
    t = task(state=state)
    digest = compose(CTRL, date(2023, 10, 25), [t], last_day=None, last_at=at(date(2023, 10, 30)))
    # last_at after everything: neither report nor closure is news
    assert digest is None


def test_controller_who_is_not_an_escalation_target_gets_no_overdue_items() -> None:
    t = task(steps=(Step(1, frozenset({"chair-a"})),))
    assert first_digest([t]) is None


# --- awaiting acceptance -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported_at", "news"),
    [
        pytest.param(LAST_AT + timedelta(minutes=1), True, id="after-last-digest-news"),
        pytest.param(LAST_AT + timedelta(microseconds=1), True, id="just-after-news"),
        pytest.param(LAST_AT, False, id="at-last-digest-not-news"),
        pytest.param(LAST_AT - timedelta(days=3), False, id="before-last-digest-not-news"),
        pytest.param(None, False, id="no-timestamp-not-news"),
    ],
)
def test_awaiting_acceptance(reported_at: datetime | None, news: bool) -> None:
    reported = task(state="reported", reported_at=reported_at, deadline=date(2023, 11, 30))
    digest = compose(CTRL, DAY, [reported], last_day=D, last_at=LAST_AT)
    if not news:
        assert digest is None
        # listed nonetheless once something else is news
        fresh = task(state="done", closed_at=LAST_AT + timedelta(hours=1))
        digest = compose(CTRL, DAY, [reported, fresh], last_day=D, last_at=LAST_AT)
        assert digest is not None
        assert listed(digest) == {
            "awaiting_acceptance": [reported.task_id],
            "done_since": [fresh.task_id],
        }
    else:
        assert digest is not None
        assert listed(digest) == {"awaiting_acceptance": [reported.task_id]}
        assert digest.awaiting_acceptance[0].days_late == 0


def test_reported_past_deadline_is_awaiting_not_overdue() -> None:
    reported = task(state="reported", reported_at=LAST_AT + timedelta(hours=1))
    digest = compose(CTRL, date(2023, 10, 25), [reported], last_day=DAY, last_at=LAST_AT)
    assert digest is not None
    assert listed(digest) == {"awaiting_acceptance": [reported.task_id]}


# --- done since ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closed_at", "listed_as_done"),
    [
        pytest.param(LAST_AT + timedelta(hours=2), True, id="after-last-digest"),
        pytest.param(LAST_AT + timedelta(microseconds=1), True, id="just-after"),
        pytest.param(LAST_AT, False, id="exactly-at-last-digest"),
        pytest.param(LAST_AT - timedelta(days=1), False, id="before-last-digest"),
        pytest.param(None, False, id="no-closed-at"),
    ],
)
def test_done_since(closed_at: datetime | None, listed_as_done: bool) -> None:
    done = task(state="done", closed_at=closed_at)
    digest = compose(CTRL, DAY, [done], last_day=D, last_at=LAST_AT)
    if listed_as_done:
        assert digest is not None
        assert listed(digest) == {"done_since": [done.task_id]}
        return
    assert digest is None
    # not listed even when the digest goes out for something else
    fresh = task(state="reported", reported_at=LAST_AT + timedelta(hours=1), clause_id="II.2")
    digest = compose(CTRL, DAY, [done, fresh], last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert listed(digest) == {"awaiting_acceptance": [fresh.task_id]}


# --- unreachable ---------------------------------------------------------------------------------


def test_unreachable_one_item_per_person_sorted_by_name() -> None:
    a1 = task(owner_id="yakovleva", owner_name="Яковлева", owner_reachable=False, clause_id="II.1")
    a2 = task(owner_id="yakovleva", owner_name="Яковлева", owner_reachable=False, clause_id="II.2")
    a3 = task(
        owner_id="yakovleva",
        owner_name="Яковлева",
        owner_reachable=False,
        resolution_id="other",
        clause_id="I",
    )
    b = task(owner_id="shchukin", owner_name="Щукин", owner_reachable=False, clause_id="III.1")
    c = task(owner_id="sokolov", owner_name="Соколов", owner_reachable=False, clause_id="III.2")
    reachable = task(owner_id="orlova", owner_name="Орлова", clause_id="III.3")
    news = task(state="done", closed_at=LAST_AT + timedelta(hours=1), clause_id="IV")
    tasks = [replace(t, deadline=date(2023, 12, 1)) for t in (a1, a2, a3, b, c, reachable, news)]
    digest = compose(CTRL, DAY, tasks, last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert [i.task.owner_id for i in digest.unreachable] == ["sokolov", "shchukin", "yakovleva"]


def test_unreachable_alone_is_not_news() -> None:
    t = task(owner_reachable=False, deadline=date(2023, 12, 1))
    assert compose(CTRL, DAY, [t], last_day=D, last_at=LAST_AT) is None


def test_unreachable_lists_only_open_tasks() -> None:
    reported = task(
        owner_reachable=False, state="reported", reported_at=LAST_AT + timedelta(hours=1)
    )
    done = task(owner_reachable=False, state="done", closed_at=LAST_AT + timedelta(hours=1))
    digest = compose(CTRL, DAY, [reported, done], last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert digest.unreachable == []


def test_unreachable_of_another_controller_ignored() -> None:
    t = task(owner_reachable=False, controller_id=OTHER_CTRL, deadline=date(2023, 12, 1))
    news = task(state="done", closed_at=LAST_AT + timedelta(hours=1))
    digest = compose(CTRL, DAY, [t, news], last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert digest.unreachable == []


# --- due soon ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "days_left"),
    [
        pytest.param(DAY - timedelta(days=1), None, id="yesterday-out"),
        pytest.param(DAY, 0, id="today-in"),
        pytest.param(DAY + timedelta(days=1), 1, id="tomorrow-in"),
        pytest.param(DAY + timedelta(days=7), 7, id="day+7-in"),
        pytest.param(DAY + timedelta(days=8), None, id="day+8-out"),
        pytest.param(DAY + timedelta(days=30), None, id="far-out"),
    ],
)
def test_due_soon_boundaries(deadline: date, days_left: int | None) -> None:
    soon = task(deadline=deadline, steps=())  # no escalation: never in the overdue sections
    news = task(state="done", closed_at=LAST_AT + timedelta(hours=1))
    digest = compose(CTRL, DAY, [soon, news], last_day=D, last_at=LAST_AT)
    assert digest is not None
    if days_left is None:
        assert digest.due_soon == []
    else:
        assert [(i.task.task_id, i.days_late) for i in digest.due_soon] == [
            (soon.task_id, days_left)
        ]


def test_due_soon_alone_is_not_news() -> None:
    soon = task(deadline=DAY + timedelta(days=2))
    assert compose(CTRL, DAY, [soon], last_day=D, last_at=LAST_AT) is None
    assert first_digest([soon]) is None


@pytest.mark.parametrize(
    "state", [pytest.param("reported", id="reported"), pytest.param("cancelled", id="cancelled")]
)
def test_due_soon_only_open(state: str) -> None:
    soon = task(deadline=DAY + timedelta(days=2), state=state, reported_at=LAST_AT)
    news = task(state="done", closed_at=LAST_AT + timedelta(hours=1))
    digest = compose(CTRL, DAY, [soon, news], last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert digest.due_soon == []


# --- nothing to say, other controllers -----------------------------------------------------------


@pytest.mark.parametrize(
    "tasks",
    [
        pytest.param([], id="no-tasks"),
        pytest.param([task(deadline=date(2023, 12, 1))], id="only-far-future"),
        pytest.param([task(state="cancelled")], id="only-cancelled"),
        pytest.param(
            [task(state="done", closed_at=LAST_AT - timedelta(hours=1))], id="only-old-done"
        ),
    ],
)
def test_nothing_to_say_returns_none(tasks: list[TaskView]) -> None:
    assert compose(CTRL, DAY, tasks, last_day=D, last_at=LAST_AT) is None


def test_tasks_of_other_controllers_are_ignored() -> None:
    theirs = [
        task(controller_id=OTHER_CTRL, steps=(Step(1, frozenset({OTHER_CTRL})),)),
        task(controller_id=OTHER_CTRL, state="reported", reported_at=LAST_AT + timedelta(hours=1)),
        task(controller_id=OTHER_CTRL, state="done", closed_at=LAST_AT + timedelta(hours=1)),
        task(controller_id=OTHER_CTRL, deadline=DAY + timedelta(days=2)),
        task(controller_id=OTHER_CTRL, owner_reachable=False, deadline=date(2023, 12, 1)),
    ]
    assert compose(CTRL, DAY, theirs, last_day=D, last_at=LAST_AT) is None
    digest = compose(OTHER_CTRL, DAY, theirs, last_day=D, last_at=LAST_AT)
    assert digest is not None
    assert len(listed(digest)) == 5


# --- ordering ------------------------------------------------------------------------------------


def test_items_sorted_by_resolution_clause_deadline_owner() -> None:
    specs = [
        ("res-b", "I", D, "Антонова"),
        ("res-a", "II.10", D, "Антонова"),
        ("res-a", "II.4", D, "Яковлева"),
        ("res-a", "II.4", D, "Антонова"),
        ("res-a", "II.4", D - timedelta(days=1), "Щукин"),
        ("res-a", "II", D, "Щукин"),
        ("res-a", "I.2", D, "Щукин"),
        ("res-a", "II.9", D, "Щукин"),
    ]
    tasks = [
        task(resolution_id=r, clause_id=c, deadline=dl, owner_name=o, owner_id=o)
        for r, c, dl, o in specs
    ]
    digest = first_digest(tasks, day=date(2023, 10, 25))
    assert digest is not None
    assert [
        (i.task.resolution_id, i.task.clause_id, i.task.deadline, i.task.owner_name)
        for i in digest.newly_overdue
    ] == [
        ("res-a", "I.2", D, "Щукин"),
        ("res-a", "II", D, "Щукин"),
        ("res-a", "II.4", D - timedelta(days=1), "Щукин"),
        ("res-a", "II.4", D, "Антонова"),
        ("res-a", "II.4", D, "Яковлева"),
        ("res-a", "II.9", D, "Щукин"),
        ("res-a", "II.10", D, "Антонова"),
        ("res-b", "I", D, "Антонова"),
    ]


@pytest.mark.parametrize(
    "section",
    [
        pytest.param("newly_overdue", id="newly"),
        pytest.param("awaiting_acceptance", id="awaiting"),
        pytest.param("done_since", id="done"),
        pytest.param("due_soon", id="due-soon"),
    ],
)
def test_ii_10_after_ii_4_in_every_section(section: str) -> None:
    state = {
        "newly_overdue": {},
        "awaiting_acceptance": {"state": "reported", "reported_at": LAST_AT + timedelta(hours=1)},
        "done_since": {"state": "done", "closed_at": LAST_AT + timedelta(hours=1)},
        "due_soon": {"deadline": DAY + timedelta(days=3)},
    }[section]
    tasks = [task(clause_id=c, **state) for c in ("II.10", "II.4", "II.1", "I")]
    if section == "due_soon":  # context only: something else must make the digest go out
        tasks.append(task(clause_id="Z", state="done", closed_at=LAST_AT + timedelta(hours=1)))
    digest = compose(CTRL, DAY, tasks, last_day=None, last_at=LAST_AT)
    assert digest is not None
    items: list[Item] = dict(digest.sections())[section]
    assert [i.task.clause_id for i in items] == ["I", "II.1", "II.4", "II.10"]


def test_roman_section_numbers_in_decree_order() -> None:
    order = ["I.1", "II.1", "III.1", "IV.1", "V.1", "VI.1", "VII.1", "VIII.1", "IX.1", "X.1"]
    tasks = [task(clause_id=c) for c in reversed(order)]
    digest = first_digest(tasks)
    assert digest is not None
    assert [i.task.clause_id for i in digest.newly_overdue] == order
