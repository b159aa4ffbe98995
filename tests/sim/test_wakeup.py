"""A profile's measured wake-up lateness in the simulator: which dispatches pay it, and how."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.policies import Static
from batchtui.engine.service import ProfileCost, load_profile
from batchtui.engine.sim.lane import SimLane
from batchtui.engine.sim.wakeup import WakeupLateness
from tests.sim.helpers import arrivals_at, assert_bad_profile_field, batches, run_lane

ALWAYS_1MS = WakeupLateness((1.0, 1.0), (0.0, 1.0))
SPREAD = WakeupLateness((0.0, 0.01, 0.3, 4.0), (0.0, 0.5, 0.99, 1.0))


def cost(wakeup: WakeupLateness | None = None, seed: int = 0) -> ProfileCost:
    return ProfileCost({1: 1.0, 2: 1.0}, wakeup=wakeup, seed=seed)


def test_only_the_dispatches_that_need_a_wake_up_are_late() -> None:
    # 10 ms: arrival at an idle lane, woken at 11 ms; the Wait to its 12 ms deadline is a
    # sleep, woken at 13 ms: sent alone. The next two arrive while it runs (13-14 ms): taken
    # as the device frees at 14 ms, back to back, on time.
    arrivals = arrivals_at(0.010, 0.0135, 0.0136)
    policy = Static(max_batch_size=2, max_wait_ms=2.0)
    assert batches(run_lane(policy, arrivals, cost(ALWAYS_1MS))) == [
        (0.013, 1, "timeout"),
        (0.014, 2, "full"),
    ]
    # Without the field: on time, and the second arrival fills a batch 0.1 ms later (a wait
    # that short spins live, so it is never late either).
    policy = Static(max_batch_size=2, max_wait_ms=2.0)
    assert batches(run_lane(policy, arrivals_at(0.010, 0.0135, 0.0136), cost())) == [
        (0.012, 1, "timeout"),
        (0.0136, 2, "full"),
    ]


def test_a_late_wake_sees_the_arrivals_that_came_meanwhile() -> None:
    # Woken at 11 ms for the 10 ms arrival: the 10.5 ms one is there too, the batch is full.
    lane = run_lane(Static(max_batch_size=2, max_wait_ms=5.0), arrivals_at(0.010, 0.0105),
                    cost(ALWAYS_1MS))  # fmt: skip
    assert batches(lane) == [(0.011, 2, "full")]


def test_lateness_is_seeded_and_the_same_in_chunks() -> None:
    times = np.cumsum(np.random.default_rng(3).exponential(0.002, 400))
    policy = {"max_batch_size": 8, "max_wait_ms": 1.0}

    def dispatches(wakeup: WakeupLateness | None, seed: int, chunk: float | None) -> list[float]:
        """Each request's dispatch time."""
        arrivals = arrivals_at(*times)
        lane = SimLane("lane", Static(**policy), cost(wakeup, seed), arrivals)
        if chunk is not None:
            for k in range(1, int(times[-1] / chunk) + 1):
                lane.advance(k * chunk)
        lane.advance(math.inf)
        a = lane.log.arrays()
        return np.repeat(a.dispatch, a.size).tolist()

    once = dispatches(SPREAD, 0, None)
    assert dispatches(SPREAD, 0, None) == once
    assert dispatches(SPREAD, 0, 0.0137) == once  # a horizon that cuts sleeps keeps its draw
    assert dispatches(SPREAD, 1, None) != once
    late = np.array(once) - dispatches(None, 0, None)
    assert late.mean() > 0 and late.max() > 0.0005


def test_draws_follow_the_distribution() -> None:
    draw = SPREAD.stream(seed=0)
    samples = np.array([draw() for _ in range(20_000)]) * 1000.0
    assert samples.min() >= 0.0 and samples.max() <= 4.0
    # The empirical CDF at the kept quantiles is their probability.
    assert np.mean(samples <= 0.01) == pytest.approx(0.5, abs=0.01)
    assert np.mean(samples <= 0.3) == pytest.approx(0.99, abs=0.003)


def test_profile_round_trip_with_and_without_the_field(tmp_path: Path) -> None:
    points = [{"batch_size": 1, "median_ms": 1.0}, {"batch_size": 4, "median_ms": 2.0}]
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "batchtui.profile/1", "points": points}))
    new = tmp_path / "new.json"
    new.write_text(
        json.dumps({"format": "batchtui.profile/1", "points": points, "wakeup": SPREAD.to_json()})
    )
    assert load_profile(old).wakeup is None
    assert "wakeup" not in load_profile(old).to_json()
    loaded = load_profile(new)
    assert loaded.wakeup == SPREAD and loaded.for_lane().wakeup == SPREAD
    assert loaded.to_json()["wakeup"] == SPREAD.to_json()
    # An old profile runs exactly as a table without the field always did.
    times = np.cumsum(np.random.default_rng(5).exponential(0.003, 300))
    logs = []
    for service in (load_profile(old), ProfileCost({1: 1.0, 4: 2.0})):
        lane = run_lane(Static(max_batch_size=4, max_wait_ms=2.0), arrivals_at(*times), service)
        logs.append(lane.log.arrays().dispatch.tolist())
    assert logs[0] == logs[1]


@pytest.mark.parametrize(
    ("wakeup", "message"),
    [
        ([1, 2], "wakeup must be"),
        ({"quantiles_ms": [0, 1], "probabilities": [0, 0.5]}, "must rise from 0 to 1"),
        ({"quantiles_ms": [2, 1], "probabilities": [0, 1]}, "must be >= 0 and not decrease"),
        ({"quantiles_ms": [0, 1, 2], "probabilities": [0, 1]}, "the same length"),
        ({"quantiles_ms": ["a", 1], "probabilities": [0, 1]}, "quantiles_ms must be a list"),
    ],
)
def test_a_bad_wakeup_field_names_its_path(tmp_path: Path, wakeup: object, message: str) -> None:
    assert_bad_profile_field(tmp_path, "wakeup", wakeup, message)
