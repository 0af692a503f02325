"""What the engine needs from a channel, and how a channel says a delivery failed."""

from __future__ import annotations

from dataclasses import dataclass

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
    text: str
    data: str  # signed callback data


@dataclass(frozen=True)
class Delivered:
    external_id: str  # the channel's id of the message, e.g. "chat:message_id" for Telegram
