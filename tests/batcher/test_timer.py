"""Deadlines on a real loop: a thread keeps them (asyncio rounds sleeps up to 1 ms); with a
plain handler it is the idle worker thread that will run the batch."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from batchtui.engine.batcher import Batcher
from batchtui.engine.batcher.timer import LoopTimer, ThreadTimer
from batchtui.engine.batcher.workers import ThreadWorkers
from batchtui.engine.errors import ConfigError
from tests.batcher.virtual_time import VirtualTimeLoop


def test_auto_uses_the_thread_on_a_wall_clock_loop_and_loop_timers_on_a_virtual_one() -> None:
    async def kind(batcher: Batcher) -> type:
        await batcher(1)
        return type(batcher._timer)

    assert asyncio.run(kind(Batcher(lambda items: items))) is ThreadWorkers
    assert asyncio.run(kind(Batcher(_echo))) is ThreadTimer
    assert asyncio.run(kind(Batcher(lambda items: items, timer="loop"))) is LoopTimer
    assert asyncio.run(kind(Batcher(lambda items: items, clock=time.perf_counter))) is LoopTimer
    loop = VirtualTimeLoop()
    try:
        assert loop.run_until_complete(kind(Batcher(_echo))) is LoopTimer
    finally:
        loop.close()


async def _echo(items: list[int]) -> list[int]:
    return items


@pytest.mark.parametrize("plain", [False, True], ids=["coroutine", "plain"])
@pytest.mark.parametrize("timer", ["thread", "loop"])
def test_a_timeout_batch_never_leaves_before_its_deadline(timer: str, plain: bool) -> None:
    sent: list[float] = []

    def record(items: list[int]) -> list[int]:
        sent.append(time.monotonic())
        return items

    async def coroutine(items: list[int]) -> list[int]:
        return record(items)

    handler = record if plain else coroutine

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


def test_a_plain_handler_runs_its_timeout_batch_in_the_thread_that_kept_the_deadline() -> None:
    ran_in: list[str] = []

    def handler(items: list[int]) -> list[int]:
        ran_in.append(threading.current_thread().name)
        return items

    def timer_threads() -> set[int | None]:
        return {t.ident for t in threading.enumerate() if t.name == "batchtui-timer"}

    async def main() -> set[int | None]:
        batcher = Batcher(handler, "static", name="solo", max_batch_size=8, max_wait_ms=2)
        for i in range(3):
            assert await batcher(i) == i  # alone: each batch leaves by timeout
        started = timer_threads() - before
        await batcher.aclose()
        return started

    before = timer_threads()  # other tests' idle timer threads may linger a few seconds
    assert asyncio.run(main()) == set()  # no second thread woke to hand the batch over
    assert ran_in == ["batchtui-solo"] * 3


def test_a_deadline_passing_while_every_worker_is_busy_is_kept_by_a_new_one() -> None:
    # t=0: request 0 leaves by timeout (2 ms) and its handler blocks until released.
    # Request 1 arrives while it runs: with a second batch slot, it must leave by its own
    # deadline, before batch 0 ends, though no worker is idle to keep that deadline.
    release = threading.Event()
    starts: dict[int, float] = {}

    def handler(items: list[int]) -> list[int]:
        starts[items[0]] = time.monotonic()
        if items[0] == 0:
            assert release.wait(5.0)
        return items

    async def main() -> list[int]:
        batcher = Batcher(handler, "static", max_batch_size=8, max_wait_ms=2, max_inflight=2)
        first = asyncio.ensure_future(batcher(0))
        while 0 not in starts:
            await asyncio.sleep(0.001)
        arrival = time.monotonic()
        second = await batcher(1)  # batch 0 still blocks its worker
        assert starts[1] - arrival >= 0.002
        release.set()
        results = [await first, second]
        await batcher.aclose()
        return results

    assert asyncio.run(main()) == [0, 1]
