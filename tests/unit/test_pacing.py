"""The Telegram pacer on a fake clock: 30 a second overall, one a second per chat."""

from __future__ import annotations

import itertools

import pytest

from engine.channels.pacing import Pacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def send_times(pacer: Pacer, clock: FakeClock, chats: list[int]) -> list[float]:
    times = []
    for chat in chats:
        await pacer.wait(chat)
        times.append(clock.now - 100.0)
    return times


async def test_different_chats_are_spaced_evenly_under_thirty_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    times = await send_times(pacer, clock, list(range(59)))
    assert times[0] == 0.0
    assert times[29] == pytest.approx(1.0)
    assert times[58] == pytest.approx(2.0)
    assert all(b - a == pytest.approx(1 / 29) for a, b in itertools.pairwise(times))


async def test_one_chat_gets_at_most_one_message_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert await send_times(pacer, clock, [7, 7, 7]) == pytest.approx([0.0, 1.1, 2.2])


async def test_other_chats_go_between_one_chats_messages() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    times = await send_times(pacer, clock, [1, 2, 1, 3])
    assert times == pytest.approx([0.0, 1 / 29, 1.1, 1.1 + 1 / 29])


async def test_time_that_passed_by_itself_is_not_waited_again() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    await pacer.wait(1)
    clock.now += 5.0
    await pacer.wait(1)
    assert clock.slept == []
