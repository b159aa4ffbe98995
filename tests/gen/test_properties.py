"""Invariants of the continuous scheduler and both lane kinds, over random workloads."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.policies import make_policy

knobs = st.fixed_dictionaries(
    {
        "max_num_seqs": st.integers(1, 8),
        "max_num_batched_tokens": st.integers(1, 64),
        "chunked_prefill": st.booleans(),
        "long_prefill_token_threshold": st.sampled_from([0, 1, 5, 17]),
        "kv_cache_tokens": st.integers(16, 200),
        "block_size": st.sampled_from([1, 4, 16]),
    }
)
workload = st.lists(
    st.tuples(st.integers(1, 40), st.integers(1, 30), st.floats(0.0, 0.5)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(knobs, workload)
def test_every_token_once_no_step_over_budget_kv_never_over_capacity(params, reqs) -> None:
    s = Continuous(**params)
    admitted = [i for i, (p, o, _) in enumerate(reqs) if s.fits(p, o)]
    for rid in admitted:
        s.add(rid, reqs[rid][0], reqs[rid][1])
    tokens: Counter[int] = Counter()
    finished: list[int] = []
    for _ in range(100_000):
        if s.idle:
            break
        plan = s.schedule()
        ids = [rid for rid, _ in plan.items]
        assert ids and len(set(ids)) == len(ids)
        assert sum(n for _, n in plan.items) <= params["max_num_batched_tokens"]
        assert len(plan.items) <= params["max_num_seqs"]
        assert 0 <= s.used_blocks <= s.total_blocks
        assert all(rid in s.running for rid in ids)
        result = s.complete(plan)
        tokens.update(result.sampled)
        finished += result.finished
    assert s.idle and s.free_blocks == s.total_blocks
    assert sorted(finished) == admitted
    assert tokens == {rid: reqs[rid][1] for rid in admitted}


@settings(max_examples=60, deadline=None)
@given(workload, st.sampled_from(["static", "dynamic", "predictive", "continuous"]))
def test_every_request_finishes_with_all_its_tokens_in_order(reqs, kind) -> None:
    reqs = sorted(reqs, key=lambda r: r[2])
    requests = GenRequests(
        np.array([t for _, _, t in reqs]),
        np.array([p for p, _, _ in reqs], dtype=np.int64),
        np.array([o for _, o, _ in reqs], dtype=np.int64),
    )
    cost = StepCost()
    if kind == "continuous":
        tl = run_continuous(
            Continuous(max_num_batched_tokens=32, kv_cache_tokens=128), cost, requests
        )
    else:
        tl = run_request_level(make_policy(kind, max_batch_size=4), cost, requests)
    done = ~tl.rejected
    assert (tl.tokens[done] == requests.output[done]).all()
    assert (tl.first[done] > requests.times[done]).all()
    assert (tl.last[done] >= tl.first[done]).all()
    assert len(tl.itl) == int((requests.output[done] - 1).sum())
    assert (tl.itl > 0).all()
    assert (np.diff(tl.step_end) > 0).all()
