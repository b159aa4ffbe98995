"""One trial of a generative lane: its settings served token by token in the simulator, scored.

Feasible means the SLOs hold at p99 in vLLM's goodput sense: at least 99% of the requests
meet every SLO given (``--slo-ttft-ms``, ``--slo-tpot-ms``); a rejected or unfinished
request meets none. Scores reuse the request-level conventions (engine/tune/objectives.py):
lower is better, infeasible ones above every feasible one and ordered by how close they came.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.run import GenScenario, serve
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests, gen_requests
from batchtui.engine.load.patterns import MAX_RATE_RPS
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.objectives import INFEASIBLE, LOST_LIMIT, is_feasible
from batchtui.engine.tune.trial import RatePoint, TrialResult

GOOD_SHARE = 1.0 - LOST_LIMIT
"""The share of requests that must meet every SLO: the SLOs are p99 targets."""
TRIAL_REQUESTS = 600
"""Requests per synthetic run (``--seconds`` not given): a steady p99 in milliseconds."""
CAPACITY_REQUESTS = 300
"""Requests offered at once in the capacity run that measures a setting's saturated rate."""
BISECT_STEPS = 6
"""Halvings of the log-rate range when finding the highest sustained rate (3.7% of 10x)."""
SATURATE_SEARCH = 0.1
"""Throughput searches start from 10% of the setting's own capacity by default (a setting
that sustains less is no contender; --rates LO:HI searches wider)."""


@dataclass(frozen=True)
class GenTrialSetup:
    """Everything a generative trial needs besides its parameters.

    ``scenario`` has the one lane tuned, the knobs the user fixed in its params, and an
    analytic-llm cost (a torch model's fit). ``rates``: (None,) for the scenario's own load,
    or, for throughput, the (low, high) range searched (None, None: relative to each
    setting's own capacity). ``trace`` holds the requests of a trace replayed as it is
    (all of it, or its first ``seconds``).
    """

    scenario: GenScenario
    objective: str
    slo_ttft_ms: float | None
    slo_tpot_ms: float | None
    rates: tuple[float | None, ...]
    seconds: float | None = None  # seconds of arrivals per run (None: TRIAL_REQUESTS of them)
    trace: GenRequests | None = None
    front: bool = True  # a capacity run per trial, for the Pareto front

    @property
    def slo_ms(self) -> float:
        """The TTFT target (what the request-level rules read; inf without one)."""
        return self.slo_ttft_ms or math.inf

    def evaluate(self, params: dict[str, Any]) -> TrialResult:
        """Run one trial: the capacity run, then the objective's runs."""
        capacity = (
            run_gen_point(self, params, MAX_RATE_RPS, CAPACITY_REQUESTS) if self.front else None
        )
        sustained = None
        if self.objective == "throughput":
            cap_rps = capacity[0].throughput_rps if capacity else None
            low, high = self.rates
            if low is None or high is None:
                assert cap_rps is not None, "a throughput search without --rates has a capacity"
                low, high = SATURATE_SEARCH * cap_rps, cap_rps
            elif cap_rps is not None:  # no setting sustains more than it can serve
                high = max(low, min(high, cap_rps))
            if capacity is not None and low <= 0.0:  # it serves nothing: no rate is sustained
                (point, extra), sustained = capacity, None
            else:
                (point, extra), sustained = _highest_sustained(self, params, low, high)
            points, ok = (point,), sustained is not None
            score = -extra["output_tokens_per_s"] if ok else _shortfall(self, point, extra)
        else:
            points, extra, score = self._at_every_rate(params)
            ok = is_feasible(score)
        if capacity is not None:
            extra["capacity_tokens_per_s"] = capacity[1]["output_tokens_per_s"]
        front = (
            extra["output_tokens_per_s"]
            if self.objective == "throughput"
            else (extra.get("capacity_tokens_per_s"))
        )
        if self.objective == "throughput" and not ok:
            front = None
        return TrialResult(
            dict(params),
            score,
            points,
            sustained,
            capacity[0].throughput_rps if capacity else None,
            front,  # output tokens/s: the front is p99 TTFT against tokens/s
            extra,
        )

    def _at_every_rate(
        self, params: dict[str, Any]
    ) -> tuple[tuple[RatePoint, ...], dict[str, Any], float]:
        """Latency or cost at each rate (one: the scenario's own load): the points, the
        figures where the setting did worst (for a range: with ``worst_rate_rps``, and
        ``rates``, each rate's), and
        the worst score, so feasible means within the SLOs at every rate."""
        runs = [run_gen_point(self, params, rate) for rate in self.rates]
        scores = []
        for point, extra in runs:
            if extra["good_share"] < GOOD_SHARE:
                scores.append(_shortfall(self, point, extra))
            else:
                scores.append(point.p99_ms if self.objective == "latency" else point.device_busy)
        worst = max(range(len(runs)), key=lambda i: scores[i])
        extra = dict(runs[worst][1])
        if len(runs) > 1:
            extra["worst_rate_rps"] = runs[worst][0].rate_rps
            extra["rates"] = [{"rate_rps": p.rate_rps, **x} for p, x in runs]
        return tuple(p for p, _ in runs), extra, scores[worst]


def run_gen_point(
    setup: GenTrialSetup, params: dict[str, Any], rate: float | None, requests: int | None = None
) -> tuple[RatePoint, dict[str, Any]]:
    """The lane's figures at ``rate`` (None: the scenario's own load) over ``requests``
    arrivals (default: TRIAL_REQUESTS, or ``setup.seconds`` of them), drained."""
    sc = setup.scenario
    if rate is None and setup.trace is not None:
        reqs = setup.trace
        span = float(reqs.times[-1]) if len(reqs) else 0.0
        offered = len(reqs) / span if span > 0 else 0.0
    else:
        load = sc.load if rate is None else dataclasses.replace(sc.load, rate_rps=float(rate))
        if load.pattern == "trace":  # a rate given: Poisson with the scenario's token lengths
            load = dataclasses.replace(load, pattern="poisson")
        n = requests or TRIAL_REQUESTS
        seconds = setup.seconds if setup.seconds is not None and requests is None else None
        reqs = gen_requests(load, seconds or n / load.rate_rps, sc.seed)
        offered = load.rate_rps
    lane = sc.lanes[0]
    spec = LaneSpec(lane.name, lane.kind, {**lane.params, **params})
    _, timeline = serve(spec, StepCost.from_spec(sc.model), reqs)
    return trial_figures(reqs, timeline, setup.slo_ttft_ms, setup.slo_tpot_ms, offered)


def trial_figures(
    requests: GenRequests,
    tl: Timeline,
    slo_ttft_ms: float | None,
    slo_tpot_ms: float | None,
    offered_rps: float,
) -> tuple[RatePoint, dict[str, Any]]:
    """What a trial reads of a run, by run/2's definitions (engine/gen/figures.py) but only
    these (the KV series and histograms would double a trial's time): a RatePoint whose
    p50/p99 are TTFT's, and the token figures."""
    arrived = len(requests)
    done = ~tl.rejected & (tl.tokens == requests.output)
    first, last, output = tl.first[done], tl.last[done], requests.output[done]
    ttft = (first - requests.times[done]) * 1000.0
    multi = output > 1
    tpot = (last[multi] - first[multi]) / (output[multi] - 1) * 1000.0
    span = float(np.nanmax(tl.last)) if done.any() else 0.0
    good = np.ones(len(ttft), dtype=bool)
    if slo_ttft_ms is not None:
        good &= ttft <= slo_ttft_ms
    if slo_tpot_ms is not None:
        per_token = np.zeros(len(ttft))
        per_token[multi] = tpot
        good &= per_token <= slo_tpot_ms
    ttft_p50, ttft_p99 = _percentiles(ttft)
    tpot_p50, tpot_p99 = _percentiles(tpot)
    lost = arrived - int(done.sum())
    point = RatePoint(
        rate_rps=offered_rps,
        p50_ms=ttft_p50,
        p99_ms=math.inf if ttft_p99 is None or lost > LOST_LIMIT * arrived else ttft_p99,
        throughput_rps=float(done.sum()) / span if span > 0 else 0.0,
        device_busy=min(1.0, tl.busy_s / span) if span > 0 else 0.0,
        arrived=arrived,
    )
    extra = {
        "ttft_p50_ms": ttft_p50,
        "ttft_p99_ms": ttft_p99,
        "tpot_p50_ms": tpot_p50,
        "tpot_p99_ms": tpot_p99,
        "output_tokens_per_s": float(output.sum()) / span if span > 0 else 0.0,
        "good_share": float(good.sum()) / arrived if arrived else 0.0,
        "rejected": int(tl.rejected.sum()),
        "preemptions": tl.preemptions,
    }
    return point, extra


def _percentiles(ms: np.ndarray) -> tuple[float | None, float | None]:
    """p50 and p99 as run/2 reports them (numpy's linear interpolation); None when empty."""
    if len(ms) == 0:
        return None, None
    p50, p99 = np.percentile(ms, (50.0, 99.0))
    return float(p50), float(p99)


def _shortfall(setup: GenTrialSetup, point: RatePoint, extra: dict[str, Any]) -> float:
    """An infeasible trial's score: fewer requests within the SLOs scores higher; of equal
    shares, the one whose p99s came closer to their targets."""
    ratios = [1.0e6]
    for slo, p99 in (
        (setup.slo_ttft_ms, extra["ttft_p99_ms"]),
        (setup.slo_tpot_ms, extra["tpot_p99_ms"]),
    ):
        if slo is not None and p99 is not None and math.isfinite(point.p99_ms):
            ratios.append(p99 / slo)
    ratio = min(max(ratios[1:], default=ratios[0]), 1.0e6)
    return INFEASIBLE * (1.0 + (1.0 - extra["good_share"]) + ratio * 1.0e-6)


def _highest_sustained(
    setup: GenTrialSetup, params: dict[str, Any], low: float, high: float
) -> tuple[tuple[RatePoint, dict[str, Any]], float | None]:
    """Bisect (log scale) for the highest rate in ``[low, high]`` within the SLOs: its
    figures and the rate, or the figures at ``low`` and None when even that is beyond it."""

    def ok(figures: tuple[RatePoint, dict[str, Any]]) -> bool:
        return figures[1]["good_share"] >= GOOD_SHARE

    at_low = run_gen_point(setup, params, low)
    if not ok(at_low):
        return at_low, None
    at_high = run_gen_point(setup, params, high)
    if ok(at_high):
        return at_high, high
    good, bad, best = low, high, at_low
    for _ in range(BISECT_STEPS):
        mid = math.sqrt(good * bad)
        figures = run_gen_point(setup, params, mid)
        if ok(figures):
            good, best = mid, figures
        else:
            bad = mid
    return best, good
