"""Signed callback data for Telegram buttons: ``action:task:mac``, at most 64 bytes.

The MAC binds the action to the task, so altered data (another task id, another action) fails
verification. Who may press is checked separately, against the task's owner.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

MAC_BYTES = 12  # 96 bits: forging is out of reach; keeps the data well under Telegram's 64 bytes


class Action(StrEnum):
    DONE = "d"  # the owner says the clause is done


@dataclass(frozen=True)
class Press:
    action: Action
    task_id: int


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: bytes, action: Action, task_id: int) -> str:
    payload = f"{action.value}:{task_id}"
    return f"{payload}:{_mac(secret, payload)}"


def verify(secret: bytes, data: str | None) -> Press | None:
    """The press the data stands for, or None when it was not signed by us."""
    if not data or len(data) > 64 or not data.isascii() or data.count(":") != 2:
        return None
    action, task, mac = data.split(":")
    if not hmac.compare_digest(mac.encode(), _mac(secret, f"{action}:{task}").encode()):
        return None
    try:
        return Press(Action(action), int(task))
    except ValueError:
        return None
