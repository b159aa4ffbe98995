"""What gets in, what leaves early: QueueFull, cancellation, closing, and live retuning."""

from __future__ import annotations

import asyncio
import threading

import pytest

from batchtui.engine.batcher import Batcher, BatcherClosed, QueueFull
from batchtui.engine.errors import ConfigError
from tests.batcher.helpers import Device, send_at
from tests.batcher.virtual_time import at, run_virtual


def test_beyond_max_queue_a_request_is_refused_at_once() -> None:
    device = Device(base_ms=10.0, per_item_ms=0.0)

    async def main() -> tuple[list[object], Batcher]:
        batcher = Batcher(device, "static", max_batch_size=2, max_wait_ms=0, max_queue=3)
        # request 0 goes at once; 1-3 fill the queue while the device is busy; 4 is refused
        return await send_at(batcher, [0.0, 0.001, 0.002, 0.003, 0.004]), batcher

    results, batcher = run_virtual(main)
    assert isinstance(results[4], QueueFull)
    assert "max_queue" in str(results[4])
    assert results[:4] == [("done", i) for i in range(4)]
    assert batcher.stats().rejected == 1


def test_a_caller_cancelled_while_queued_is_never_sent_to_the_handler() -> None:
    device = Device(base_ms=2.0, per_item_ms=0.0)

    async def main() -> Batcher:
        batcher = Batcher(device, "static", max_batch_size=4, max_wait_ms=5)
        tasks = [
            asyncio.create_task(at(t, lambda i=i: batcher(i)))
            for i, t in enumerate([0, 0.001, 0.002])
        ]
        await asyncio.sleep(0.0015)
        tasks[0].cancel()  # the oldest: the deadline now counts from request 1
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        assert [await t for t in tasks[1:]] == [("done", 1), ("done", 2)]
        return batcher

    batcher = run_virtual(main)
    assert [(round(t, 6), items) for t, items in device.batches] == [(0.006, [1, 2])]
    stats = batcher.stats()
    assert (stats.arrived, stats.cancelled, stats.completed) == (3, 1, 2)


def test_a_caller_cancelled_after_dispatch_is_counted_by_its_batch() -> None:
    device = Device(base_ms=2.0, per_item_ms=0.0)

    async def main() -> Batcher:
        batcher = Batcher(device, "static", max_batch_size=2, max_wait_ms=5)
        first = asyncio.create_task(batcher(0))
        second = asyncio.create_task(batcher(1))
        await asyncio.sleep(0.001)  # both are on the device now
        first.cancel()
        assert await second == ("done", 1)
        return batcher

    batcher = run_virtual(main)
    assert device.batches[0][1] == [0, 1]
    counts = batcher.counts()
    assert (counts.completed, counts.cancelled) == (2, 0)


def test_aclose_serves_everything_queued_then_refuses_new_requests() -> None:
    device = Device()

    async def main() -> None:
        batcher = Batcher(device, "static", max_batch_size=8, max_wait_ms=5)
        tasks = [asyncio.create_task(batcher(i)) for i in range(20)]
        await asyncio.sleep(0)  # all queued; one batch running
        await batcher.aclose()
        assert all(t.done() for t in tasks)
        assert [t.result() for t in tasks] == [("done", i) for i in range(20)]
        with pytest.raises(BatcherClosed):
            await batcher(99)
        counts = batcher.counts()
        assert (counts.arrived, counts.completed, counts.queued, counts.in_flight) == (20, 20, 0, 0)

    run_virtual(main)


def test_update_retunes_the_policy_between_batches() -> None:
    device = Device(base_ms=1.0, per_item_ms=0.0)

    async def main() -> None:
        batcher = Batcher(device, "static", max_batch_size=4, max_wait_ms=50)
        waiting = [asyncio.create_task(batcher(i)) for i in range(2)]
        await asyncio.sleep(0.010)
        batcher.update(max_wait_ms=5)  # the pending 50 ms wait is decided again at once
        await asyncio.gather(*waiting)
        assert [round(t, 6) for t, _ in device.batches] == [0.010]
        batcher.update(max_batch_size=2)
        await send_at(batcher, [0.02, 0.02, 0.02])
        assert [items for _, items in device.batches[1:]] == [[0, 1], [2]]

    run_virtual(main)


def test_a_bad_update_changes_nothing_and_names_the_parameter() -> None:
    batcher = Batcher(Device(), "dynamic", min_batch_size=2, max_batch_size=8)
    with pytest.raises(ConfigError, match="min_batch_size"):
        batcher.update(max_batch_size=16, min_batch_size=32)
    with pytest.raises(ConfigError, match="max_wait_ms"):
        batcher.update(max_wait_ms=-1)
    assert batcher.policy.params["max_batch_size"] == 8


def test_update_and_stats_are_safe_from_another_thread() -> None:
    async def main() -> None:
        batcher = Batcher(Device(), "static", max_batch_size=4, max_wait_ms=1)
        await batcher(0)
        seen: list[object] = []

        def elsewhere() -> None:
            batcher.update(max_batch_size=2)
            seen.append(batcher.stats().completed)
            try:
                batcher.update(max_wait_ms=-5)
            except ConfigError as e:
                seen.append(e.where)

        thread = threading.Thread(target=elsewhere)
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.001)
        assert seen == [1, "max_wait_ms"]
        assert batcher.policy.params["max_batch_size"] == 2

    asyncio.run(main())


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ({"max_queue": 0}, "max_queue"),
        ({"max_queue": 2.5}, "max_queue"),
        ({"max_inflight": 0}, "max_inflight"),
        ({"max_wait_ms": "soon"}, "max_wait_ms"),
        ({"history_s": 0}, "history_s"),
        ({"history_s": "1m"}, "history_s"),
        ({"max_latency": 3}, "max_latency"),
    ],
)
def test_bad_settings_are_refused_by_name(options: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Batcher(Device(), "static", **options)
    assert caught.value.where == where


def test_an_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="static, dynamic, predictive"):
        Batcher(Device(), "fifo")
