"""The simulator's lane on literal timelines: when batches leave, what they carry, what is lost."""

import math

import numpy as np
import pytest

from batchtui.engine.policies import Dynamic, Predictive, Static
from batchtui.engine.service import AnalyticCost, BatchFailed
from batchtui.engine.sim.lane import SimLane
from tests.sim.helpers import arrivals_at, batches, request_batches, run_lane


def test_static_sends_on_full_and_on_timeout() -> None:
    arrivals = arrivals_at(0.000, 0.001, 0.002, 0.0021, 0.010)
    lane = run_lane(Static(max_batch_size=3, max_wait_ms=5.0), arrivals, AnalyticCost(1.0, 0.0))
    assert batches(lane) == [
        (0.002, 3, "full"),  # the third request fills the batch
        (0.0071, 1, "timeout"),  # 0.0021 + 5 ms
        (0.015, 1, "timeout"),  # traffic stopped: still sent after 5 ms
    ]


def test_requests_queue_behind_a_busy_device() -> None:
    arrivals = arrivals_at(0.0, 0.001, 0.002)
    lane = run_lane(Static(max_batch_size=1, max_wait_ms=0), arrivals, AnalyticCost(10.0, 0.0))
    assert batches(lane) == [(0.0, 1, "full"), (0.01, 1, "full"), (0.02, 1, "full")]
    assert lane.clock == pytest.approx(0.03)


def test_overdue_requests_leave_the_moment_the_device_frees() -> None:
    arrivals = arrivals_at(0.0, 0.001, 0.002)
    lane = run_lane(Static(max_batch_size=8, max_wait_ms=0.5), arrivals, AnalyticCost(10.0, 0.0))
    assert batches(lane) == [(0.0005, 1, "timeout"), (0.0105, 2, "timeout")]


def test_dynamic_takes_what_queued_while_the_device_was_busy() -> None:
    arrivals = arrivals_at(*(i * 0.001 for i in range(20)))
    lane = run_lane(Dynamic(max_batch_size=32), arrivals, AnalyticCost(5.0, 0.0))
    sizes = [n for _, n, _ in batches(lane)]
    assert sizes[0] == 1 and max(sizes) >= 5  # not the seed article's batch size of 1
    assert sum(sizes) == 20


def test_max_queue_rejects_arrivals_beyond_it_and_counts_them() -> None:
    arrivals = arrivals_at(*(i * 0.0001 for i in range(100)))  # 100 requests in 10 ms
    lane = run_lane(
        Static(max_batch_size=4, max_wait_ms=0), arrivals, AnalyticCost(5.0, 0.0), max_queue=10
    )
    carried = request_batches(lane)
    rejected = sum(e - s for s, e in lane.rejected)
    assert rejected > 0
    assert (carried >= 0).sum() + rejected == 100
    assert max(n for _, n, _ in batches(lane)) <= 4
    assert lane.log.arrays().depth.max() <= 10


def test_two_batches_can_be_in_flight_when_allowed() -> None:
    arrivals = arrivals_at(0.0, 0.001)
    lane = run_lane(
        Static(max_batch_size=1, max_wait_ms=0), arrivals, AnalyticCost(10.0, 0.0), max_inflight=2
    )
    assert batches(lane) == [(0.0, 1, "full"), (0.001, 1, "full")]


class FailsAbove:
    """A device that runs out of memory above a batch size (like CUDA OOM)."""

    executes = False

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cost = AnalyticCost(1.0, 0.1)

    def duration(self, n: int, first: int = 0) -> float:
        if n > self.limit:
            raise BatchFailed(f"out of memory at batch size {n}", elapsed_s=0.0005)
        return self.cost.duration(n)

    def for_lane(self, arrivals: object = None) -> "FailsAbove":
        return FailsAbove(self.limit)

    def to_json(self) -> dict:
        return {"kind": "test"}


def test_a_failing_batch_fails_its_requests_and_the_lane_keeps_serving() -> None:
    times = [0.0] * 8 + [0.05]
    lane = run_lane(Static(max_batch_size=8, max_wait_ms=1), arrivals_at(*times), FailsAbove(4))
    a = lane.log.arrays()
    assert list(a.size) == [8, 1]
    assert a.failed[0] >= 0 and a.failed[1] == -1
    assert lane.log.failures == ["out of memory at batch size 8"]
    assert a.finish[0] == pytest.approx(0.0005)


def test_advancing_in_steps_gives_the_same_batches_as_one_go() -> None:
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.exponential(1 / 3000, 5000))
    whole = run_lane(Predictive(max_batch_size=16), arrivals_at(*times), AnalyticCost(2, 0.05))

    arrivals = arrivals_at(closed=False)
    lane = SimLane("steps", Predictive(max_batch_size=16), AnalyticCost(2, 0.05), arrivals)
    for t in np.arange(0.05, times[-1] + 0.05, 0.05):
        chunk = times[(times >= t - 0.05) & (times < t)]
        arrivals.extend(chunk, np.ones(len(chunk), dtype=np.int64), t)
        lane.advance(t)
    arrivals.close()
    lane.advance(math.inf)
    assert batches(lane) == batches(whole)


def test_a_parameter_change_applies_from_the_current_time() -> None:
    arrivals = arrivals_at(0.0, 0.1, closed=False)
    arrivals.extend(np.empty(0), np.empty(0, dtype=np.int64), 0.003)
    lane = SimLane("l", Static(max_batch_size=8, max_wait_ms=50), AnalyticCost(1, 0), arrivals)
    lane.advance(0.003)
    assert len(lane.log) == 0
    lane.update_policy(max_wait_ms=1.0)  # the oldest is already overdue: it goes at 3 ms
    arrivals.close()
    lane.advance(math.inf)
    assert batches(lane)[0] == (0.003, 1, "timeout")
