"""One trial: a lane's settings run in the simulator, scored by the objective.

A trial is a pure function of a picklable ``TrialSetup`` and a parameter dict, so it runs the
same in this process, in a worker process or as a Ray task. Every trial of a lane sees the
same arrivals (one seed): settings are compared on identical load, not on their luck.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.load.patterns import PATTERNS
from batchtui.engine.metrics import LaneStats
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune.objectives import (
    cost_score,
    effective_p99,
    latency_score,
    meets,
    throughput_score,
)

CAPACITY_S = 0.25
"""Seconds of overload that measure a setting's capacity (its saturated throughput)."""
MAX_RUN_REQUESTS = 20_000
"""A run at a high rate stops its arrivals sooner: 20k requests give a steady p99 already."""
BISECT_STEPS = 9
"""Halvings of the log-rate range when finding the highest sustained rate (0.4% of 10x)."""


@dataclass(frozen=True)
class TrialSetup:
    """Everything a trial needs besides its parameters.

    ``scenario`` has one lane, the one being tuned, with the knobs the user fixed in its
    params. ``rates`` are the offered loads: the scenario's own (None: its load as given, a
    trace replayed as it is) or several for a robust pick (latency, cost), or the
    ``(low, high)`` range searched (throughput).
    """

    scenario: Scenario
    objective: str
    slo_ms: float
    seconds: float
    rates: tuple[float | None, ...]
    saturate_rps: float | None = None  # offered load of the capacity run; None: no front


@dataclass(frozen=True)
class RatePoint:
    """A lane's figures at one offered load."""

    rate_rps: float
    p50_ms: float | None
    p99_ms: float  # effective: inf when more than 1% was lost
    throughput_rps: float
    device_busy: float
    arrived: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rate_rps": self.rate_rps,
            "p50_ms": self.p50_ms,
            "p99_ms": None if math.isinf(self.p99_ms) else self.p99_ms,
            "throughput_rps": self.throughput_rps,
            "device_busy": self.device_busy,
        }


@dataclass(frozen=True)
class TrialResult:
    """What one setting achieved: its score (lower is better) and the figures behind it."""

    params: dict[str, Any]
    score: float
    points: tuple[RatePoint, ...]
    sustained_rps: float | None = None  # throughput objective: highest rate within the SLO
    capacity_rps: float | None = None  # saturated throughput
    front_rps: float | None = None  # the front's throughput: sustained (throughput) or capacity
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> RatePoint:
        """The figures at the scenario's own load (the first rate)."""
        return self.points[0]


def lane_scenario(setup: TrialSetup, params: dict[str, Any], rate: float | None) -> Scenario:
    """The setup's scenario with the lane's settings replaced and the offered load at ``rate``
    (None: as given). A pattern without a rate (a trace) becomes Poisson at ``rate``."""
    sc = setup.scenario
    lane = sc.lanes[0]
    load = sc.load
    if rate is not None:
        load = dataclasses.replace(load, rate_rps=float(rate))
        if "rate_rps" not in PATTERNS[load.pattern].reads:
            load = dataclasses.replace(load, pattern="poisson")
    return dataclasses.replace(
        sc, load=load, lanes=(LaneSpec(lane.name, lane.kind, {**lane.params, **params}),)
    )


def run_point(
    setup: TrialSetup, params: dict[str, Any], rate: float | None, seconds: float
) -> RatePoint:
    """Simulate ``seconds`` of arrivals at ``rate`` (at most MAX_RUN_REQUESTS of them; None:
    the scenario's own load) with ``params``, drained; the lane's figures."""
    lab = Lab(lane_scenario(setup, params, rate))
    lab.advance_to(seconds if rate is None else min(seconds, MAX_RUN_REQUESTS / rate))
    lab.finish()
    stats = lab.snapshot().lanes[0]
    return point_from_stats(stats.offered_rps if rate is None else rate, stats)


def point_from_stats(rate: float, s: LaneStats) -> RatePoint:
    """A RatePoint from a lane's run statistics."""
    lost = s.rejected + s.failed + s.queued + s.in_flight
    return RatePoint(
        rate_rps=rate,
        p50_ms=s.latency.p50,
        p99_ms=effective_p99(s.latency.p99, s.arrived, lost),
        throughput_rps=s.throughput_rps,
        device_busy=s.device_busy,
        arrived=s.arrived,
    )


def evaluate(setup: TrialSetup, params: dict[str, Any]) -> TrialResult:
    """Run one trial: a capacity run (for the front, and to bound a throughput search), then
    the objective's runs. A setup with its own ``evaluate`` (a generative lane's) runs that."""
    own = getattr(setup, "evaluate", None)
    if own is not None:  # engine/tune/gen_trial.py: the same backends run token-level trials
        return own(params)  # type: ignore[no-any-return]
    slo = setup.slo_ms
    capacity = None
    if setup.saturate_rps is not None:
        sat = run_point(setup, params, setup.saturate_rps, min(setup.seconds, CAPACITY_S))
        capacity = sat.throughput_rps
    sustained = None
    if setup.objective == "throughput":
        low, high = (float(r or 0.0) for r in setup.rates)
        if capacity is not None:  # no setting sustains more than it can serve
            high = max(low, min(high, capacity))
        points, sustained = _highest_sustained(setup, params, low, high)
        score = throughput_score(sustained, points[0].p99_ms, slo)
    else:
        points = tuple(run_point(setup, params, r, setup.seconds) for r in setup.rates)
        if setup.objective == "latency":
            score = max(latency_score(p.p99_ms, slo) for p in points)
        else:
            score = max(cost_score(p.p99_ms, p.device_busy, slo) for p in points)
    front = sustained if setup.objective == "throughput" else capacity
    return TrialResult(dict(params), score, points, sustained, capacity, front)


def _highest_sustained(
    setup: TrialSetup, params: dict[str, Any], low: float, high: float
) -> tuple[tuple[RatePoint, ...], float | None]:
    """Bisect (on a log scale) for the highest rate in ``[low, high]`` whose p99 meets the SLO.

    Returns the figures at the scenario's own load first (then at the rate found) and the
    rate, or None when even ``low`` is beyond it.
    """
    slo, s = setup.slo_ms, setup.seconds
    at_low = run_point(setup, params, low, s)
    if not meets(at_low.p99_ms, slo):
        return (at_low,), None
    at_high = run_point(setup, params, high, s)
    if meets(at_high.p99_ms, slo):
        return (at_high,), high
    good, bad, best = low, high, at_low
    for _ in range(BISECT_STEPS):
        mid = math.sqrt(good * bad)
        point = run_point(setup, params, mid, s)
        if meets(point.p99_ms, slo):
            good, best = mid, point
        else:
            bad = mid
    return (best,), good
