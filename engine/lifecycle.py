"""Task state transitions, in one place. Pure: who may do what is decided by the caller."""

from __future__ import annotations

from storage.models import TaskState


class NotAllowed(Exception):
    """The transition does not apply to the task's current state."""


def on_owner_done(state: TaskState, acceptance: str) -> TaskState:
    """The owner says the clause is done: ``reported`` for the controller, or ``done`` at once
    when the policy needs no acceptance."""
    if state != TaskState.OPEN:
        raise NotAllowed(state)
    return TaskState.DONE if acceptance == "none" else TaskState.REPORTED


def on_accept(state: TaskState) -> TaskState:
    """The controller accepts a report."""
    if state != TaskState.REPORTED:
        raise NotAllowed(state)
    return TaskState.DONE


def on_return(state: TaskState) -> TaskState:
    """The controller returns a report for rework: the task is open again, reminders resume."""
    if state != TaskState.REPORTED:
        raise NotAllowed(state)
    return TaskState.OPEN


def accepts_evidence(state: TaskState) -> bool:
    """Evidence may be added while the task is open or its report awaits the controller."""
    return state in (TaskState.OPEN, TaskState.REPORTED)
