"""The answer queue on virtual time: one chat's pacing holds up only that chat, and strangers,
however many, never keep an owner's answer waiting."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest

from engine.channels.base import Keyboard
from engine.channels.pacing import Pacer
from engine.service.answers import PENDING_PER_CHAT, Answers

OWNER = 111


class VirtualTime:
    """A clock that moves only when every task is asleep: then to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), wake))
        await wake

    async def run(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(50):  # let everything that can run, run
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                at, _, wake = heapq.heappop(self._sleepers)
                self.now = max(self.now, at)
                wake.set_result(None)
        task.result()


class PacedReplier:
    """Sends as TelegramChannel.reply does: waits for the Pacer, then records the moment."""

    def __init__(self, pacer: Pacer, time: VirtualTime) -> None:
        self._pacer = pacer
        self._time = time
        self.sent: list[tuple[int, str, float]] = []

    async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
        await self._pacer.wait(chat_id)
        self.sent.append((chat_id, html, self._time.now))

    def at(self, chat_id: int) -> list[float]:
        return [t for c, _, t in self.sent if c == chat_id]


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def replier(time: VirtualTime) -> PacedReplier:
    return PacedReplier(Pacer(clock=time.clock, sleep=time.sleep), time)


async def test_a_busy_chat_does_not_hold_up_the_next_one(
    time: VirtualTime, replier: PacedReplier
) -> None:
    answers = Answers({"telegram": replier})

    async def work() -> None:
        for n in range(PENDING_PER_CHAT):
            answers.submit(("telegram", 555), f"ответ {n}", known=False)
        answers.submit(("telegram", OWNER), "ваши пункты")
        await answers.drain()

    await time.run(work())
    assert replier.at(555) == pytest.approx([0.0, 1.1, 2.2, 3.3, 4.4])
    [owner_at] = replier.at(OWNER)
    assert owner_at < 0.1  # inline, paced per chat, it would have come after 4.4 s


async def test_a_crowd_of_strangers_never_keeps_an_owner_waiting(
    time: VirtualTime, replier: PacedReplier
) -> None:
    answers = Answers({"telegram": replier})

    async def work() -> None:
        for chat in range(1000, 1300):  # 300 strangers, one answer each
            answers.submit(("telegram", chat), "Здравствуйте!", known=False)
        for _ in range(10):
            await asyncio.sleep(0)
        answers.submit(("telegram", OWNER), "ваши пункты")
        await answers.drain()

    await time.run(work())
    [owner_at] = replier.at(OWNER)
    assert owner_at < 0.1  # 300 answers at 29 a second take ten seconds
    assert max(t for _, _, t in replier.sent) > 10


async def test_a_chat_keeps_only_a_few_answers_waiting_and_a_notice_replaces_them(
    time: VirtualTime, replier: PacedReplier
) -> None:
    answers = Answers({"telegram": replier})

    async def work() -> None:
        for n in range(50):
            answers.submit(("telegram", 555), f"ответ {n}", known=False)
        answers.submit(("telegram", 555), "хватит", known=False, replace=True)
        await answers.drain()

    await time.run(work())
    texts = [h for c, h, _ in replier.sent if c == 555]
    assert len(texts) <= PENDING_PER_CHAT + 1
    assert texts[-1] == "хватит"


async def test_an_answer_that_raises_does_not_stop_the_chat(time: VirtualTime) -> None:
    class Flaky:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def reply(self, chat_id: int, html: str, buttons: Keyboard = ()) -> None:
            if html == "плохой":
                raise RuntimeError("boom")
            self.sent.append(html)

    flaky = Flaky()
    answers = Answers({"telegram": flaky})
    answers.submit(("telegram", 1), "плохой")
    answers.submit(("telegram", 1), "хороший")
    await answers.drain()
    assert flaky.sent == ["хороший"]


async def test_the_same_chat_id_on_two_messengers_is_two_chats(time: VirtualTime) -> None:
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    telegram, other = (
        PacedReplier(pacer, time),
        PacedReplier(Pacer(clock=time.clock, sleep=time.sleep), time),
    )
    answers = Answers({"telegram": telegram, "max": other})

    async def work() -> None:
        for n in range(3):
            answers.submit(("telegram", OWNER), f"telegram {n}")
        answers.submit(("max", OWNER), "max")
        await answers.drain()

    await time.run(work())
    assert [h for _, h, _ in telegram.sent] == ["telegram 0", "telegram 1", "telegram 2"]
    [(_, said, sent_at)] = other.sent
    assert said == "max"
    assert sent_at < 0.1  # not behind Telegram's paced answers to the same number
