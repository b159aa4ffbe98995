"""The after-idle shift: a batch that starts on a device idle since its last batch ended pays
its size's shift times the share the idle's length brings; back to back it pays nothing."""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.live.clock import SPIN_S
from batchtui.engine.policies import Static
from batchtui.engine.service import ProfileCost, load_profile
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.idle_shift import (
    CURVE_GAPS_MS,
    EXACT_UP_TO,
    SIGN_TEST_ALPHA,
    IdleShift,
    stands_out,
)
from batchtui.engine.sim.lane import SimLane
from tests.sim.helpers import (
    advance_in_chunks,
    arrivals_at,
    assert_bad_profile_field,
    batches,
    run_lane,
)

# Size 1 takes 2 ms, size 4 8 ms; after a full idle size 1 pays 1 ms more, size 4 3 ms.
# The idle brings none of the shift up to 0.2 ms, all of it from 0.3 ms, linear between.
SHIFT = IdleShift((1, 4), (1.0, 3.0), (0.2, 0.3), (0.0, 1.0))
FIXED = BatchTimes((1, 4), ((2.0, 2.0), (8.0, 8.0)), (0.0, 1.0), after_idle=SHIFT)


def cost(batch_time: BatchTimes = FIXED) -> ProfileCost:
    return ProfileCost({1: 1.0, 4: 4.0}, batch_time=batch_time)


def finishes(lane: SimLane) -> list[float]:
    return [round(float(f), 9) for f in lane.log.arrays().finish]


def test_a_batch_pays_the_shift_its_idle_brings() -> None:
    # 0: the first batch follows an endless idle: 2 + 1 ms, done at 3 ms.
    # 3.1 ms: idle 0.1 ms, none of the shift: done at 5.1 ms.
    # 5.35 ms: idle 0.25 ms, half of it: 2.5 ms, done at 7.85 ms.
    # 7.0 ms: arrives while the device is busy, sent as it frees (no idle): done at 9.85 ms.
    # 20 ms: a long idle, the whole shift again: done at 23 ms.
    lane = run_lane(Static(max_batch_size=1, max_wait_ms=0.0),
                    arrivals_at(0.0, 0.0031, 0.00535, 0.007, 0.020), cost())  # fmt: skip
    assert [d for d, _, _ in batches(lane)] == [0.0, 0.0031, 0.00535, 0.00785, 0.020]
    assert finishes(lane) == [0.003, 0.0051, 0.00785, 0.00985, 0.023]


def test_the_shift_is_each_sizes_own_and_interpolated_between_sizes() -> None:
    # Two arrive together after a long idle: a batch of 2, a third of the way from size 1
    # to 4: 4 ms drawn + 1 + (3 - 1) / 3 ms shifted.
    lane = run_lane(Static(max_batch_size=4, max_wait_ms=0.0), arrivals_at(0.0, 0.0), cost())
    assert finishes(lane) == [pytest.approx(0.004 + 0.001 + 0.002 / 3)]
    assert SHIFT.shift_at(8) == 3.0 and SHIFT.fraction_at(10.0) == 1.0
    assert SHIFT.fraction_at(0.25) == pytest.approx(0.5) and SHIFT.fraction_at(0.1) == 0.0


def test_a_batch_that_starts_beside_another_on_the_device_pays_nothing() -> None:
    # Two slots: 0 ms starts on an idle device (3 ms, done at 3); 1 ms finds the device
    # busy with that batch (2 ms, done at 3); after both, 10 ms follows an idle again.
    lane = run_lane(Static(max_batch_size=1, max_wait_ms=0.0), arrivals_at(0.0, 0.001, 0.010),
                    cost(), max_inflight=2)  # fmt: skip
    assert finishes(lane) == [0.003, 0.003, 0.013]


def test_the_shift_is_the_same_when_the_lane_is_advanced_in_chunks() -> None:
    times = np.cumsum(np.random.default_rng(4).exponential(0.004, 300))

    def run(chunk: float | None) -> list[float]:
        lane = SimLane("lane", Static(max_batch_size=4, max_wait_ms=1.0), cost(),
                       arrivals_at(*times))  # fmt: skip
        return finishes(advance_in_chunks(lane, chunk))

    once = run(None)
    assert run(0.0071) == once
    without = dataclasses.replace(FIXED, after_idle=None)
    lane = run_lane(Static(max_batch_size=4, max_wait_ms=1.0), arrivals_at(*times), cost(without))
    assert once[0] == pytest.approx(finishes(lane)[0] + 0.001)  # the first batch's shift


def test_the_lanes_fast_charge_is_the_shift_times_the_share() -> None:
    charge = SHIFT.seconds()
    for n in (1, 2, 3, 4, 9):
        for idle_ms in (0.0, 0.1, 0.2, 0.22, 0.25, 0.29, 0.3, 5.0, math.inf):
            expected = SHIFT.shift_at(n) * SHIFT.fraction_at(idle_ms) / 1000.0
            assert charge(n, idle_ms / 1000.0) == pytest.approx(expected, abs=1e-12)


def test_the_fit_takes_each_sizes_shift_and_the_curves_share() -> None:
    after_sleep = {1: [1.5] * 9, 8: [2.9] * 9}  # size 8's after-sleep median is below its own
    medians = {1: 1.0, 8: 3.0}
    curve = {0.0: [1.0] * 5} | {g: [1.0 + (0.5 if g >= 0.3 else 0.0)] * 5 for g in CURVE_GAPS_MS}
    curve[0.25] = [1.2] * 5  # 40% of the way
    curve[0.4] = [1.4] * 5  # noise below an earlier idle's: the share never falls
    fit = IdleShift.fit(after_sleep, medians, curve, SPIN_S * 1000.0)
    assert fit.sizes == (1, 8) and fit.shift_ms == (0.5, 0.0)  # never below 0
    assert fit.idle_ms == CURVE_GAPS_MS
    shares = dict(zip(fit.idle_ms, fit.fraction, strict=True))
    assert shares[0.2] == 0.0 and shares[0.25] == pytest.approx(0.4)
    assert shares[0.3] == shares[0.4] == shares[1.0] == 1.0


def test_a_curve_within_noise_becomes_the_live_lanes_own_step() -> None:
    curve = {g: [1.0, 1.0005] for g in (0.0, *CURVE_GAPS_MS)}
    fit = IdleShift.fit({1: [1.2]}, {1: 1.0}, curve, SPIN_S * 1000.0)
    step = [0.0 if g <= SPIN_S * 1000.0 else 1.0 for g in CURVE_GAPS_MS]
    assert list(fit.fraction) == step


def test_profile_round_trip_with_the_shift(tmp_path: Path) -> None:
    points = [{"batch_size": 1, "median_ms": 1.0}, {"batch_size": 4, "median_ms": 4.0}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"format": "batchtui.profile/1", "points": points,
                                "batch_time": FIXED.to_json()}))  # fmt: skip
    loaded = load_profile(path)
    assert loaded.batch_time == FIXED and loaded.to_json()["batch_time"] == FIXED.to_json()
    assert FIXED.summary().endswith(
        "after an idle of 0.3 ms or more, +1.000 ms at size 1, at most +3.000 ms (size 4)"
    )
    flat = IdleShift((1, 4), (0.0, 0.0), (0.2, 0.3), (0.0, 1.0))
    assert flat.summary() == (
        "no slower restart after an idle (no size's batches after a sleep stood out "
        "from its median)"
    )
    assert "after_idle" not in dataclasses.replace(FIXED, after_idle=None).to_json()


GOOD = {"idle_ms": [0.2, 0.3], "fraction": [0, 1], "shift_ms": {"1": 0.5}}


@pytest.mark.parametrize(
    ("after_idle", "message"),
    [
        ([1], "after_idle must be"),
        ({**GOOD, "idle_ms": "x"}, r"after_idle.idle_ms must be a list of numbers"),
        ({**GOOD, "fraction": [0]}, "need the same length"),
        ({**GOOD, "idle_ms": [0.3, 0.2]}, "must be > 0 and rise"),
        ({**GOOD, "fraction": [1, 0.5]}, "must be 0 to 1 and not decrease"),
        ({**GOOD, "shift_ms": {"0": 1}}, "'0' is not a batch size"),
        ({**GOOD, "shift_ms": {"1": -1}}, r"shift_ms\['1'\] must be a number >= 0"),
        ({**GOOD, "shift_ms": {}}, "has no batch sizes"),
    ],
)
def test_a_bad_shift_is_refused_naming_its_field(
    tmp_path: Path, after_idle: object, message: str
) -> None:
    doc = {"probabilities": [0, 1], "quantiles_ms": {"1": [1, 2]}, "after_idle": after_idle}
    assert_bad_profile_field(tmp_path, "batch_time", doc, message)


def test_a_size_whose_timings_straddle_its_median_has_no_shift() -> None:
    # On a 2-core VM whose speed drifts by 20%, a profile read +85 ms at size 1024 (a 359 ms
    # batch, 7 after-sleep timings; bench/RESULTS.md). Timings like those give +91 ms as a
    # medians' difference, but 5 of 7 above the median is a coin's work.
    drifting = [300.0, 340.0, 420.0, 450.0, 470.0, 480.0, 500.0]
    curve = {g: [1.0] for g in (0.0, *CURVE_GAPS_MS)}
    fit = IdleShift.fit({1: [1.5] * 7, 1024: drifting}, {1: 1.0, 1024: 359.0}, curve, 0.2)
    assert fit.shift_ms == (0.5, 0.0)
    assert not stands_out(drifting, 359.0) and stands_out([360.0] * 7, 359.0)
    assert not stands_out([360.0] * 4, 359.0)  # 4 of 4: 1 in 16, within chance at 5%
    assert not stands_out([], 1.0) and not stands_out([0.5] * 9, 1.0)


def test_the_sign_test_past_the_exact_sum_agrees_with_it() -> None:
    k = EXACT_UP_TO + 1
    for above in range(k // 2, k // 2 + 40):
        exact = sum(math.comb(k, i) for i in range(above, k + 1)) / 2.0**k
        timings = [2.0] * above + [0.0] * (k - above)
        if abs(exact - SIGN_TEST_ALPHA) > 0.002:  # the approximation is this close
            assert stands_out(timings, 1.0) is (exact <= SIGN_TEST_ALPHA)
