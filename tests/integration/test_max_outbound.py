"""What the outbox sends by MAX when the platform refuses: a 429 or a 5xx is retried later, a
403 chat.denied marks the link blocked and the message goes by the person's next channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.service.apply import apply_catalog
from engine.workflow.catalog import load_catalog
from storage.models import Link, Outbox, OutboxStatus
from tests.fakes.mail import FakeSMTP
from tests.fakes.max_api import FakeMaxAPI
from tests.helpers import at, smtp_settings
from tests.messengers import MAX_USERS, conversation

MINUS_7 = at("2023-10-13T09:00+03:00")
IVANOV = MAX_USERS["ivanov"]


def _reminders(api: FakeMaxAPI) -> list[str]:
    return [m.text or "" for m in api.messages_to(api.dialog_of(IVANOV)) if m.keyboard]


async def test_429_and_5xx_are_retried_later_and_the_reminder_goes_once(
    db_url: str, tmp_path: Path
) -> None:
    async with conversation("max", db_url, tmp_path) as chat:
        api: FakeMaxAPI = chat.api
        api.fail_next("POST /messages", 429, "too.many.requests", "slow down", retry_after=5)
        api.fail_next("POST /messages", 503, "service.unavailable", "later")
        await chat.pump(MINUS_7)
        [row] = await Outbox.filter(person_id="ivanov")
        assert row.status != OutboxStatus.SENT
        assert row.attempt_at is not None
        assert row.attempt_at >= MINUS_7 + timedelta(seconds=5)  # not before MAX's Retry-After
        for minutes in range(1, 30):  # each retry after its backoff, in the engine's time
            await chat.pump(MINUS_7 + timedelta(minutes=minutes))
        rows = await Outbox.filter(person_id__in=["ivanov", "petrova"])
        assert [r.status for r in rows] == [OutboxStatus.SENT] * 2
        assert len(_reminders(api)) == 1
        # Ivanov's reminder met the 429, Petrova's the 503: each went on the second try.
        tries = [c.query["user_id"] for c in api.calls_to("POST /messages")]
        assert sorted(tries) == [str(IVANOV)] * 2 + [str(MAX_USERS["petrova"])] * 2


async def test_chat_denied_marks_the_link_blocked_and_mail_goes_instead(
    db_url: str, tmp_path: Path
) -> None:
    with FakeSMTP() as smtp:
        async with conversation("max", db_url, tmp_path, **smtp_settings(smtp)) as chat:
            roster = tmp_path / "roster.yaml"
            text = roster.read_text(encoding="utf-8")
            roster.write_text(
                text.replace("name: Иванов И.И.", "name: Иванов И.И.\n    email: iv@example.org"),
                encoding="utf-8",
            )
            await apply_catalog(load_catalog([tmp_path]), MINUS_7)
            api: FakeMaxAPI = chat.api
            # Blocked without MAX telling us first: the send itself is refused.
            api.fail_next("POST /messages", 403, "chat.denied", "chat.denied", times=10)
            await chat.pump(MINUS_7)
            link = await Link.get(channel="max", person_id="ivanov")
            assert link.blocked_at == MINUS_7
            row = await Outbox.get(person_id="ivanov")
            assert (row.channel, row.status) == ("email", OutboxStatus.SENT)
        assert [m for m in smtp.messages if "iv@example.org" in str(m["To"])]
