"""The continuous scheduler as literal timelines: each step's plan, by vLLM V1's rules."""

from __future__ import annotations

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import Continuous, StepPlan


def step(s: Continuous) -> tuple[StepPlan, list[int], list[int]]:
    """Plan one step and complete it: the plan, who sampled a token and who finished."""
    plan = s.schedule()
    result = s.complete(plan)
    return plan, result.sampled, result.finished


def test_running_decodes_are_scheduled_before_waiting_prefills() -> None:
    s = Continuous(max_num_batched_tokens=10)
    s.add(0, prompt=4, output=3)
    s.add(1, prompt=4, output=3)
    plan, sampled, _ = step(s)
    assert plan.items == [(0, 4), (1, 4)] and sampled == [0, 1]
    s.add(2, prompt=20, output=2)
    plan, sampled, _ = step(s)
    # Two decodes first (1 token each), then the new prompt chunked into what is left.
    assert plan.items == [(0, 1), (1, 1), (2, 8)]
    assert (plan.prefill_tokens, plan.decode_seqs, plan.context_tokens) == (8, 2, 8)
    assert sampled == [0, 1]  # request 2's chunk samples nothing yet


def test_the_token_budget_is_filled_and_never_exceeded() -> None:
    s = Continuous(max_num_batched_tokens=10)
    s.add(0, prompt=6, output=2)
    s.add(1, prompt=6, output=2)
    plan, sampled, _ = step(s)
    assert plan.items == [(0, 6), (1, 4)] and sampled == [0]
    plan, sampled, finished = step(s)
    assert plan.items == [(0, 1), (1, 2)] and sampled == [0, 1] and finished == [0]
    plan, sampled, finished = step(s)
    assert plan.items == [(1, 1)] and finished == [1] and s.idle


def test_long_prefills_are_chunked_at_the_threshold() -> None:
    s = Continuous(max_num_batched_tokens=100, long_prefill_token_threshold=30)
    s.add(0, prompt=100, output=1)
    chunks = []
    while not s.idle:
        plan, sampled, _ = step(s)
        chunks.append((plan.items, sampled))
    assert chunks == [([(0, 30)], []), ([(0, 30)], []), ([(0, 30)], []), ([(0, 10)], [0])]


def test_without_chunked_prefill_a_prompt_waits_for_a_budget_that_holds_it() -> None:
    s = Continuous(max_num_batched_tokens=10, chunked_prefill=False)
    s.add(0, prompt=8, output=3)
    s.add(1, prompt=8, output=2)
    plan, _, _ = step(s)
    assert plan.items == [(0, 8)]  # request 1 does not fit the 2 tokens left
    plan, _, _ = step(s)
    assert plan.items == [(0, 1), (1, 8)]


def test_max_num_seqs_caps_the_running_sequences() -> None:
    s = Continuous(max_num_seqs=2)
    for rid in range(3):
        s.add(rid, prompt=2, output=2)
    plan, _, _ = step(s)
    assert [rid for rid, _ in plan.items] == [0, 1] and list(s.waiting) == [2]
    plan, _, finished = step(s)
    assert [rid for rid, _ in plan.items] == [0, 1] and finished == [0, 1]
    plan, _, _ = step(s)
    assert plan.items == [(2, 2)]


def test_a_full_kv_cache_preempts_the_newest_request_which_recomputes_later() -> None:
    # 4 blocks of 2 tokens. Both requests grow until request 0 needs a fifth block.
    s = Continuous(kv_cache_tokens=8, block_size=2)
    s.add(0, prompt=2, output=4)
    s.add(1, prompt=2, output=4)
    timeline = []
    while not s.idle:
        plan, sampled, finished = step(s)
        timeline.append((plan.items, plan.preempted, sampled, finished, s.used_blocks))
    assert timeline == [
        ([(0, 2), (1, 2)], [], [0, 1], [], 2),
        ([(0, 1), (1, 1)], [], [0, 1], [], 4),
        ([(0, 1), (1, 1)], [], [0, 1], [], 4),
        ([(0, 1)], [1], [0], [0], 0),  # 1 preempted (blocks freed); 0 then finishes
        ([(1, 5)], [], [1], [1], 0),  # 1 recomputes prompt + 3 tokens, samples its 4th
    ]
    assert s.preemptions == 1


def test_a_request_that_can_never_fit_is_reported_by_fits() -> None:
    s = Continuous(kv_cache_tokens=64, block_size=16)
    assert s.fits(prompt=60, output=5)  # 64 tokens of KV: the last token is never stored
    assert not s.fits(prompt=60, output=6)
    whole = Continuous(max_num_batched_tokens=50, chunked_prefill=False)
    assert not whole.fits(prompt=40, output=20)  # its recompute would need 59 tokens at once


def test_bad_knobs_are_named() -> None:
    with pytest.raises(ConfigError, match="max_num_seqs: must be >= 1, got 0"):
        Continuous(max_num_seqs=0)
    with pytest.raises(ConfigError, match="kv_cache_tokens: must hold at least one block"):
        Continuous(kv_cache_tokens=8, block_size=16)
