"""Both runtimes keep one contract with a policy, and admit simultaneous arrivals alike."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pytest

from batchtui.engine.live import WallClockLane
from batchtui.engine.metrics import lane_stats
from batchtui.engine.policies import Dispatch, Policy, QueueView, Static, Wait, make_policy
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.contract import PolicyContractError
from batchtui.engine.sim.lane import SimLane
from tests.sim.helpers import arrivals_at

RUNTIMES = ("sim", "live")


def serve(runtime: str, policy: Policy, arrivals: Arrivals, **kw: Any) -> SimLane | WallClockLane:
    """Run ``policy`` over closed ``arrivals`` in one runtime, to the end."""
    if runtime == "sim":
        lane = SimLane("lane", policy, AnalyticCost(1.0, 0.1), arrivals, **kw)
        lane.advance(math.inf)
        return lane
    live = WallClockLane("lane", policy, AnalyticCost(1.0, 0.1), arrivals, **kw)
    live.run()
    return live


class Answers(Policy):
    """A policy that gives one fixed (possibly broken) answer."""

    kind: ClassVar[str] = "answers"
    PARAMS = ()

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer

    def decide(self, now: float, queue: QueueView) -> Dispatch | Wait:
        return self.answer(now, queue)


BROKEN = {
    "dispatch of none": lambda now, q: Dispatch(0, "full"),
    "dispatch of more than queued": lambda now, q: Dispatch(q.length + 1, "full"),
    "wait until now": lambda now, q: Wait(now, q.length + 1),
    "wait until the past": lambda now, q: Wait(now - 1.0, q.length + 1),
    "wait for a queue already there": lambda now, q: Wait(now + 1.0, q.length),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("answer", BROKEN.values(), ids=BROKEN.keys())
def test_both_runtimes_refuse_the_same_broken_answers(runtime: str, answer: Any) -> None:
    with pytest.raises(PolicyContractError, match="lane: policy"):
        serve(runtime, Answers(answer), arrivals_at(0.0, 0.001))


def whole_second_bursts(groups: int, per_group: int, every_s: float) -> Arrivals:
    """``per_group`` requests sharing each timestamp, one timestamp every ``every_s``."""
    return arrivals_at(*np.repeat(np.arange(groups) * every_s, per_group))


def test_simultaneous_arrivals_are_admitted_one_by_one_in_the_simulator(policy_kind: str) -> None:
    # The example: 10 requests per whole-second timestamp, max batch 4, queue 6.
    # A server seeing them one at a time dispatches 4 as the batch fills, then queues 6.
    policy = make_policy(policy_kind, max_batch_size=4)
    lane = serve("sim", policy, whole_second_bursts(10, 10, 1.0), max_queue=6)
    s = lane_stats(lane)
    assert (s.arrived, s.rejected, s.completed) == (100, 0, 100)


def test_the_live_runtime_admits_simultaneous_arrivals_like_the_simulator() -> None:
    arrivals = whole_second_bursts(5, 10, 0.1)  # the example, ten times faster
    sim = serve("sim", Static(max_batch_size=4, max_wait_ms=2), arrivals, max_queue=6)
    live = serve("live", Static(max_batch_size=4, max_wait_ms=2), arrivals, max_queue=6)
    s, w = lane_stats(sim), lane_stats(live)
    assert (s.rejected, w.rejected) == (0, 0)
    assert w.completed == s.completed == 50
    assert list(live.log.arrays().size) == list(sim.log.arrays().size) == [4, 4, 2] * 5


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_policy_that_waits_still_sees_the_overflow_rejected(runtime: str) -> None:
    # Held back at the bound, then the policy waits: the rest of the group is rejected.
    # The wait is long so that a live lane woken late (a loaded box: tens of ms) still finds
    # the policy waiting; with 5 ms, one late wake found it timed out, and it made room.
    policy = Static(max_batch_size=100, max_wait_ms=200)
    lane = serve(runtime, policy, arrivals_at(*[0.0] * 5), max_queue=3)
    s = lane_stats(lane)
    assert (s.rejected, s.completed) == (2, 3)


def test_earlier_arrivals_beyond_the_bound_are_not_held_back() -> None:
    # Distinct times: each overflowing arrival came when the queue was full and the policy
    # was waiting, so it was rejected then, even if a timeout empties the queue later.
    times = [0.0, 0.001, 0.002, 0.003, 0.004, 0.005]
    lane = serve("sim", Static(max_batch_size=100, max_wait_ms=5), arrivals_at(*times),
                 max_queue=3)  # fmt: skip
    assert lane.rejected == [(3, 5)]
    assert lane_stats(lane).completed == 4
