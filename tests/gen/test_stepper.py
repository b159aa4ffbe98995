"""The resumable continuous lane: sliced runs equal the whole run bit for bit, and knobs
change between slices from the next step on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_lane import ContinuousStepper, run_continuous

COST = StepCost(
    step_ms=10.0, prefill_ms_per_token=1.0, decode_ms_per_seq=2.0, context_ms_per_token=0.1
)
TIGHT = {"max_num_seqs": 4, "max_num_batched_tokens": 48, "kv_cache_tokens": 160, "block_size": 4}
"""A small KV cache and budget: chunking, preemption and a rejected request all happen."""


def workload(seed: int, n: int = 60) -> GenRequests:
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(0.02, n))
    prompt = rng.integers(1, 60, n)
    prompt[n // 2] = 500  # can never fit the cache: rejected on arrival
    return GenRequests(times, prompt.astype(np.int64), rng.integers(1, 25, n).astype(np.int64))


def sliced(reqs: GenRequests, cuts: list[float], params: dict[str, int]) -> ContinuousStepper:
    """Feed and advance in slices ending at ``cuts`` (then drain), as a session does."""
    stepper = ContinuousStepper(Continuous(**params), COST)
    fed = 0
    for until in [*sorted(cuts), math.inf]:
        end = int(np.searchsorted(reqs.times, until, "left"))  # every arrival before until
        stepper.feed(
            reqs.times[fed:end].tolist(),
            reqs.prompt[fed:end].tolist(),
            reqs.output[fed:end].tolist(),
        )
        fed = end
        stepper.advance(until)
    return stepper


def whole(reqs: GenRequests, params: dict[str, int]) -> ContinuousStepper:
    return sliced(reqs, [], params)


def same(a: ContinuousStepper, b: ContinuousStepper) -> None:
    """Equal bit for bit: every record compared with ==, not approximately."""
    assert a.finished == b.finished
    assert a.rejected == b.rejected
    assert (a.step_end, a.step_seqs, a.step_kv, a.step_tokens) == (
        b.step_end,
        b.step_seqs,
        b.step_kv,
        b.step_tokens,
    )
    assert a.itl == b.itl
    assert a.busy_s == b.busy_s
    assert a.scheduler.preemptions == b.scheduler.preemptions


def test_a_run_in_slices_equals_the_whole_run_bit_for_bit() -> None:
    reqs = workload(1)
    one = whole(reqs, TIGHT)
    assert one.scheduler.preemptions > 0 and one.rejected == [30]  # the case is not trivial
    cuts = np.random.default_rng(2).uniform(0.0, float(reqs.times[-1]) + 1.0, 40).tolist()
    same(sliced(reqs, cuts, TIGHT), one)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 1000),
    st.lists(st.floats(0.0, 3.0, allow_nan=False), max_size=30),
    st.sampled_from([TIGHT, {}, {"chunked_prefill": False, "max_num_batched_tokens": 64}]),
)
def test_any_slicing_gives_the_whole_run(seed: int, cuts: list[float], params) -> None:
    reqs = workload(seed, 30)
    same(sliced(reqs, cuts, params), whole(reqs, params))


def test_run_continuous_is_the_whole_run_of_the_stepper() -> None:
    reqs = workload(3)
    tl = run_continuous(Continuous(**TIGHT), COST, reqs)
    one = whole(reqs, TIGHT)
    done = [rid for rid, _, _ in one.finished]
    assert tl.first[done].tolist() == [f for _, f, _ in one.finished]
    assert tl.last[done].tolist() == [t for _, _, t in one.finished]
    assert tl.rejected.nonzero()[0].tolist() == one.rejected
    assert tl.step_end.tolist() == one.step_end and tl.busy_s == one.busy_s


def test_no_step_starts_at_or_after_until_and_arrivals_wait_for_their_time() -> None:
    stepper = ContinuousStepper(Continuous(), COST)
    stepper.feed([0.0, 0.5], [10, 10], [2, 2])
    stepper.advance(0.001)
    # One step started at 0 (prefill 10 + 10 ms = 20 ms); it ends after until.
    assert stepper.step_end == pytest.approx([0.020])
    assert stepper.now == pytest.approx(0.020)
    stepper.advance(0.3)  # the decode step at 20 ms: request 0 done; request 1 not yet due
    assert [rid for rid, _, _ in stepper.finished] == [0]
    assert stepper.waiting_arrivals == 1 and stepper.in_flight == 0
    stepper.advance(0.6)
    assert stepper.step_end[2] == pytest.approx(0.520)  # request 1's prefill began at 0.5


def test_a_knob_changed_between_slices_applies_from_the_next_step() -> None:
    stepper = ContinuousStepper(Continuous(max_num_seqs=1), COST)
    stepper.feed([0.0, 0.0, 0.0], [10, 10, 10], [3, 3, 3])
    stepper.advance(0.001)
    assert stepper.step_seqs == [1]
    stepper.update(max_num_seqs=3)
    stepper.advance(0.030)  # the next step starts at 20 ms with room for all three
    assert stepper.step_seqs == [1, 3]
    assert stepper.scheduler.to_json()["max_num_seqs"] == 3


def test_a_refused_knob_changes_nothing() -> None:
    stepper = ContinuousStepper(Continuous(max_num_seqs=2), COST)
    with pytest.raises(ConfigError) as e:
        stepper.update(max_num_seqs=4, max_num_batched_tokens=0)
    assert e.value.where == "max_num_batched_tokens"
    assert stepper.scheduler.max_num_seqs == 2 and stepper.scheduler.params["max_num_seqs"] == 2


def test_a_smaller_kv_cache_than_is_held_is_reclaimed_by_preemption() -> None:
    stepper = ContinuousStepper(Continuous(kv_cache_tokens=64, block_size=4), COST)
    stepper.feed([0.0, 0.0], [20, 20], [20, 20])
    stepper.advance(0.001)
    assert stepper.scheduler.used_blocks == 10
    stepper.update(kv_cache_tokens=32)
    stepper.advance(0.06)  # the first step ended at 50 ms; the next one must make room
    s = stepper.scheduler
    assert s.preemptions >= 1 and 0 <= s.used_blocks <= s.total_blocks == 8


def test_slots_are_reused_so_the_scheduler_stays_as_small_as_what_is_in_flight() -> None:
    stepper = ContinuousStepper(Continuous(), COST, keep_itl=False)
    times = np.arange(500) * 0.1  # one at a time: each done before the next arrives
    stepper.feed(times.tolist(), [5] * 500, [2] * 500)
    stepper.advance(math.inf)
    assert len(stepper.finished) == 500 and stepper.itl == []
    assert len(stepper.scheduler.prompt) == 1
