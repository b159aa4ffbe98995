"""A profile's per-size batch-time distribution in the simulator: each batch's time is drawn
from its size's distribution, seeded; without the field, every size costs its median."""

import json
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.policies import Static
from batchtui.engine.service import ProfileCost, load_profile
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.lane import SimLane
from batchtui.engine.sim.wakeup import WakeupLateness
from tests.sim.helpers import (
    advance_in_chunks,
    arrivals_at,
    assert_bad_profile_field,
    batches,
    run_lane,
)

# Size 1 always takes 2 ms, size 4 always 8 ms: the medians (1 and 4 ms) are never used.
FIXED = BatchTimes((1, 4), ((2.0, 2.0), (8.0, 8.0)), (0.0, 1.0))
# Size 1: 90% of batches 1 ms, the slowest 10% spread up to 9 ms (a stall).
STALLS = BatchTimes((1,), ((1.0, 1.0, 9.0),), (0.0, 0.9, 1.0))


def cost(batch_time: BatchTimes | None = None, seed: int = 0) -> ProfileCost:
    return ProfileCost({1: 1.0, 4: 4.0}, seed=seed, batch_time=batch_time)


def finishes(lane: SimLane) -> list[float]:
    return [round(float(f), 9) for f in lane.log.arrays().finish]


def test_each_batch_takes_its_sizes_drawn_time_not_the_median() -> None:
    # 0 ms: sent alone, runs 2 ms (its median is 1 ms). The 0.5 and 1 ms arrivals wait for
    # the device, sent together at 2 ms: size 2 lies a third of the way from size 1 to 4, so
    # 2 + (8 - 2) / 3 = 4 ms, done at 6 ms.
    lane = run_lane(Static(max_batch_size=4, max_wait_ms=0.0), arrivals_at(0.0, 0.0005, 0.001),
                    cost(FIXED))  # fmt: skip
    assert batches(lane) == [(0.0, 1, "timeout"), (0.002, 2, "timeout")]
    assert finishes(lane) == [0.002, 0.006]
    # Without the field: the medians, 1 ms and 2 ms (interpolated), as always.
    lane = run_lane(Static(max_batch_size=4, max_wait_ms=0.0), arrivals_at(0.0, 0.0005, 0.001),
                    cost())  # fmt: skip
    assert batches(lane) == [(0.0, 1, "timeout"), (0.001, 2, "timeout")]
    assert finishes(lane) == [0.001, 0.003]


def test_sizes_between_and_beyond_the_measured_ones() -> None:
    assert FIXED.quantiles_at(1) == FIXED.quantiles_at(0) == [2.0, 2.0]
    assert FIXED.quantiles_at(3) == [6.0, 6.0]
    # Beyond the largest size the quantiles rise with the medians' last slope (2 ms a request).
    assert FIXED.quantiles_at(6) == [12.0, 12.0]
    assert STALLS.draw_ms(1, 0.5) == 1.0 and STALLS.draw_ms(1, 0.95) == pytest.approx(5.0)
    assert STALLS.quantiles_at(7) == [1.0, 1.0, 9.0]  # one size: no slope to continue


def test_draws_follow_each_sizes_distribution() -> None:
    draw = STALLS.stream(seed=0)
    samples = np.array([draw(1) for _ in range(20_000)]) * 1000.0
    assert samples.min() == 1.0 and samples.max() <= 9.0
    assert np.mean(samples > 1.0) == pytest.approx(0.1, abs=0.01)
    assert np.mean(samples <= 5.0) == pytest.approx(0.95, abs=0.005)


def test_batch_times_are_seeded_apart_from_the_lateness_and_the_same_in_chunks() -> None:
    times = np.cumsum(np.random.default_rng(3).exponential(0.002, 400))
    lateness = WakeupLateness((0.0, 0.01, 0.3, 4.0), (0.0, 0.5, 0.99, 1.0))

    def run(spread: BatchTimes | None, seed: int, chunk: float | None) -> list[float]:
        service = ProfileCost({1: 1.0, 4: 4.0}, wakeup=lateness, seed=seed, batch_time=spread)
        lane = SimLane("lane", Static(max_batch_size=4, max_wait_ms=1.0), service,
                       arrivals_at(*times))  # fmt: skip
        return finishes(advance_in_chunks(lane, chunk))

    once = run(STALLS, 0, None)
    assert run(STALLS, 0, None) == once
    assert run(STALLS, 0, 0.0137) == once
    assert run(STALLS, 1, None) != once
    # The lateness stream is its own: the same lane without stalls (every batch 1 ms, as its
    # medians) wakes late by the same draws as without the field: the same run.
    plain = run(BatchTimes((1, 4), ((1.0, 1.0), (4.0, 4.0)), (0.0, 1.0)), 0, None)
    assert plain == run(None, 0, None)


def test_rare_stalls_seen_at_small_sizes_reach_the_larger_ones() -> None:
    # 200 timings of size 1 at 1 ms, two of them stalled by 5 ms; 10 of size 8 at 3 ms,
    # none stalled (too few to see one). Size 8's upper tail is at least size 1's excess.
    one = [1.0] * 198 + [6.0, 6.0]
    times = BatchTimes.from_samples({1: one, 8: [3.0] * 10})
    p = list(times.probabilities)
    row1, row8 = times.quantiles_at(1), times.quantiles_at(8)
    assert row1[p.index(0.5)] == 1.0 and row1[-1] == 6.0
    assert row8[p.index(0.5)] == 3.0 and row8[0] == 3.0
    assert row8[-1] == pytest.approx(8.0) and row8[p.index(0.999)] == pytest.approx(8.0)
    # A size of about the same cost shares its stalls with a smaller one ...
    shared = BatchTimes.from_samples({1: [1.0] * 100, 2: [1.5] * 198 + [6.5, 6.5]})
    assert shared.quantiles_at(1)[-1] == pytest.approx(6.0)
    assert shared.quantiles_at(1)[p.index(0.5)] == 1.0
    # ... but a much costlier size's spread leaves a cheap one alone.
    wide = BatchTimes.from_samples({1: [1.0] * 10, 8: [1.0, 3.0, 9.0]})
    assert wide.quantiles_at(1) == [1.0] * len(p)
    # Centred on given medians (a profile's back-to-back ones), spread as the samples were.
    centred = BatchTimes.from_samples({1: [2.0, 2.0, 3.0]}, {1: 1.0})
    assert centred.draw_ms(1, 0.5) == 1.0 and centred.quantiles_at(1)[-1] == 2.0


def test_profile_round_trip_with_and_without_the_field(tmp_path: Path) -> None:
    points = [{"batch_size": 1, "median_ms": 1.0}, {"batch_size": 4, "median_ms": 4.0}]
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"format": "batchtui.profile/1", "points": points}))
    doc = {"format": "batchtui.profile/1", "points": points, "batch_time": FIXED.to_json()}
    new.write_text(json.dumps(doc))
    assert load_profile(old).batch_time is None
    assert "batch_time" not in load_profile(old).to_json()
    loaded = load_profile(new)
    assert loaded.batch_time == FIXED and loaded.for_lane().batch_time == FIXED
    assert loaded.to_json()["batch_time"] == FIXED.to_json()
    assert loaded.duration(2) == pytest.approx(0.002)  # the median stays the cost's mean
    # An old profile runs exactly as a table without the field always did.
    times = np.cumsum(np.random.default_rng(5).exponential(0.003, 300))
    logs = []
    for service in (load_profile(old), ProfileCost({1: 1.0, 4: 4.0})):
        lane = run_lane(Static(max_batch_size=4, max_wait_ms=2.0), arrivals_at(*times), service)
        logs.append((lane.log.arrays().dispatch.tolist(), finishes(lane)))
    assert logs[0] == logs[1]


@pytest.mark.parametrize(
    ("batch_time", "message"),
    [
        ([1, 2], "batch_time must be"),
        ({"probabilities": [0, 1], "quantiles_ms": {}}, "has no batch sizes"),
        ({"probabilities": [0, 1], "quantiles_ms": {"x": [1, 2]}}, "'x' is not a batch size"),
        ({"probabilities": [0, 1], "quantiles_ms": {"1": [2, 1]}}, "not decrease"),
        ({"probabilities": [0, 1], "quantiles_ms": {"1": [0, 1]}}, "must be > 0 ms"),
        ({"probabilities": [0, 0.5], "quantiles_ms": {"1": [1, 2]}}, "must rise from 0 to 1"),
    ],
)
def test_a_bad_batch_time_field_names_its_path(
    tmp_path: Path, batch_time: object, message: str
) -> None:
    assert_bad_profile_field(tmp_path, "batch_time", batch_time, message)
