"""The bot's command menu, per chat: each person sees the commands they can use.

Everyone's private chat gets /tasks, /cancel and /help (the default scope); a controller's chat
gets /status and /report as well (``BotCommandScopeChat``). Set when ``resolute run`` starts,
best effort: the commands work whether the menu shows them or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from engine.texts import Texts
from storage.models import Person, Resolution

EVERYONE = ("tasks", "cancel", "help")
CONTROLLER = ("tasks", "status", "report", "cancel", "help")
_DESCRIPTIONS = {
    "tasks": "menus.tasks",
    "status": "menus.status",
    "report": "menus.report",
    "cancel": "menus.cancel",
    "help": "menus.help",
}


class Menus(Protocol):
    async def set_commands(
        self, commands: Sequence[tuple[str, str]], chat_id: int | None = None
    ) -> None: ...


def menu(commands: Sequence[str], texts: Texts) -> list[tuple[str, str]]:
    """The commands with their descriptions, in the words of ``texts``."""
    return [(name, texts.plain(_DESCRIPTIONS[name], "telegram")) for name in commands]


async def set_menus(telegram: Menus, texts: Texts) -> int:
    """Set the default menu and each linked controller's own; returns how many controllers."""
    await telegram.set_commands(menu(EVERYONE, texts))
    controllers = await Resolution.all().distinct().values_list("controller_id", flat=True)
    people = await Person.filter(id__in=list(controllers), telegram_chat_id__isnull=False)
    chats = sorted({p.telegram_chat_id for p in people if p.telegram_chat_id is not None})
    for chat in chats:
        await telegram.set_commands(menu(CONTROLLER, texts), chat_id=chat)
    return len(chats)
