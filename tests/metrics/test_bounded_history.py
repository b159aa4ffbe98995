"""A bounded session forgets old history: windows unchanged, totals exact but for the sketch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.metrics.history import forget_before
from batchtui.engine.metrics.lane_stats import busy_time
from batchtui.engine.metrics.sketch import RELATIVE_ERROR
from batchtui.engine.metrics.totals import RunningTotals
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

EXACT = (
    "arrived", "completed", "failed", "rejected", "queued", "in_flight", "batch_histogram",
    "dispatch_reasons", "failure_reasons", "queue_depth_max", "start_s", "end_s", "saturated",
)  # fmt: skip
CLOSE = ("throughput_rps", "offered_rps", "device_busy", "queue_depth_mean", "batch_mean")


def assert_totals_match(bounded: LaneStats, exact: LaneStats) -> None:
    """Counts exactly; sums to rounding; percentiles within the sketch's relative error."""
    for name in EXACT:
        assert getattr(bounded, name) == getattr(exact, name), name
    for name in CLOSE:
        assert getattr(bounded, name) == pytest.approx(getattr(exact, name), rel=1e-9), name
    for figure in ("latency", "queue_wait", "service"):
        b, e = getattr(bounded, figure), getattr(exact, figure)
        assert (b.count, b.max) == (e.count, e.max)
        assert b.mean == pytest.approx(e.mean, rel=1e-9)
        for q in ("p50", "p90", "p99", "p999"):
            got, want = getattr(b, q), getattr(e, q)
            assert (got is None) == (want is None)
            if want is not None:
                assert got == pytest.approx(want, rel=RELATIVE_ERROR, abs=1e-6), (figure, q)
    assert bounded.arrived == (
        bounded.completed + bounded.failed + bounded.rejected + bounded.queued + bounded.in_flight
    )


def twin_lanes(kind: str, max_queue: int | None, max_inflight: int) -> tuple[SimLane, SimLane]:
    def lane() -> SimLane:
        params = (
            {"max_batch_size": 4} if kind != "static" else {"max_batch_size": 4, "max_wait_ms": 2}
        )
        return SimLane(
            kind, make_policy(kind, **params), AnalyticCost(1.0, 0.3), Arrivals(),
            max_queue=max_queue, max_inflight=max_inflight,
        )  # fmt: skip

    return lane(), lane()


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(
        st.one_of(st.just(0.0), st.floats(0.0, 0.004)), min_size=1, max_size=300
    ),  # zeros: arrivals that share a timestamp
    kind=st.sampled_from(["static", "dynamic", "predictive"]),
    max_queue=st.one_of(st.none(), st.integers(1, 10)),
    max_inflight=st.integers(1, 2),
    window_s=st.floats(0.002, 0.05),
    reset_at=st.integers(0, 9),
)
def test_forgetting_changes_no_window_and_no_count(
    gaps: list[float],
    kind: str,
    max_queue: int | None,
    max_inflight: int,
    window_s: float,
    reset_at: int,
) -> None:
    times = np.cumsum(gaps)
    kept, bounded = twin_lanes(kind, max_queue, max_inflight)
    since = 0.0
    totals = RunningTotals(bounded, since)
    horizon = float(times[-1]) + 0.01
    fed = 0
    for step in range(1, 11):
        t = horizon * step / 10
        new = times[fed:][times[fed:] < t]
        fed += len(new)
        for lane in (kept, bounded):
            lane.arrivals.extend(new, np.ones(len(new), dtype=np.int64), t)
            lane.advance(t)
        if step == reset_at:
            since = t
            totals = RunningTotals(bounded, since)
        forget_before(bounded.arrivals, [(bounded, totals)], t - window_s)
        assert lane_stats(bounded, since=since, window_s=window_s) == lane_stats(
            kept, since=since, window_s=window_s
        )
        assert_totals_match(totals.stats(bounded), lane_stats(kept, since=since))
    for lane in (kept, bounded):
        lane.arrivals.close()
        lane.advance(math.inf)
    assert_totals_match(totals.stats(bounded), lane_stats(kept, since=since))


def scenario(**kw: object) -> Scenario:
    return Scenario(
        load=LoadSpec(rate_rps=5000),
        lanes=tuple(LaneSpec(k, k) for k in ("static", "dynamic", "predictive")),
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("max_queue", [None, 8])
def test_a_bounded_lab_keeps_a_window_of_history_and_exact_counts(max_queue: int | None) -> None:
    exact, bounded = Lab(scenario(max_queue=max_queue)), Lab(scenario(max_queue=max_queue))
    bounded.bound_history(1.0)
    for step in range(1, 41):
        t = step * 0.25
        exact.advance_to(t)
        bounded.advance_to(t)
        if step == 20:
            exact.reset_stats()
            bounded.reset_stats()
        assert bounded.snapshot(1.0).lanes == exact.snapshot(1.0).lanes
        for b, e in zip(bounded.snapshot().lanes, exact.snapshot().lanes, strict=True):
            assert_totals_match(b, e)
    # About 1 s (plus a second between trims) of 5,000 req/s is held, not 10 s.
    assert len(bounded.arrivals) < 2.5 * 5000 < len(exact.arrivals)
    assert bounded.arrivals.offset + len(bounded.arrivals) == len(exact.arrivals)
    for lane in bounded.lanes.values():
        assert len(lane.log) < 2.5 * len(exact.lanes[lane.name].log) / 10


def test_reset_frees_nothing_it_needs_and_counts_from_the_reset() -> None:
    lab = Lab(scenario())
    lab.bound_history(0.5)
    lab.advance_to(3.0)
    lab.reset_stats()
    lab.advance_to(3.5)
    s = lab.snapshot().lanes[0]
    assert s.arrived == pytest.approx(2500, rel=0.1)
    assert s.arrived == s.completed + s.failed + s.rejected + s.queued + s.in_flight


def test_a_window_longer_than_the_history_kept_is_refused() -> None:
    lab = Lab(scenario())
    lab.bound_history(1.0)
    with pytest.raises(ValueError, match="keeps 1 s"):
        lab.snapshot(window_s=2.0)


def test_headless_runs_stay_exact() -> None:
    lab = Lab(scenario())
    report = lab.run(1.0)
    assert lab.arrivals.offset == 0
    s = lane_stats(lab.lanes["static"])
    assert report["lanes"][0]["latency_ms"]["p99"] == s.latency.p99


def test_busy_time_is_bit_identical_without_the_rows_a_window_forgot() -> None:
    """Rows that ended before the window add only zeros, but zeros shift numpy's pairwise
    sum: the dashboard's device busy moved by an ulp once old history was trimmed."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(10, 400))
        dispatch = np.cumsum(rng.uniform(0, 0.003, n))
        finish = dispatch + rng.uniform(0.0005, 0.002, n)
        forgot = int(rng.integers(1, n // 2))
        start, end = float(finish[:forgot].max()) + 1e-4, float(finish[-1])
        whole = busy_time(dispatch, finish, start, end)
        kept = busy_time(dispatch[forgot:], finish[forgot:], start, end)
        assert whole == kept
