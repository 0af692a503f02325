"""A chat that floods the bot gets one polite notice and is ignored for a while; the others are
answered as usual (through the real inbound path, the pacer on a fake clock)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.channels.pacing import Pacer
from engine.service.answers import FLOOD_MESSAGES, FLOOD_MUTE
from engine.service.tick import tick
from storage.models import Inbound
from tests.fakes.bot_api import FakeBotAPI
from tests.helpers import at, running, words

NOW = at("2023-10-13T10:00+03:00")
FLOODER = 555
FLOOD = 200  # messages from one chat in one pass (the report's case was 500)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_chat_sending_hundreds_of_messages_gets_one_notice_and_is_ignored_for_a_while(
    db_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    async with running(db_url, api.url, tmp_path) as app:
        assert app.telegram is not None
        clock = FakeClock()
        app.telegram.pacer = Pacer(clock=clock, sleep=clock.sleep)
        for n in range(FLOOD):
            api.send_text(FLOODER, f"сообщение {n}")
        api.send_text(111, "/tasks")
        report = await tick(app, NOW)
        assert report.updates == FLOOD + 1
        to_flooder = [m.text for m in api.messages_to(FLOODER)]
        assert to_flooder.count(words("answers.too_many")) == 1
        assert to_flooder[-1] == words("answers.too_many")
        assert len(to_flooder) <= FLOOD_MESSAGES + 1
        assert set(to_flooder[:-1]) <= {words("conversation.stranger")}
        ignored = await Inbound.filter(outcome="flood-ignored").count()
        assert ignored == FLOOD - FLOOD_MESSAGES  # recorded, not acted on
        answers = [m for m in api.messages_to(111) if "Ваши открытые пункты" in m.plain_text]
        assert len(answers) == 1  # the owner is answered as usual

        api.send_text(FLOODER, "ещё одно")  # still muted, in the next tick too: no answer
        await tick(app, NOW + FLOOD_MUTE - timedelta(minutes=1))
        assert len(api.messages_to(FLOODER)) == len(to_flooder)
        api.send_text(FLOODER, "и ещё")  # the mute is over: answered again
        await tick(app, NOW + FLOOD_MUTE + timedelta(minutes=1))
        assert api.messages_to(FLOODER)[-1].text == words("conversation.stranger")
