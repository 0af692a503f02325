"""The bot's command menu, per chat: each person sees the commands they can use.

Everyone's private chat gets /tasks, /cancel and /help (the default scope); a controller's chat
gets /status and /report as well (``BotCommandScopeChat``). Set when ``resolute run`` starts,
best effort: the commands work whether the menu shows them or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from storage.models import Person, Resolution

EVERYONE = (
    ("tasks", "Мои открытые пункты"),
    ("cancel", "Отменить начатое действие"),
    ("help", "Справка"),
)
CONTROLLER = (
    ("tasks", "Мои открытые пункты"),
    ("status", "Ход исполнения постановлений"),
    ("report", "Справка о ходе выполнения (файл Word)"),
    ("cancel", "Отменить начатое действие"),
    ("help", "Справка"),
)


class Menus(Protocol):
    async def set_commands(
        self, commands: Sequence[tuple[str, str]], chat_id: int | None = None
    ) -> None: ...


async def set_menus(telegram: Menus) -> int:
    """Set the default menu and each linked controller's own; returns how many controllers."""
    await telegram.set_commands(EVERYONE)
    controllers = await Resolution.all().distinct().values_list("controller_id", flat=True)
    people = await Person.filter(id__in=list(controllers), telegram_chat_id__isnull=False)
    chats = sorted({p.telegram_chat_id for p in people if p.telegram_chat_id is not None})
    for chat in chats:
        await telegram.set_commands(CONTROLLER, chat_id=chat)
    return len(chats)
