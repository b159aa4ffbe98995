"""Invariants over random arrivals and parameters: one batch per request, FIFO, bounded waits."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.policies import Dynamic, Policy, Predictive, Static
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.idle_shift import IdleShift
from batchtui.engine.sim.wakeup import WakeupLateness
from tests.sim.helpers import arrivals_at, request_batches, run_lane

gaps = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-6, 0.02), st.floats(0.02, 0.5)), min_size=1, max_size=300
)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    max_batch = draw(st.integers(1, 40))
    wait = draw(st.sampled_from([0.0, 0.1, 1.0, 5.0, 30.0]))
    kind = draw(st.sampled_from(["static", "dynamic", "predictive"]))
    if kind == "static":
        return Static(max_batch_size=max_batch, max_wait_ms=wait)
    target = draw(st.sampled_from([0.5, 5.0, 20.0, 200.0]))
    if kind == "dynamic":
        return Dynamic(
            min_batch_size=draw(st.integers(1, max_batch)),
            max_batch_size=max_batch,
            max_wait_ms=wait,
            target_latency_ms=target,
        )
    return Predictive(max_batch_size=max_batch, max_wait_ms=wait, target_latency_ms=target)


class LateCost(AnalyticCost):
    """An analytic cost on a machine that wakes a sleeping lane up to ``MAX_LATE_MS`` late."""

    wakeup = WakeupLateness((0.0, 0.01, 0.5, 3.0), (0.0, 0.5, 0.99, 1.0))


MAX_LATE_MS = 3.0

TAIL = BatchTimes(
    (1, 8, 40),
    ((0.1, 0.2, 0.3, 5.0), (0.5, 0.6, 1.0, 6.0), (2.0, 2.5, 3.0, 9.0)),
    (0.0, 0.5, 0.99, 1.0),
    IdleShift((1, 40), (0.05, 0.5), (0.2, 0.3), (0.0, 1.0)),
)
"""A batch-time distribution with stalls and an after-idle shift: what a profile that kept
its tail charges."""


@settings(max_examples=150, deadline=None)
@given(
    gaps=gaps,
    policy=policies(),
    base_ms=st.sampled_from([0.1, 1.0, 5.0]),
    per_item_ms=st.sampled_from([0.0, 0.05, 1.0]),
    noise=st.sampled_from([0.0, 0.5]),
    max_queue=st.one_of(st.none(), st.integers(1, 50)),
    inflight=st.integers(1, 3),
    late=st.booleans(),
    tail=st.booleans(),
)
def test_batching_invariants(
    gaps: list[float],
    policy: Policy,
    base_ms: float,
    per_item_ms: float,
    noise: float,
    max_queue: int | None,
    inflight: int,
    late: bool,
    tail: bool,
) -> None:
    times = np.cumsum(gaps)
    cost = (LateCost if late else AnalyticCost)(base_ms, per_item_ms, noise, seed=1)
    if tail:
        cost.batch_time = TAIL  # type: ignore[attr-defined]  # as a profile that kept it
    max_batch = policy.params["max_batch_size"]
    max_wait = policy.params["max_wait_ms"] / 1000.0
    lane = run_lane(
        policy,
        arrivals_at(*times),
        cost,
        max_queue=max_queue,
        max_inflight=inflight,
    )
    a = lane.log.arrays()
    carried = request_batches(lane)
    rejected = np.zeros(len(times), dtype=bool)
    for s, e in lane.rejected:
        rejected[s:e] = True

    # Every request is either rejected or carried by exactly one batch; nothing is left.
    assert ((carried >= 0) ^ rejected).all()
    assert lane.queued == 0 and lane.in_flight == 0
    assert int(a.size.sum()) == int((~rejected).sum())
    if max_queue is None:
        assert not rejected.any()

    # FIFO: batch numbers never decrease along the arrival order, dispatch times neither.
    sent = carried[carried >= 0]
    assert (np.diff(sent) >= 0).all()
    assert (np.diff(a.dispatch) >= -1e-12).all()

    # No batch above its limit, none empty; no batch leaves before its requests arrive.
    assert (a.size >= 1).all() and (a.size <= max_batch).all()
    newest = np.array([times[carried == b].max() for b in range(len(a))])
    oldest = np.array([times[carried == b].min() for b in range(len(a))])
    assert (a.dispatch >= newest - 1e-12).all()

    # With the tail on, every batch takes a time its size's distribution can give, plus at
    # most its size's after-idle shift.
    if tail:
        assert TAIL.after_idle is not None
        took_ms = (a.finish - a.dispatch) * 1000.0
        low = np.array([TAIL.quantiles_at(int(n))[0] for n in a.size])
        high = np.array(
            [TAIL.quantiles_at(int(n))[-1] + TAIL.after_idle.shift_at(int(n)) for n in a.size]
        )
        assert ((took_ms >= low - 1e-6) & (took_ms <= high + 1e-6)).all()

    # Bounded wait: a batch leaves by its oldest request's deadline, or at once when a
    # device slot frees up if that deadline had already passed (a late wake-up, at most
    # the machine's worst lateness after).
    free_at = np.full(len(a), -np.inf)
    slot_free = [0.0] * inflight
    for b in range(len(a)):
        slot_free.sort()
        free_at[b] = slot_free[0]
        slot_free[0] = a.finish[b]
    bound = np.maximum(oldest + max_wait, free_at) + (MAX_LATE_MS / 1000.0 if late else 0.0)
    assert (a.dispatch <= bound + 1e-9).all()
