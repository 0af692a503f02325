"""What people do in a messenger, in our own words: the events every adapter hands the engine.

An adapter (Telegram, MAX, …) reads its platform's updates and translates each into one of
these; the conversation, the presses, confirmations and the controller's decisions work on them
alone, never on a platform library's types. Ids are the platform's own integers, always paired
with the channel's name: a MAX chat id and a Telegram chat id may be the same number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from engine.channels.base import Delivered, Keyboard


@dataclass(frozen=True, slots=True)
class Who:
    """The person acting, as the platform knows them, and the dialog they act in."""

    channel: str  # a registered channel's name: "telegram", "max"
    user_id: int  # who pressed or wrote
    chat_id: int  # the dialog with the bot (Telegram: equal to user_id in a private chat)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """One message in a dialog: to drop its buttons, reply to it, or copy it to another chat."""

    chat_id: int
    message_id: str  # Telegram's integer as text; MAX's "mid"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo or a file as the platform hands it over: ``reference`` lets the same platform
    send it again (Telegram's file_id, MAX's attachment token); nothing is downloaded."""

    kind: str  # "photo" | "file" | "video" | "audio" | "voice"
    reference: str
    file_name: str | None = None
    content_type: str | None = None
    size: int = 0


@dataclass(frozen=True, slots=True)
class Pressed:
    """A press of one of our buttons. ``data`` is what the button carried: signed by us when it
    was sent, verified before anything is done."""

    who: Who
    press_id: str  # what the platform wants back in its answer to the press
    data: str | None
    message: MessageRef | None = None  # the message the button was under, when known


@dataclass(frozen=True, slots=True)
class Wrote:
    """A message a person wrote: text, a command, links, photos or files, or all of them."""

    who: Who
    message: MessageRef
    text: str = ""  # the text or the caption
    command: str | None = None  # "/tasks" when the message is a command (lower case, no @bot)
    args: tuple[str, ...] = ()  # the command's words after its name
    links: tuple[str, ...] = ()  # URLs the message carries (in its text or as link markup)
    attachments: tuple[Attachment, ...] = ()
    reply_to: MessageRef | None = None  # the message it answers, when it is a reply
    album: str | None = None  # the album (Telegram media group) it is part of
    private: bool = True  # written in the dialog with the bot (not a group chat)


@dataclass(frozen=True, slots=True)
class Started:
    """The person opened the dialog with the bot, with an invitation's token or without."""

    who: Who
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Blocked:
    """The person blocked the bot, or unblocked it (``blocked`` False)."""

    who: Who
    blocked: bool = True


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An update the adapter could not read: recorded once with its raw form, acted on never."""

    channel: str
    update_id: str | None
    reason: str
    raw: object = field(default=None, compare=False)


Event = Pressed | Wrote | Started | Blocked


@dataclass(frozen=True, slots=True)
class Received:
    """One update as it came: its id on the channel (it is recorded once under
    ``<channel>:update:<update_id>``), what it means, and its raw form for the record.
    ``event`` None: an update of a kind the engine does not act on (recorded, ignored)."""

    channel: str
    update_id: str
    event: Event | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


class Messenger(Protocol):
    """What the engine asks of a messenger adapter in return: answer a press, take the buttons
    off a message, write into a dialog, upload a file, copy a message of that platform.
    ``send`` signs the buttons' intents itself and raises DeliveryError; ``reply`` is ``send``
    that never raises (an answer to someone who just wrote: they can ask again). A delivered
    message's ``external_id`` is ``"<chat_id>:<message_id>"``, so a reply to it is found."""

    @property
    def name(self) -> str: ...  # the channel's name: "telegram", "max"

    async def answer(self, press_id: str, text: str) -> None: ...

    async def drop_buttons(self, message: MessageRef) -> None: ...

    async def send(self, chat_id: int, html: str, buttons: Keyboard = ()) -> Delivered: ...

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None: ...

    async def send_document(
        self, chat_id: int, file_name: str, content: bytes, caption: str | None = None
    ) -> Delivered: ...

    async def copy(self, chat_id: int, from_chat_id: int, message_id: int | str) -> Delivered: ...
