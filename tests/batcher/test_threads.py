"""A plain handler on real threads: results, order and exact accounting under concurrency."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import pytest

from batchtui.engine.batcher import Batcher, QueueFull


@pytest.mark.parametrize("inflight", [1, 3])
def test_worker_threads_serve_everyone_and_the_counts_always_add_up(inflight: int) -> None:
    batches: list[list[int]] = []

    def handler(items: list[int]) -> list[int]:
        batches.append(items)
        time.sleep(0.0005)
        if items[0] % 7 == 0:
            raise ValueError("every seventh batch fails")
        return [-x for x in items]

    batcher = Batcher(
        handler, "dynamic", max_batch_size=8, max_wait_ms=1, max_queue=40, max_inflight=inflight
    )
    broken: list[object] = []
    stop = threading.Event()

    def watch() -> None:  # another thread reads the figures while the loop and workers run
        while not stop.is_set():
            c = batcher.counts()
            parts = c.completed + c.failed + c.rejected + c.cancelled + c.queued + c.in_flight
            if parts != c.arrived:
                broken.append(c)
            batcher.stats(window_s=1.0)

    async def main() -> list[Any]:
        rng = random.Random(0)

        async def one(i: int) -> Any:
            task = asyncio.ensure_future(batcher(i))
            if i % 11 == 0:
                await asyncio.sleep(0)
                task.cancel()
            try:
                return await task
            except asyncio.CancelledError:
                return "cancelled"
            except (QueueFull, ValueError) as e:
                return type(e).__name__

        tasks = []
        for i in range(400):
            tasks.append(asyncio.ensure_future(one(i)))
            if rng.random() < 0.2:
                await asyncio.sleep(rng.random() * 0.002)
        results = await asyncio.gather(*tasks)
        await batcher.aclose()
        return results

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = asyncio.run(main())
    finally:
        stop.set()
        watcher.join()
    assert not broken
    sent = [i for items in batches for i in items]
    if inflight == 1:
        assert sent == sorted(sent)  # one worker: strictly FIFO
    assert len(set(sent)) == len(sent) and max(len(b) for b in batches) <= 8
    failed = {i for items in batches if items[0] % 7 == 0 for i in items}
    for i, r in enumerate(results):
        if r == "cancelled":
            continue
        expected = "ValueError" if i in failed else (-i if i in sent else "QueueFull")
        assert r == expected, i
    c = batcher.counts()
    assert (c.queued, c.in_flight) == (0, 0)
    assert c.arrived == c.completed + c.failed + c.rejected + c.cancelled
    assert c.completed + c.failed == len(sent)


def test_a_reader_sees_a_finished_batch_the_loop_has_not_delivered_yet() -> None:
    """The worker leaves a batch's histograms and history row to the loop (off its path to the
    next batch); a reader that comes first records them itself, so figures match the counts."""
    batcher = Batcher(lambda items: items, "static", max_batch_size=2, max_wait_ms=1000)

    async def main() -> None:
        first, second = asyncio.ensure_future(batcher(1)), asyncio.ensure_future(batcher(2))
        await asyncio.sleep(0)  # both queued: the second fills the batch, a worker runs it
        deadline = time.monotonic() + 10.0
        while batcher.counts().completed < 2:  # the loop is held: it cannot deliver yet
            assert time.monotonic() < deadline, "the worker never finished the batch"
            time.sleep(0.001)
        stats = batcher.stats()
        assert not first.done() and not second.done()
        assert stats.batch_histogram == {2: 1}
        assert stats.dispatch_reasons == {"full": 1}
        assert (batcher.batch_sizes.count, batcher.queue_waits.count) == (1, 2)
        assert await asyncio.gather(first, second) == [1, 2]
        assert batcher.stats().batch_histogram == {2: 1}  # recorded once, not again
        await batcher.aclose()

    asyncio.run(main())
