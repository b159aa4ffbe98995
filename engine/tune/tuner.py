"""Tune every lane of a scenario: plan each lane's search, run it, collect the results."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune.backends import Backend
from batchtui.engine.tune.cost_model import SATURATE_SEARCH, peak_rps, saturate_rps
from batchtui.engine.tune.objectives import OBJECTIVES
from batchtui.engine.tune.search import (
    LaneTune,
    OnTrial,
    Repair,
    SearchConfig,
    ShouldStop,
    tune_lane,
)
from batchtui.engine.tune.space import Knob, largest_batch, repaired, search_space
from batchtui.engine.tune.sweep import geometric_rates
from batchtui.engine.tune.trial import TrialSetup

ROBUST_RATES = 3
"""A load range is tuned at its two ends and its geometric middle."""


@dataclass(frozen=True)
class TuneRequest:
    """What to optimise: the objective under the SLO, at the scenario's load or over a range."""

    objective: str
    slo_ms: float
    seconds: float = 2.0
    rates: tuple[float, float] | None = None  # --rates LO:HI

    def check(self, scenario: Scenario) -> None:
        check_objective(self.objective, self.rates is not None, scenario.load.pattern)


def check_objective(objective: str, rates_given: bool, pattern: str) -> None:
    """ConfigError naming the flag: an unknown objective, or a load varied on a trace."""
    if objective not in OBJECTIVES:
        raise ConfigError(
            "--objective", f"expected one of {', '.join(OBJECTIVES)}, got {objective!r}"
        )
    if (rates_given or objective == "throughput") and pattern == "trace":
        raise ConfigError(
            "--rates" if rates_given else "--objective",
            "a trace replays its own times; offered load can only be varied for a "
            "synthetic --pattern",
        )


def lane_setup(
    scenario: Scenario, lane: LaneSpec, fixed: Mapping[str, object], request: TuneRequest
) -> tuple[TrialSetup, tuple[Knob, ...]]:
    """The trial setup and search space of one lane; ``scenario`` runs on the search's cost."""
    space = search_space(lane.kind, fixed, request.slo_ms)
    reach = largest_batch(lane.kind, fixed, request.slo_ms)
    one = dataclasses.replace(scenario, lanes=(LaneSpec(lane.name, lane.kind, dict(fixed)),))
    if request.objective == "throughput":
        peak = peak_rps(one, reach)
        low, high = request.rates or (SATURATE_SEARCH * peak, peak)
        rates: tuple[float | None, ...] = (low, high)
    else:
        rates = robust_rates(request.rates)
    setup = TrialSetup(
        scenario=one,
        objective=request.objective,
        slo_ms=request.slo_ms,
        seconds=request.seconds,
        rates=rates,
        saturate_rps=saturate_rps(one, reach),
    )
    return setup, space


def robust_rates(rates: tuple[float, float] | None) -> tuple[float | None, ...]:
    """The loads a latency or cost trial serves: a range's two ends and its geometric
    middle (the robust pick), or (None,) for the scenario's own load, whatever its pattern."""
    if rates is None:
        return (None,)
    return tuple(geometric_rates(*rates, ROBUST_RATES))


def tune_scenario(
    scenario: Scenario,
    request: TuneRequest,
    fixed: Mapping[str, Mapping[str, object]],
    config: SearchConfig,
    backend: Backend,
    on_trial: OnTrial | None = None,
    should_stop: ShouldStop | None = None,
) -> list[LaneTune]:
    """Tune each lane of ``scenario`` in turn (``fixed``: lane -> knobs held as given).

    Stops after the lane a Ctrl-C interrupted, keeping every lane tuned so far.
    """
    request.check(scenario)

    def plan(lane: LaneSpec) -> tuple[TrialSetup, tuple[Knob, ...]]:
        return lane_setup(scenario, lane, fixed.get(lane.name, {}), request)

    return tune_lanes(scenario.lanes, plan, fixed, config, backend, on_trial, should_stop)


def tune_lanes(
    lanes: tuple[LaneSpec, ...],
    plan: Callable[[LaneSpec], tuple[Any, tuple[Knob, ...]]],
    fixed: Mapping[str, Mapping[str, object]],
    config: SearchConfig,
    backend: Backend,
    on_trial: OnTrial | None,
    should_stop: ShouldStop | None,
    repair: Repair = repaired,
) -> list[LaneTune]:
    """Search each lane in turn (``plan``: its trial setup and space); stops after the lane
    a Ctrl-C interrupted, keeping every lane tuned so far."""
    out = []
    for lane in lanes:
        setup, space = plan(lane)
        knobs = dict(fixed.get(lane.name, {}))
        result = tune_lane(setup, space, knobs, config, backend, on_trial, should_stop, repair)
        out.append(result)
        if result.interrupted:
            break
    return out


def chosen(results: list[LaneTune]) -> LaneTune | None:
    """The lane whose pick scores best (lower is better); None when no lane met the SLO."""
    met = [r for r in results if r.best is not None]
    return min(met, key=lambda r: r.best.score if r.best else math.inf, default=None)
