"""Signed callback data for our buttons: ``action:object[.round]:mac``, at most 64 bytes.

A button is an intent (``Press``) until a messenger adapter sends it: the adapter signs it then,
with the ``Signer`` it was built with, so nothing upstream holds the secret to make buttons.

The MAC binds the action to its object (a task, or an extension request) and, for the
controller's buttons under a report, to the report's round, so altered data (another task,
another action, an earlier report) fails verification. Who may press is checked separately:
the owner for the owner's buttons, the resolution's controller for the controller's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from enum import StrEnum

MAC_BYTES = 12  # 96 bits: forging is out of reach; keeps the data well under Telegram's 64 bytes


class Action(StrEnum):
    # the owner's, on a task
    DONE = "d"  # the clause is done
    REPORT = "r"  # I will send a report (text, photos, files)
    EXTEND = "x"  # I need more time
    DATE_YES = "c"  # yes, the far new date I typed is right (asked back in the dialogue)
    DATE_NO = "e"  # no, I will type another date
    # the controller's
    ACCEPT = "a"  # on a task's report round: accept it
    RETURN = "b"  # on a task's report round: back to the owner for rework
    APPROVE = "y"  # on an extension request
    REJECT = "n"  # on an extension request
    REPORTS = "p"  # under /status: send me the reports (DOCX) of what I control; target 0

    @property
    def by_controller(self) -> bool:
        return self in CONTROLLER_ACTIONS


CONTROLLER_ACTIONS = frozenset({Action.ACCEPT, Action.RETURN, Action.APPROVE, Action.REJECT})


@dataclass(frozen=True)
class Press:
    action: Action
    target: int  # a task id, or an extension request's id for APPROVE/REJECT
    round: int | None = None  # the report round, for ACCEPT/RETURN


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: bytes, action: Action, target: int, round: int | None = None) -> str:
    obj = str(target) if round is None else f"{target}.{round}"
    payload = f"{action.value}:{obj}"
    return f"{payload}:{_mac(secret, payload)}"


def verify(secret: bytes, data: str | None) -> Press | None:
    """The press the data stands for, or None when it was not signed by us."""
    if not data or len(data) > 64 or not data.isascii() or data.count(":") != 2:
        return None
    action, obj, mac = data.split(":")
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"{action}:{obj}").encode()):
        return None
    return _press(action, obj)


def unverified(data: str) -> Press | None:
    """The press signed data stands for, without checking the signature: for data we stored
    ourselves (an outbox row queued before buttons were kept as intents), signed afresh when
    it is sent. Never for data that came in from a messenger."""
    if len(data) > 64 or not data.isascii() or data.count(":") != 2:
        return None
    action, obj, _ = data.split(":")
    return _press(action, obj)


def _press(action: str, obj: str) -> Press | None:
    target, _, round_ = obj.partition(".")
    try:
        return Press(Action(action), int(target), int(round_) if round_ else None)
    except ValueError:
        return None


@dataclass(frozen=True)
class Signer:
    """Signs buttons as they go out and verifies the presses that come back; the one holder of
    the secret on the way to and from a messenger."""

    secret: bytes = field(repr=False)

    def sign(self, press: Press) -> str:
        return sign(self.secret, press.action, press.target, press.round)

    def verify(self, data: str | None) -> Press | None:
        return verify(self.secret, data)
