"""The seed article's sketches had three defects (MISSION.md); these tests show ours do not."""

import math

import numpy as np
import pytest

from batchtui.engine.metrics import lane_stats
from batchtui.engine.policies import Dynamic, Predictive, Static
from batchtui.engine.service import AnalyticCost
from tests.sim.helpers import arrivals_at, batches, run_lane


def test_dynamic_does_not_collapse_to_batch_size_one() -> None:
    # At 2000 req/s a device costing 2 ms + 0.05 ms*n serves only 488 req/s one at a time.
    # The article's batcher (threshold = queue length) would send singles and fall behind.
    times = np.cumsum(np.random.default_rng(1).exponential(1 / 2000, 20_000))
    lane = run_lane(Dynamic(max_batch_size=32), arrivals_at(*times), AnalyticCost(2.0, 0.05))
    s = lane_stats(lane)
    assert s.batch_mean > 3
    assert s.throughput_rps == pytest.approx(2000, rel=0.03)  # keeps up with the load
    assert s.latency.p99 < 10.0


def test_predictive_does_not_wait_forever_when_traffic_stops() -> None:
    # Busy traffic teaches it to wait for large batches; then one last request arrives alone.
    busy = np.cumsum(np.random.default_rng(2).exponential(1 / 5000, 5000))
    last = busy[-1] + 3.0
    policy = Predictive(max_batch_size=32, max_wait_ms=5, target_latency_ms=50)
    lane = run_lane(policy, arrivals_at(*busy, last), AnalyticCost(2.0, 0.05))
    assert policy.target_size(5000.0) > 1  # it did learn to wait for company
    sent = batches(lane)
    assert sent[-1][:2] == (pytest.approx(last, abs=0.005), 1)
    # The requests at the very end of the busy spell were not held for company either.
    oldest_of_last_busy_batch = busy[sum(n for _, n, _ in sent[:-2])]
    assert sent[-2][0] <= max(oldest_of_last_busy_batch + 0.005, sent[-3][0] + 0.0036) + 1e-9
    assert lane.queued == 0 and math.isfinite(lane.clock)


def test_static_timer_never_fires_for_a_batch_already_sent() -> None:
    # Four requests fill a batch at 1 ms; the next arrives at 4 ms. A stale timer from the
    # first request would fire at 5 ms; the right deadline is the new oldest's, 9 ms.
    lane = run_lane(
        Static(max_batch_size=4, max_wait_ms=5),
        arrivals_at(0.0, 0.001, 0.001, 0.001, 0.004),
        AnalyticCost(0.5, 0.0),
    )
    assert batches(lane) == [(0.001, 4, "full"), (0.009, 1, "timeout")]
