"""Escalation chains: pure date arithmetic over a task's steps.

Pinned rules (README): ``after: Nd`` puts the task into the recipient's digest of D+N
(deadline 20 Oct 2023, ``after: 1d`` → the controller's digest of 21 Oct); with ``every: Md`` it is
escalated again on D+N+M, D+N+2M, … A step "fires between" ``since`` and ``through`` when it fires
on a day in (since, through]; ``since=None`` means from the beginning.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.timing.escalation import Step, escalated_between, first_escalation

D = date(2023, 10, 20)  # the SPEC's example deadline


def day(n: int) -> date:
    """D+n."""
    return D + timedelta(days=n)


CONTROLLER = Step(1, frozenset({"controller-id"}))
GROUP = Step(3, frozenset({"alice", "bob"}))
CHAIN = (CONTROLLER, GROUP)


# --- Step.first_day ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "deadline", "expected"),
    [
        pytest.param(1, date(2023, 10, 20), date(2023, 10, 21), id="spec-example-20oct+1d=21oct"),
        pytest.param(0, date(2023, 10, 20), date(2023, 10, 20), id="after-0d-is-the-deadline"),
        pytest.param(3, date(2023, 10, 30), date(2023, 11, 2), id="crosses-month-end"),
        pytest.param(2, date(2023, 12, 31), date(2024, 1, 2), id="crosses-year-end"),
        pytest.param(1, date(2024, 2, 28), date(2024, 2, 29), id="leap-day"),
        pytest.param(14, date(2023, 10, 20), date(2023, 11, 3), id="two-weeks"),
    ],
)
def test_first_day_is_deadline_plus_after(after: int, deadline: date, expected: date) -> None:
    assert Step(after, frozenset({"x"})).first_day(deadline) == expected


# --- Step.fires_between --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "since", "through", "expected"),
    [
        # one-shot step at D+1
        pytest.param(Step(1, frozenset({"c"})), None, day(0), False, id="once-before-first-day"),
        pytest.param(Step(1, frozenset({"c"})), None, day(1), True, id="once-on-first-day"),
        pytest.param(Step(1, frozenset({"c"})), None, day(30), True, id="once-since-none-later"),
        pytest.param(Step(1, frozenset({"c"})), day(0), day(1), True, id="once-window-(D,D+1]"),
        pytest.param(
            Step(1, frozenset({"c"})), day(1), day(1), False, id="once-empty-window-(D+1,D+1]"
        ),
        pytest.param(
            Step(1, frozenset({"c"})), day(1), day(2), False, id="once-since-first-day-excluded"
        ),
        pytest.param(
            Step(1, frozenset({"c"})), day(1), day(60), False, id="once-no-repeat-without-every"
        ),
        pytest.param(Step(1, frozenset({"c"})), day(-5), day(0), False, id="once-window-too-early"),
        # repeating step: D+1, D+4, D+7, D+10, ...
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), None, day(1), True, id="every3-first-day"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(1), day(3), False, id="every3-gap-(1,3]"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(1), day(4), True, id="every3-repeat-D+4"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(3), day(4), True, id="every3-(3,4]-hits-4"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(4), day(6), False, id="every3-(4,6]-gap"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(4), day(7), True, id="every3-(4,7]-hits-7"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(5), day(9), True, id="every3-(5,9]-hits-7"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3), day(7), day(9), False, id="every3-(7,9]-gap"
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3),
            day(97),
            day(100),
            True,
            id="every3-far-repeat-D+100",
        ),
        pytest.param(
            Step(1, frozenset({"c"}), every_days=3),
            day(-10),
            day(0),
            False,
            id="every3-before-first-day",
        ),
        pytest.param(
            Step(2, frozenset({"c"}), every_days=1), day(2), day(3), True, id="every1-daily"
        ),
    ],
)
def test_fires_between(step: Step, since: date | None, through: date, expected: bool) -> None:
    assert step.fires_between(D, since, through) is expected


@pytest.mark.parametrize(
    ("after", "every"),
    [
        pytest.param(1, None, id="once-after1"),
        pytest.param(3, None, id="once-after3"),
        pytest.param(1, 3, id="after1-every3"),
        pytest.param(2, 7, id="after2-every7"),
        pytest.param(0, 1, id="after0-every1"),
    ],
)
def test_fires_between_agrees_with_explicit_firing_days(after: int, every: int | None) -> None:
    """Every window (since, through] over 40 days: fires iff an explicit firing day lies in it."""
    step = Step(after, frozenset({"c"}), every)
    first = after
    fire_days = {first} if every is None else set(range(first, 60, every))
    for since in [None, *range(-3, 40)]:
        for through in range(-3, 40):
            low = -(10**6) if since is None else since
            expected = any(low < f <= through for f in fire_days)
            got = step.fires_between(D, None if since is None else day(since), day(through))
            assert got is expected, (since, through)


# --- first_escalation / escalated_between over a chain ------------------------------------------


@pytest.mark.parametrize(
    ("steps", "recipient", "expected"),
    [
        pytest.param(CHAIN, "controller-id", day(1), id="controller-at-1d"),
        pytest.param(CHAIN, "alice", day(3), id="group-member-alice-at-3d"),
        pytest.param(CHAIN, "bob", day(3), id="group-member-bob-at-3d"),
        pytest.param(CHAIN, "stranger", None, id="not-in-any-step"),
        pytest.param((), "controller-id", None, id="no-steps"),
        pytest.param(
            (Step(5, frozenset({"c"})), Step(2, frozenset({"c"}))),
            "c",
            day(2),
            id="earliest-step-wins-regardless-of-order",
        ),
        pytest.param(
            (Step(1, frozenset({"c", "g"})), Step(3, frozenset({"g"}))),
            "g",
            day(1),
            id="in-two-steps-takes-first",
        ),
    ],
)
def test_first_escalation(steps: tuple[Step, ...], recipient: str, expected: date | None) -> None:
    assert first_escalation(D, steps, recipient) == expected


@pytest.mark.parametrize(
    ("steps", "recipient", "since", "through", "expected"),
    [
        pytest.param(CHAIN, "controller-id", None, day(1), True, id="controller-from-start-D+1"),
        pytest.param(CHAIN, "controller-id", None, day(0), False, id="controller-not-on-deadline"),
        pytest.param(CHAIN, "controller-id", day(1), day(3), False, id="group-step-not-for-ctrl"),
        pytest.param(CHAIN, "alice", day(1), day(2), False, id="alice-not-yet-at-D+2"),
        pytest.param(CHAIN, "alice", day(2), day(3), True, id="alice-at-D+3"),
        pytest.param(CHAIN, "alice", day(0), day(1), False, id="controller-step-not-for-alice"),
        pytest.param(CHAIN, "alice", day(3), day(30), False, id="alice-no-repeat"),
        pytest.param(CHAIN, "stranger", None, day(365), False, id="stranger-never"),
        pytest.param(
            (Step(1, frozenset({"c"})), Step(5, frozenset({"c"}))),
            "c",
            day(1),
            day(5),
            True,
            id="second-step-same-recipient-fires",
        ),
        pytest.param(
            (Step(1, frozenset({"c"}), every_days=3), Step(3, frozenset({"g"}))),
            "c",
            day(4),
            day(7),
            True,
            id="repeating-controller-step",
        ),
    ],
)
def test_escalated_between(
    steps: tuple[Step, ...],
    recipient: str,
    since: date | None,
    through: date,
    expected: bool,
) -> None:
    assert escalated_between(D, steps, recipient, since, through) is expected
