"""The idle restart: a step (or request-level batch) that starts after the device idled
longer than ``idle_after_ms`` pays ``idle_restart_ms`` once; back-to-back steps do not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_kernel import run_timeline
from batchtui.engine.gen.continuous_lane import ContinuousStepper, run_continuous
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import Dynamic

COST = StepCost(
    step_ms=10.0,
    prefill_ms_per_token=1.0,
    decode_ms_per_seq=2.0,
    context_ms_per_token=0.1,
    idle_restart_ms=5.0,
    idle_after_ms=20.0,
)
# Request 0 at 0 s (10 prompt tokens, 2 output), 1 at 50 ms (10, 1), 2 at 100 ms (10, 1).
REQUESTS = GenRequests(
    np.array([0.0, 0.050, 0.100]),
    np.array([10, 10, 10], dtype=np.int64),
    np.array([2, 1, 1], dtype=np.int64),
)
# By hand: 0-25 ms: the first step ever pays: prefill 10 + 10*1 + 5 = 25 ms. 25-38 ms: the
# decode right after it does not: 10 + 2 + 0.1*10 = 13 ms. At 50 ms the device idled 12 ms
# (not over 20): 10 + 10 = 20 ms, to 70 ms. At 100 ms it idled 30 ms: 25 ms, to 125 ms.
STEP_END = [0.025, 0.038, 0.070, 0.125]
FIRST = [0.025, 0.070, 0.125]
LAST = [0.038, 0.070, 0.125]


def test_the_restart_is_charged_only_past_the_threshold_and_only_when_set() -> None:
    assert COST.restart_s(math.inf) == COST.restart_s(0.0201) == 0.005
    assert COST.restart_s(0.020) == COST.restart_s(0.0) == 0.0
    assert StepCost().restart_s(math.inf) == 0.0  # off by default


@pytest.mark.parametrize("lane", ["reference", "kernel", "stepper in slices"])
def test_a_continuous_step_after_idle_pays_the_restart_and_back_to_back_does_not(
    lane: str,
) -> None:
    if lane == "reference":
        tl = run_continuous(Continuous(), COST, REQUESTS)
        step_end, first, last, busy = tl.step_end, tl.first, tl.last, tl.busy_s
    elif lane == "kernel":
        tl = run_timeline(Continuous(), COST, REQUESTS)
        step_end, first, last, busy = tl.step_end, tl.first, tl.last, tl.busy_s
    else:  # as the dashboard drives it: fed and advanced a slice at a time
        stepper = ContinuousStepper(Continuous(), COST)
        for k, until in enumerate([0.030, 0.060, 0.110, math.inf]):
            if k < 3:
                stepper.feed([REQUESTS.times[k]], [10], [int(REQUESTS.output[k])])
            stepper.advance(until)
        step_end, busy = np.array(stepper.step_end), stepper.busy_s
        first = np.array([f for _, f, _ in sorted(stepper.finished)])
        last = np.array([t for _, _, t in sorted(stepper.finished)])
    assert step_end == pytest.approx(STEP_END, abs=1e-12)
    assert first == pytest.approx(FIRST, abs=1e-12)
    assert last == pytest.approx(LAST, abs=1e-12)
    assert busy == pytest.approx(0.025 + 0.013 + 0.020 + 0.025, abs=1e-12)


def test_a_request_level_batch_after_idle_pays_the_restart_once_on_its_prefill() -> None:
    tl = run_request_level(Dynamic(max_batch_size=1), COST, REQUESTS)
    # The same three steps as the continuous lane: one batch each, the same idles.
    assert tl.step_end == pytest.approx(STEP_END, abs=1e-12)
    assert tl.first == pytest.approx(FIRST, abs=1e-12)
    assert tl.last == pytest.approx(LAST, abs=1e-12)
    assert tl.itl == pytest.approx([0.013], abs=1e-12)  # the decode: no restart in it
    assert tl.busy_s == pytest.approx(0.083, abs=1e-12)


def test_a_request_level_batch_that_waited_for_the_device_starts_back_to_back() -> None:
    # Request 1 arrives at 1 ms while batch 0 runs (0-38 ms, restart paid): its batch starts
    # as batch 0 ends, with no idle between, so it pays no restart: 38 + 20 = 58 ms.
    reqs = GenRequests(
        np.array([0.0, 0.001]), np.array([10, 10], dtype=np.int64), np.array([2, 1], np.int64)
    )
    tl = run_request_level(Dynamic(max_batch_size=1), COST, reqs)
    assert tl.first == pytest.approx([0.025, 0.058], abs=1e-12)
    assert tl.step_end == pytest.approx([0.025, 0.038, 0.058], abs=1e-12)


def test_without_the_restart_every_lane_is_as_before() -> None:
    plain = StepCost(10.0, 1.0, 2.0, 0.1)
    off = StepCost(10.0, 1.0, 2.0, 0.1, idle_restart_ms=0.0, idle_after_ms=20.0)
    for run in (run_continuous, run_timeline):
        a, b = run(Continuous(), plain, REQUESTS), run(Continuous(), off, REQUESTS)
        assert a.step_end.tolist() == b.step_end.tolist()
        assert a.step_end == pytest.approx([0.020, 0.033, 0.070, 0.120], abs=1e-12)
    a = run_request_level(Dynamic(max_batch_size=1), plain, REQUESTS)
    assert a.step_end.tolist() == pytest.approx([0.020, 0.033, 0.070, 0.120], abs=1e-12)
    assert plain.to_json() == {
        "kind": "analytic-llm", "step_ms": 10.0, "prefill_ms_per_token": 1.0,
        "decode_ms_per_seq": 2.0, "context_ms_per_token": 0.1,
    }  # fmt: skip
    assert COST.to_json()["idle_restart_ms"] == 5.0


def test_the_knobs_are_model_params_of_analytic_llm() -> None:
    spec = ModelSpec("analytic-llm", {"idle_restart_ms": 1.5, "idle_after_ms": 4})
    cost = StepCost.from_spec(spec)
    assert (cost.idle_restart_ms, cost.idle_after_ms) == (1.5, 4.0)
    assert StepCost.from_spec(ModelSpec("analytic-llm")) == StepCost()
