"""Request-level batches on a generative model, and the case computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.policies import Dynamic, Static

COST = StepCost(
    step_ms=10.0, prefill_ms_per_token=1.0, decode_ms_per_seq=2.0, context_ms_per_token=0.1
)


def requests(times: list[float], prompt: list[int], output: list[int]) -> GenRequests:
    return GenRequests(
        np.array(times), np.array(prompt, dtype=np.int64), np.array(output, dtype=np.int64)
    )


def test_a_batch_decodes_until_its_longest_request_and_the_next_waits_for_it() -> None:
    reqs = requests([0.0, 0.0, 0.001], prompt=[10, 20, 10], output=[3, 1, 2])
    tl = run_request_level(Static(max_batch_size=2, max_wait_ms=5.0), COST, reqs)
    # Batch 1 (full at t=0): prefill 10 + 1*30 = 40 ms; decode steps 10 + 2*2 + 0.1*30 = 17
    # ms, then 17.2 ms (both sequences' context grew by one token, the finished one's too).
    assert tl.first[:2] == pytest.approx([0.040, 0.040])
    assert tl.last[:2] == pytest.approx([0.0742, 0.040])
    # Request 2 arrived at 1 ms and waits for the whole batch: prefill 10 + 10 = 20 ms,
    # then one decode step of 10 + 2 + 0.1*10 = 13 ms.
    assert tl.first[2] == pytest.approx(0.0942)
    assert tl.last[2] == pytest.approx(0.1072)
    assert tl.itl == pytest.approx([0.017, 0.0172, 0.013])
    assert tl.step_end == pytest.approx([0.040, 0.057, 0.0742, 0.0942, 0.1072])
    assert tl.step_seqs.tolist() == [2, 2, 2, 1, 1]
    assert tl.tokens.tolist() == [3, 1, 2]


def test_the_batch_log_is_shown_for_a_batch_by_batch_comparison() -> None:
    # bench/gen_step_compare.py lines live and simulated batches up from these logs.
    reqs = requests([0.0, 0.0, 0.001], prompt=[10, 20, 10], output=[3, 1, 2])
    logs: list[object] = []
    tl = run_request_level(Static(max_batch_size=2, max_wait_ms=5.0), COST, reqs, logs.append)
    (log,) = logs
    assert log.size.tolist() == [2, 1]  # type: ignore[attr-defined]
    assert log.dispatch == pytest.approx([0.0, 0.0742])  # type: ignore[attr-defined]
    assert log.finish == pytest.approx([0.0742, 0.1072])  # type: ignore[attr-defined]
    assert tl.first[2] - log.dispatch[1] == pytest.approx(0.020)  # type: ignore[attr-defined]


def test_constant_arrivals_without_contention_give_exact_ttft_and_tpot() -> None:
    # One request a second, each done in well under a second: nobody ever waits.
    prompt, output = 100, 11
    reqs = requests([float(k) for k in range(20)], [prompt] * 20, [output] * 20)
    cost = StepCost()  # the published defaults
    ttft = (cost.step_ms + cost.prefill_ms_per_token * prompt) / 1000.0
    # Decode step k (1..10) reads a context of prompt + k - 1 tokens.
    steps = [
        cost.step_ms + cost.decode_ms_per_seq + cost.context_ms_per_token * (prompt + k - 1)
        for k in range(1, output)
    ]
    tpot = sum(steps) / (output - 1) / 1000.0
    for tl in (
        run_continuous(Continuous(), cost, reqs),
        run_request_level(Dynamic(), cost, reqs),
    ):
        assert tl.first - reqs.times == pytest.approx(np.full(20, ttft), abs=1e-12)
        got_tpot = (tl.last - tl.first) / (output - 1)
        assert got_tpot == pytest.approx(np.full(20, tpot), abs=1e-12)
        assert tl.itl[: output - 1] == pytest.approx(np.array(steps) / 1000.0, abs=1e-12)
    static = run_request_level(Static(max_wait_ms=5.0), cost, reqs)
    assert static.first - reqs.times == pytest.approx(np.full(20, ttft + 0.005), abs=1e-12)
