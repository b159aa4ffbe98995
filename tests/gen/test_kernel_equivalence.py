"""The compiled continuous lane gives the reference's Timeline bit for bit.

Every array is compared for exact equality (NaN where the reference has NaN), and busy_s,
preemptions and the KV capacity with ``==``: the kernel adds the same floats in the same
order, so nothing is allowed to differ, not even in the last bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_kernel import run_timeline
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.timeline import Timeline

knobs = st.fixed_dictionaries(
    {
        "max_num_seqs": st.integers(1, 8),
        "max_num_batched_tokens": st.integers(1, 64),
        "chunked_prefill": st.booleans(),
        "long_prefill_token_threshold": st.sampled_from([0, 1, 2, 5, 17]),
        "kv_cache_tokens": st.integers(4, 200),  # down to a block or two: preemption storms
        "block_size": st.sampled_from([1, 2, 4, 16]),
    }
).filter(lambda k: k["kv_cache_tokens"] >= k["block_size"])
costs = st.builds(
    StepCost,
    st.floats(0.0, 50.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.01),
    # The idle restart: off, or charged past thresholds around the workload's gaps.
    st.one_of(st.just(0.0), st.floats(0.0, 20.0)),
    st.sampled_from([0.0, 0.5, 1.0, 20.0, 50.0, 2000.0]),
    # A mixed step's second call: off, or charged.
    st.one_of(st.just(0.0), st.floats(0.0, 20.0)),
    # A prefill's attention: off, or charged (chunks attend to their cached tokens too).
    st.one_of(st.just(0.0), st.floats(0.0, 0.01)),
)
# Prompt, output, gap to the previous arrival: ties (0) and idle spells both occur.
workload = st.lists(
    st.tuples(st.integers(1, 60), st.integers(1, 30), st.sampled_from([0.0, 0.001, 0.05, 3.0])),
    min_size=0,
    max_size=30,
)


def requests_of(rows: list[tuple[int, int, float]]) -> GenRequests:
    """Arrivals at the running sum of the gaps."""
    return GenRequests(
        np.cumsum([gap for _, _, gap in rows], dtype=np.float64),
        np.array([p for p, _, _ in rows], dtype=np.int64),
        np.array([o for _, o, _ in rows], dtype=np.int64),
    )


def assert_identical(got: Timeline, want: Timeline) -> None:
    """Every field equal: arrays element for element (and dtype), scalars with ==."""
    for f in dataclasses.fields(Timeline):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f.name
            assert np.array_equal(a, b, equal_nan=b.dtype.kind == "f"), f.name
        else:
            assert type(a) is type(b) and a == b, f.name


@settings(max_examples=300, deadline=None)
@given(knobs, costs, workload)
def test_the_kernel_timeline_is_the_reference_timeline(params, cost, rows) -> None:
    requests = requests_of(rows)
    want = run_continuous(Continuous(**params), cost, requests)
    scheduler = Continuous(**params)
    got = run_timeline(scheduler, cost, requests)
    assert_identical(got, want)
    assert scheduler.preemptions == want.preemptions


def test_the_equivalence_covers_steps_that_pay_the_idle_restart() -> None:
    requests = requests_of([(10, 5, 3.0), (20, 3, 0.0), (5, 9, 3.0), (7, 2, 0.001)])
    cost = StepCost(10.0, 0.5, 0.2, 0.001, idle_restart_ms=7.5, idle_after_ms=1000.0)
    want = run_continuous(Continuous(), cost, requests)
    without = run_continuous(Continuous(), dataclasses.replace(cost, idle_restart_ms=0.0), requests)
    # Arrivals at 3 s (two) and at 6 s and 6.001 s (busy by then): two restarts, no more.
    assert want.busy_s == pytest.approx(without.busy_s + 2 * 0.0075, abs=1e-12)
    assert_identical(run_timeline(Continuous(), cost, requests), want)


def test_a_long_preemption_storm_with_rejections_matches_to_the_bit() -> None:
    # 300 requests against a cache of five long prompts: thousands of recomputes, some
    # requests rejected as too long, chunks capped by the threshold.
    rng = np.random.default_rng(7)
    n = 300
    requests = GenRequests(
        np.cumsum(rng.exponential(0.02, n)),
        rng.integers(1, 3200, n).astype(np.int64),
        rng.integers(1, 120, n).astype(np.int64),
    )
    params = dict(
        max_num_seqs=32, max_num_batched_tokens=256, long_prefill_token_threshold=96,
        kv_cache_tokens=3000, block_size=16,
    )  # fmt: skip
    want = run_continuous(Continuous(**params), StepCost(), requests)
    got = run_timeline(Continuous(**params), StepCost(), requests)
    assert want.preemptions > 1000 and want.rejected.any() and len(want.step_end) > 1024
    assert_identical(got, want)
