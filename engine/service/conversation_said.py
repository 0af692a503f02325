"""What handling a message says back into its dialog, and the outcome it is recorded with."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.channels.base import Keyboard


@dataclass(frozen=True)
class Said:
    """A message to send back into the dialog."""

    html: str
    buttons: Keyboard = ()


@dataclass
class Handled:
    name: str  # the stable outcome the inbound record keeps
    replies: list[Said] = field(default_factory=list)
    reports_for: str | None = None  # a controller's id: send them their reports (DOCX) after
