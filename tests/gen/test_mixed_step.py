"""A step that both prefills and decodes pays ``mixed_step_ms`` more (the live runtime runs it
as two model calls): priced alike by the reference, the resumable stepper and the kernel, and
off (0) in every model and profile written before it, which price exactly as they did."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_kernel import run_timeline
from batchtui.engine.gen.continuous_lane import ContinuousStepper, run_continuous
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.step_profile import load_gen_profile
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import Static
from tests.gen.test_kernel_equivalence import assert_identical
from tests.gen.test_stepper import workload

COST = StepCost(step_ms=1.0, prefill_ms_per_token=0.1, decode_ms_per_seq=0.5,
                context_ms_per_token=0.0, mixed_step_ms=2.0)  # fmt: skip
# Request 0 (prompt 4, 3 tokens) at 0; request 1 (prompt 2, 1 token) at 1 ms, mid-prefill.
REQUESTS = GenRequests(
    np.array([0.0, 0.001]), np.array([4, 2], dtype=np.int64), np.array([3, 1], dtype=np.int64)
)


def test_a_mixed_step_pays_its_second_call_a_timeline_by_hand() -> None:
    # Step 1: 0's prompt alone, 1 + 0.1 * 4 = 1.4 ms -> 0's first token at 1.4 ms.
    # Step 2: 0's decode beside 1's prompt, 1 + 0.1 * 2 + 0.5 + 2 (mixed) = 3.7 ms -> 5.1 ms:
    #         0's second token, 1's first and only token.
    # Step 3: 0's last decode alone, 1 + 0.5 = 1.5 ms -> 6.6 ms.
    tl = run_continuous(Continuous(), COST, REQUESTS)
    assert tl.step_end.tolist() == pytest.approx([0.0014, 0.0051, 0.0066], abs=1e-12)
    assert tl.first.tolist() == pytest.approx([0.0014, 0.0051], abs=1e-12)
    assert tl.last.tolist() == pytest.approx([0.0066, 0.0051], abs=1e-12)
    assert tl.busy_s == pytest.approx(0.0066, abs=1e-12)
    # Without the term, step 2 is 1.7 ms: everything after it 2 ms earlier.
    plain = run_continuous(Continuous(), dataclasses.replace(COST, mixed_step_ms=0.0), REQUESTS)
    assert plain.step_end.tolist() == pytest.approx([0.0014, 0.0031, 0.0046], abs=1e-12)


def test_the_stepper_in_slices_and_the_kernel_price_the_mixed_step_to_the_bit() -> None:
    want = run_continuous(Continuous(), COST, REQUESTS)
    assert_identical(run_timeline(Continuous(), COST, REQUESTS), want)
    stepper = ContinuousStepper(Continuous(), COST)
    stepper.feed([0.0], [4], [3])
    stepper.advance(0.001)  # step 1 starts before 1 ms; request 1 is fed only now
    stepper.feed([0.001], [2], [1])
    stepper.advance(math.inf)
    assert stepper.step_end == want.step_end.tolist() and stepper.busy_s == want.busy_s


def test_request_level_batches_never_mix_so_never_pay_it() -> None:
    # A request-level batch prefills, then decodes: no step does both.
    policy = Static(max_batch_size=2, max_wait_ms=5.0)
    with_term = run_request_level(policy, COST, REQUESTS)
    policy = Static(max_batch_size=2, max_wait_ms=5.0)
    plain = run_request_level(policy, dataclasses.replace(COST, mixed_step_ms=0.0), REQUESTS)
    assert_identical(with_term, plain)


def old_price(cost: StepCost, prefill: int, seqs: int, context: int) -> float:
    """StepCost.step as written before mixed_step_ms."""
    return (
        cost.step_ms
        + cost.prefill_ms_per_token * prefill
        + cost.decode_ms_per_seq * seqs
        + cost.context_ms_per_token * context
    ) / 1000.0


class OldCost(StepCost):
    """The pricing before mixed_step_ms (run by the Python reference, never the kernel)."""

    def step(
        self, prefill_tokens: int, decode_seqs: int, context_tokens: int, prefill_sq: int = 0
    ) -> float:
        return old_price(self, prefill_tokens, decode_seqs, context_tokens)


def test_a_profile_from_before_the_term_loads_at_0_and_prices_exactly_as_before(
    tmp_path: Path,
) -> None:
    doc = {
        "format": "batchtui.gen-profile/1",
        "model": {"kind": "tiny-gpt", "layers": 1},
        "device": "cpu",
        "coefficients": {"step_ms": 0.9, "prefill_ms_per_token": 0.011,
                         "decode_ms_per_seq": 0.05, "context_ms_per_token": 0.0011},
        "idle": {"idle_restart_ms": 1.3, "idle_after_ms": 1.0, "gap_ms": 100.0, "points": []},
        "points": [],
    }  # fmt: skip
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    cost = load_gen_profile(path).cost
    assert cost.mixed_step_ms == 0.0
    assert "mixed_step_ms" not in cost.to_json()  # reports say what they said before
    requests = workload(5, 80)
    params = {"max_num_seqs": 8, "max_num_batched_tokens": 128}
    before = run_continuous(Continuous(**params), OldCost(**dataclasses.asdict(cost)), requests)
    charged = run_continuous(
        Continuous(**params), dataclasses.replace(cost, mixed_step_ms=1.0), requests
    )
    assert charged.busy_s > before.busy_s  # the run has mixed steps, so the test can fail
    assert_identical(run_continuous(Continuous(**params), cost, requests), before)
    assert_identical(run_timeline(Continuous(**params), cost, requests), before)


def test_an_analytic_llm_spec_says_mixed_step_ms_only_when_charged() -> None:
    plain = ModelSpec("analytic-llm", {"step_ms": 2.0})
    assert "mixed_step_ms" not in plain.to_dict()
    assert StepCost.from_spec(plain).mixed_step_ms == 0.0
    charged = ModelSpec("analytic-llm", {"step_ms": 2.0, "mixed_step_ms": 1.5})
    assert charged.to_dict()["mixed_step_ms"] == 1.5
    cost = StepCost.from_spec(charged)
    assert cost.step(10, 2, 0) - cost.step(10, 0, 0) - cost.step(0, 2, 0) == pytest.approx(
        (1.5 - 2.0) / 1000.0
    )  # one step_ms less than two calls, plus the mixed term
