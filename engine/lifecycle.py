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
