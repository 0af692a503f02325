"""How an official can be reached, as the digest's «Нет связи» says it (engine/reach.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.reach import reach_of

MOSCOW = ZoneInfo("Europe/Moscow")
LATE_EVENING = datetime(2024, 2, 20, 22, 30, tzinfo=UTC)  # already 21.02 in Moscow
BOTH = frozenset({"telegram", "email"})


@dataclass
class P:
    telegram_chat_id: int | None = None
    telegram_blocked_at: datetime | None = None
    email: str | None = None
    email_bounced_at: datetime | None = None
    channels: list[str] | None = None


@pytest.mark.parametrize(
    ("person", "channels", "listed", "phrase"),
    [
        (P(1, LATE_EVENING, "a@x"), BOTH, True, "бот заблокирован 21.02; получает письма"),
        (P(1, LATE_EVENING), BOTH, True, "бот заблокирован 21.02; адреса почты нет"),
        (P(None, None, "a@x"), BOTH, True, "Telegram не подключён; получает письма"),
        (
            P(None, None, "a@x", LATE_EVENING),
            BOTH,
            True,
            "Telegram не подключён; письма не доходят с 21.02 (адрес отклонён)",
        ),
        (P(1, None, "a@x", LATE_EVENING), BOTH, True, "письма не доходят с 21.02 (адрес отклонён)"),
        (P(1), BOTH, False, ""),  # fine in Telegram, no address: nothing to tell
        (P(1, None, "a@x"), BOTH, False, ""),
        (P(None, None, "a@x"), frozenset({"email"}), False, ""),  # no bot here: no complaint
        (P(None, None, "a@x", channels=["email"]), BOTH, False, ""),  # e-mail by choice
        (P(), frozenset({"email"}), True, "адреса почты нет"),
        (P(), frozenset(), True, "нет ни одного канала связи"),
    ],
)
def test_reach(person: P, channels: frozenset[str], listed: bool, phrase: str) -> None:
    reach = reach_of(person, channels, MOSCOW)
    assert reach.listed == listed
    if listed:
        assert reach.phrase == phrase
