"""Which lane is best, which is saturated, which live checks compare: on real simulated figures."""

from __future__ import annotations

import dataclasses
from functools import cache

from batchtui.engine.lab import Lab
from batchtui.engine.live.check import SideBySideCheck
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.tui.panels.lane_figures import check_parts
from batchtui.tui.verdict import best_lane


@cache
def lanes(rate_rps: float, max_queue: int | None = None) -> tuple[LaneStats, ...]:
    """Three lanes after 3 s of a seeded simulation on the analytic model (~9k req/s peak)."""
    scenario = Scenario(
        load=LoadSpec(rate_rps=rate_rps), model=ModelSpec("analytic"), slo_ms=20.0,
        max_queue=max_queue,
    )  # fmt: skip
    lab = Lab(scenario)
    lab.advance_to(3.0)
    return lab.snapshot(window_s=10.0).lanes


def with_p99(s: LaneStats, p99: float) -> LaneStats:
    return dataclasses.replace(s, latency=dataclasses.replace(s.latency, p99=p99))


def test_a_lane_that_keeps_up_is_not_saturated_and_an_overloaded_one_is() -> None:
    assert not any(s.saturated for s in lanes(1000.0))
    assert all(s.saturated for s in lanes(20_000.0))  # unbounded queue: it grows
    assert all(s.saturated for s in lanes(20_000.0, max_queue=1000))  # bounded: it rejects


def test_best_is_the_most_goodput_within_the_slo_with_nothing_dropped() -> None:
    static, dynamic, predictive = lanes(1000.0)
    # Every lane serves the whole load: goodputs tie, and the lower p99 decides.
    verdict = best_lane([with_p99(static, 5.0), with_p99(dynamic, 9.0), predictive], 20.0)
    assert verdict.best == "static" and "p99 ≤ 20 ms" in verdict.reason


def test_a_lane_that_meets_p99_by_rejecting_requests_is_not_best() -> None:
    static, dynamic, predictive = lanes(1000.0)
    dropping = dataclasses.replace(with_p99(static, 1.0), rejected=10)
    verdict = best_lane([dropping, with_p99(dynamic, 9.0), with_p99(predictive, 8.0)], 20.0)
    assert verdict.best == "predictive"


def test_when_no_lane_qualifies_the_verdict_says_so() -> None:
    verdict = best_lane(lanes(20_000.0, max_queue=1000), 20.0)
    assert verdict.best is None
    assert verdict.reason == "no lane meets p99 ≤ 20 ms without drops"
    # Missing the SLO alone also disqualifies.
    late = [with_p99(s, 25.0) for s in lanes(1000.0)]
    assert best_lane(late, 20.0).best is None
    assert best_lane(lanes(1000.0), None).best is None


def test_a_live_check_with_a_saturated_side_is_marked_not_comparable() -> None:
    calm, busy = lanes(1000.0)[0], lanes(20_000.0)[0]
    fair = SideBySideCheck("static", 5.0, sim=calm, live=calm)
    assert fair.why_not is None
    assert "NOT COMPARABLE" not in " ".join(p.plain for p in check_parts(fair))
    skewed = SideBySideCheck("static", 5.0, sim=busy, live=calm)
    assert skewed.why_not is not None and "simulated lane is saturated" in skewed.why_not
    shown = " ".join(p.plain for p in check_parts(skewed))
    assert "NOT COMPARABLE" in shown and "(sim " not in shown[:20]
