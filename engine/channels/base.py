"""What the engine needs from a channel, and how a channel says a delivery failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.callbacks import Action, Press, unverified
from engine.errors import ResoluteError


class DeliveryError(ResoluteError):
    """A message did not go out. ``permanent``: retrying cannot help (blocked, malformed);
    otherwise try again, not before ``retry_after_s`` when the channel said so.
    ``recipient_unreachable``: this channel cannot reach the person at all any more.
    ``content_rejected``: the channel refused this message's content (even in its plain form):
    the person is reachable, the message should go by their next channel."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after_s: float | None = None,
        recipient_unreachable: bool = False,
        content_rejected: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s
        self.recipient_unreachable = recipient_unreachable  # blocked us / never started the bot
        self.content_rejected = content_rejected


class ChannelUnavailable(ResoluteError):
    """The channel cannot be used at all right now (bad token, unreachable API)."""


@dataclass(frozen=True)
class Button:
    """A button as an intent: what pressing it means. The messenger adapter signs it when it
    sends it, so it can be stored, rendered and routed without the secret."""

    text: str
    press: Press

    def stored(self) -> list[object]:
        """As an outbox payload keeps it: ``[text, action, target, round]``."""
        return [self.text, self.press.action.value, self.press.target, self.press.round]

    @classmethod
    def from_stored(cls, row: Sequence[object]) -> Button | None:
        """A stored button; also ``[text, signed data]`` as rows queued before intents were
        kept. None when it cannot be read (the message goes without it)."""
        try:
            if len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], str):
                press = unverified(row[1])
                return None if press is None else cls(row[0], press)
            text, action, target, round_ = row
            if not isinstance(text, str) or not isinstance(action, str):
                return None
            if isinstance(target, bool) or not isinstance(target, int):
                return None
            if round_ is not None and (isinstance(round_, bool) or not isinstance(round_, int)):
                return None
            return cls(text, Press(Action(action), target, round_))
        except (TypeError, ValueError):
            return None


Keyboard = Sequence[Button | Sequence[Button]]  # a Button is a row of its own


@dataclass(frozen=True)
class Delivered:
    external_id: str  # the channel's id of the message, e.g. "chat:message_id" for Telegram
