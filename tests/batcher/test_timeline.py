"""The batcher decides exactly as the simulator does: literal timelines, then whole runs."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

from batchtui.engine.batcher import Batcher
from batchtui.engine.policies import make_policy
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane
from tests.batcher.helpers import Device, send_at
from tests.batcher.virtual_time import at, run_virtual

KINDS = {
    "static": {"max_batch_size": 16, "max_wait_ms": 3.0},
    "dynamic": {"max_batch_size": 32, "max_wait_ms": 5.0, "target_latency_ms": 6.0},
    "predictive": {"max_batch_size": 32, "max_wait_ms": 5.0, "target_latency_ms": 20.0},
}


def test_static_sends_at_the_oldest_requests_deadline_or_when_full() -> None:
    device = Device(base_ms=2.0, per_item_ms=0.0)
    done: list[tuple[int, float]] = []

    async def main() -> None:
        batcher = Batcher(device, "static", max_batch_size=4, max_wait_ms=5)
        loop = asyncio.get_running_loop()

        async def one(i: int, t: float) -> None:
            assert await at(t, lambda: batcher(i)) == ("done", i)
            done.append((i, loop.time()))

        times = [0.0, 0.001, 0.002, 0.010, 0.0101, 0.0102, 0.0103, 0.0104]
        await asyncio.gather(*(one(i, t) for i, t in enumerate(times)))

    run_virtual(main)
    assert [(round(t, 6), items) for t, items in device.batches] == [
        (0.005, [0, 1, 2]),  # timeout: 5 ms after request 0 arrived
        (0.0103, [3, 4, 5, 6]),  # full at the fourth arrival
        (0.0154, [7]),  # timeout again, for the straggler
    ]
    assert [round(t, 6) for _, t in sorted(done)] == [0.007] * 3 + [0.0123] * 4 + [0.0174]


def test_dynamic_sends_what_is_queued_when_the_device_frees_up() -> None:
    device = Device(base_ms=4.0, per_item_ms=0.0)

    async def main() -> None:
        batcher = Batcher(device, "dynamic", max_batch_size=8, max_wait_ms=5, target_latency_ms=50)
        await send_at(batcher, [0.0, 0.001, 0.002, 0.003])

    run_virtual(main)
    # min_batch_size 1: the first request goes at once; the rest queue behind it and leave
    # together as soon as the device is free again, without waiting for a timeout.
    assert [(round(t, 6), items) for t, items in device.batches] == [(0.0, [0]), (0.004, [1, 2, 3])]


def test_predictive_waits_at_most_max_wait_when_traffic_stops() -> None:
    device = Device()

    async def main() -> Batcher:
        batcher = Batcher(device, "predictive", max_batch_size=32, max_wait_ms=5)
        # steady 4,000 req/s teaches it to wait for bigger batches; then traffic stops
        await send_at(batcher, [*(np.arange(400) / 4000.0).tolist(), 0.2])
        return batcher

    batcher = run_virtual(main)
    start, items = device.batches[-1]
    assert items == [400] and start == pytest.approx(0.2, abs=0.0051)
    assert batcher.stats().queue_wait.max <= 5.0 + 1e-6


def _simulated(kind: str, times: np.ndarray) -> list[tuple[float, int]]:
    arrivals = Arrivals()
    arrivals.extend(times, np.ones(len(times), dtype=np.int64), float(times[-1]))
    arrivals.close()
    lane = SimLane("sim", make_policy(kind, **KINDS[kind]), AnalyticCost(2.0, 0.05), arrivals)
    lane.advance(math.inf)
    log = lane.log.arrays()
    return list(zip(log.dispatch.tolist(), log.size.tolist(), strict=True))


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_batch_is_the_simulators_batch(kind: str) -> None:
    times = np.cumsum(np.random.default_rng(1).exponential(1 / 3000, 1500))
    device = Device(2.0, 0.05)

    async def main() -> None:
        await send_at(Batcher(device, kind, **KINDS[kind]), times.tolist())

    run_virtual(main)
    ours = [(t, len(items)) for t, items in device.batches]
    expected = _simulated(kind, times)
    assert [n for _, n in ours] == [n for _, n in expected]
    assert np.allclose([t for t, _ in ours], [t for t, _ in expected], rtol=0, atol=1e-9)


def test_requests_are_served_in_arrival_order() -> None:
    device = Device()

    async def main() -> list[object]:
        times = np.cumsum(np.random.default_rng(2).exponential(1 / 5000, 500)).tolist()
        return await send_at(Batcher(device, "static", max_batch_size=8, max_wait_ms=1), times)

    results = run_virtual(main)
    assert results == [("done", i) for i in range(500)]
    sent = [i for _, items in device.batches for i in items]
    assert sent == list(range(500))
    assert max(len(items) for _, items in device.batches) <= 8
