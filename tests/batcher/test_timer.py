"""Deadlines on a real loop: a helper thread keeps them (asyncio rounds sleeps up to 1 ms)."""

from __future__ import annotations

import asyncio
import time

import pytest

from batchtui.engine.batcher import Batcher
from batchtui.engine.batcher.timer import LoopTimer, ThreadTimer
from batchtui.engine.errors import ConfigError
from tests.batcher.virtual_time import VirtualTimeLoop


def test_auto_uses_the_thread_on_a_wall_clock_loop_and_loop_timers_on_a_virtual_one() -> None:
    async def kind(batcher: Batcher) -> type:
        await batcher(1)
        return type(batcher._timer)

    assert asyncio.run(kind(Batcher(lambda items: items))) is ThreadTimer
    assert asyncio.run(kind(Batcher(lambda items: items, clock=time.perf_counter))) is LoopTimer
    loop = VirtualTimeLoop()
    try:
        assert loop.run_until_complete(kind(Batcher(_echo))) is LoopTimer
    finally:
        loop.close()


async def _echo(items: list[int]) -> list[int]:
    return items


@pytest.mark.parametrize("timer", ["thread", "loop"])
def test_a_timeout_batch_never_leaves_before_its_deadline(timer: str) -> None:
    sent: list[float] = []

    async def handler(items: list[int]) -> list[int]:
        sent.append(time.monotonic())
        return items

    async def main() -> list[float]:
        batcher = Batcher(handler, "static", max_batch_size=8, max_wait_ms=3, timer=timer)
        arrivals = []
        for i in range(5):
            arrivals.append(time.monotonic())
            assert await batcher(i) == i  # alone in its batch: it leaves by timeout
        await batcher.aclose()
        return arrivals

    arrivals = asyncio.run(main())
    waits = [s - a for s, a in zip(sent, arrivals, strict=True)]
    assert min(waits) >= 0.003
    assert max(waits) < 1.0  # and it does leave (generous: the machine may be busy)


def test_an_unknown_timer_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="timer"):
        Batcher(_echo, timer="precise")
