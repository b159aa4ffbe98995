"""A prefill's attention, priced by ``prefill_ms_per_token_sq``: each chunk's tokens times the
tokens it attends to. Timelines by hand for both kinds of lane, the fit recovering it, the
real tiny-gpt's long prompts, and documents written before the term."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from batchtui.engine.gen import GenRequests
from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.cost import StepCost, attended
from batchtui.engine.gen.request_lane import BatchGeneration, run_request_level
from batchtui.engine.gen.step_fit import fit_step_cost
from batchtui.engine.gen.step_profile import StepPoint, load_gen_profile, price_ms
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.gen_profiler import GenMeasurement, profile_generative
from batchtui.engine.policies import make_policy
from batchtui.engine.session.gen_lanes import batch_tokens

SQ = StepCost(step_ms=1.0, prefill_ms_per_token=0.01, decode_ms_per_seq=0.1,
              context_ms_per_token=0.0, prefill_ms_per_token_sq=0.001)  # fmt: skip


def test_a_chunk_attends_to_its_cached_tokens_and_its_own() -> None:
    assert attended(8) == 64
    assert attended(4, 8) == 4 * 12
    assert SQ.step(8, 0, 0, attended(8)) == pytest.approx((1.0 + 0.08 + 0.064) / 1000.0)
    assert SQ.step(8, 0, 0) == pytest.approx((1.0 + 0.08) / 1000.0)  # no square: as before


def test_the_continuous_scheduler_sums_each_chunks_square() -> None:
    # A 10-token prompt under a 4-token budget, chunked: 4 (nothing cached), 4 (4 cached),
    # then 2 (8 cached); then its decodes, which attend by the context term instead.
    s = Continuous(max_num_batched_tokens=4, chunked_prefill=True, max_num_seqs=4)
    s.add(0, 10, 3)
    squares = []
    for _ in range(5):
        plan = s.schedule()
        squares.append(plan.prefill_sq)
        s.complete(plan)
    assert squares == [16, 4 * 8, 2 * 10, 0, 0]


def test_a_lone_continuous_request_pays_its_prompts_square_on_the_first_token() -> None:
    requests = GenRequests(np.array([0.0]), np.array([100], np.int64), np.array([3], np.int64))
    timeline = run_continuous(Continuous(), SQ, requests)
    first = (1.0 + 100 * 0.01 + 100 * 100 * 0.001) / 1000.0  # 12 ms
    assert timeline.first[0] == pytest.approx(first)
    assert timeline.last[0] == pytest.approx(first + 2 * (1.0 + 0.1) / 1000.0)


def test_a_request_level_batch_pays_each_prompts_square_not_the_sums() -> None:
    # Two prompts of 30 and 10: 30**2 + 10**2 = 1,000 token pairs, not 40**2.
    requests = GenRequests(np.array([0.0, 0.0]), np.array([30, 10], np.int64),
                           np.array([1, 1], np.int64))  # fmt: skip
    prefill = (1.0 + 40 * 0.01 + 1000 * 0.001) / 1000.0
    assert BatchGeneration(SQ, requests).duration(2) == pytest.approx(prefill)
    policy = make_policy("static", max_batch_size=2, max_wait_ms=0.0)
    timeline = run_request_level(policy, SQ, requests)
    assert timeline.first.tolist() == pytest.approx([prefill, prefill])
    # The dashboard's request-level lane prices the same batch alike.
    first, *_ = batch_tokens(SQ, 0.0, requests.prompt, requests.output)
    assert first.tolist() == pytest.approx([prefill, prefill])


def _points(truth: StepCost) -> list[StepPoint]:
    """Prefills of one and of four equal prompts, decodes and mixed steps, priced exactly."""
    shapes = [(t, k, 0, 0) for t in (16, 64, 256, 1024) for k in (1, 4)]
    shapes += [(0, 0, n, c) for n, c in ((1, 64), (8, 512), (32, 8000))]
    shapes += [(64, 1, 4, 400)]
    points = []
    for tokens, seqs, decodes, context in shapes:
        sq = seqs * attended(tokens // seqs) if seqs else 0
        kind = "mixed" if tokens and decodes else "prefill" if tokens else "decode"
        ms = truth.step(tokens, decodes, context, sq) * 1000.0
        points.append(StepPoint(kind, tokens, seqs, decodes, context, ms, ms, ms, 1, sq))
    return points


def test_the_fit_recovers_the_square_and_a_line_cannot_price_long_prompts() -> None:
    truth = StepCost(0.8, 0.005, 0.07, 0.0006, prefill_ms_per_token_sq=1.5e-5)
    points = _points(truth)
    fit = fit_step_cost(points)
    for name, value in dataclasses.asdict(truth).items():
        assert getattr(fit.cost, name) == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert fit.worst_relative_error < 1e-9
    line = fit_step_cost(points, square=False)  # the fit before the term
    assert line.cost.prefill_ms_per_token_sq == 0.0 and line.worst_relative_error > 0.3


def test_tiny_gpts_long_prompt_is_priced_by_the_square_on_the_real_model() -> None:
    # Measured on this CPU: a line through the prefills misses the 1,024-token one by half.
    spec = ModelSpec("tiny-gpt", {"layers": 1, "d_model": 32, "max_context": 1100})
    with torch.inference_mode():
        profile = profile_generative(
            spec, torch.device("cpu"), GenMeasurement(repeats=2, max_tokens=1024, max_seqs=4)
        )
    (longest,) = [p for p in profile.points if p.prefill_tokens == 1024 and p.prefill_seqs == 1]
    assert longest.prefill_sq == 1024 * 1024
    assert profile.cost.prefill_ms_per_token_sq > 0
    line = fit_step_cost(profile.points, square=False).cost
    assert abs(price_ms(profile.cost, longest) / longest.median_ms - 1) < 0.3
    assert price_ms(line, longest) < 0.75 * longest.median_ms


def test_a_profile_from_before_the_term_loads_with_equal_length_squares(tmp_path: Path) -> None:
    point = {
        "kind": "prefill",
        "prefill_tokens": 256,
        "prefill_seqs": 4,
        "decode_seqs": 0,
        "context_tokens": 0,
        "median_ms": 2.0,
        "min_ms": 1.9,
        "max_ms": 2.1,
        "repeats": 3,
    }
    doc = {"format": "batchtui.gen-profile/1", "model": {"kind": "tiny-gpt"}, "device": "cpu",
           "coefficients": {"step_ms": 0.9, "prefill_ms_per_token": 0.01,
                            "decode_ms_per_seq": 0.05, "context_ms_per_token": 0.001},
           "points": [point]}  # fmt: skip
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    profile = load_gen_profile(path)
    assert profile.points[0].prefill_sq == 4 * 64 * 64
    assert profile.cost.prefill_ms_per_token_sq == 0.0
    assert "prefill_ms_per_token_sq" not in profile.cost.to_json()  # reports read as before
    assert "prefill_ms_per_token_sq" not in ModelSpec("analytic-llm").to_dict()
    written = profile.to_json()["points"][0]
    assert written["prefill_sq"] == 4 * 64 * 64
