"""``stats()``: the simulator's figures for what the batcher served, over a window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from batchtui.engine.batcher import Batcher
from batchtui.engine.errors import ConfigError
from batchtui.engine.metrics import lane_stats
from batchtui.engine.policies import Static
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane
from tests.batcher.helpers import Device, send_at
from tests.batcher.virtual_time import run_virtual


def test_stats_are_the_figures_the_simulator_reports_for_the_same_arrivals() -> None:
    times = np.cumsum(np.random.default_rng(3).exponential(1 / 2000, 800))

    async def main() -> Batcher:
        batcher = Batcher(Device(2.0, 0.05), "static", max_batch_size=16, max_wait_ms=3)
        await send_at(batcher, times.tolist())
        return batcher

    ours = run_virtual(main).stats()
    arrivals = Arrivals()
    arrivals.extend(times, np.ones(len(times), dtype=np.int64), float(times[-1]))
    arrivals.close()
    lane = SimLane("sim", Static(max_batch_size=16, max_wait_ms=3), AnalyticCost(), arrivals)
    lane.advance(math.inf)
    sim = lane_stats(lane)
    assert (ours.arrived, ours.completed) == (sim.arrived, sim.completed) == (800, 800)
    for field in ("latency", "queue_wait", "service"):
        a, b = getattr(ours, field), getattr(sim, field)
        assert a.count == b.count
        assert a.p50 == pytest.approx(b.p50, abs=1e-9) and a.p99 == pytest.approx(b.p99, abs=1e-9)
    assert ours.batch_histogram == sim.batch_histogram
    assert ours.dispatch_reasons == sim.dispatch_reasons
    assert ours.device_busy == pytest.approx(sim.device_busy, abs=0.01)


def test_a_window_covers_only_the_batches_that_finished_in_it() -> None:
    device = Device(base_ms=1.0, per_item_ms=0.0)

    async def main() -> Batcher:
        batcher = Batcher(device, "static", max_batch_size=4, max_wait_ms=0)
        await send_at(batcher, [0.0, 1.0, 1.5, 1.9])
        return batcher

    batcher = run_virtual(main)
    recent = batcher.stats(window_s=0.5)  # now is 1.901: the last two batches
    assert recent.latency.count == 2 and recent.window_s == pytest.approx(0.5)
    assert recent.throughput_rps == pytest.approx(4.0)
    assert recent.arrived == 4  # counts are always since the start
    assert batcher.stats().latency.count == 4


def test_history_is_bounded_by_history_s() -> None:
    async def main() -> Batcher:
        batcher = Batcher(Device(1.0, 0.0), "static", max_wait_ms=0, history_s=1.0)
        await send_at(batcher, [0.0, 0.5, 2.0, 2.5])
        return batcher

    stats = run_virtual(main).stats(window_s=100)
    assert stats.latency.count == 2 and stats.completed == 4
    assert stats.window_s == pytest.approx(1.0)


def test_stats_json_has_the_lane_report_shape_and_exact_accounting() -> None:
    async def main() -> Batcher:
        batcher = Batcher(Device(), "static", max_batch_size=4, max_wait_ms=1)
        await send_at(batcher, [0.0, 0.0, 0.001])
        return batcher

    doc = run_virtual(main).stats().to_json()
    assert {"latency_ms", "queue_wait_ms", "service_ms", "batch_size", "dispatch_reasons"} <= set(
        doc
    )
    parts = ("completed", "failed", "rejected", "cancelled", "queued", "in_flight")
    assert doc["arrived"] == sum(doc[k] for k in parts) == 3


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="window_s"):
        Batcher(Device()).stats(window_s=0)
