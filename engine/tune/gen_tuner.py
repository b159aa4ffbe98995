"""Tune every lane of a generative scenario: the same search as request-level lanes (Optuna,
seeded; engine/tune/search.py), on token-level trials (engine/tune/gen_trial.py)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.gen.workload import gen_requests
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.backends import Backend
from batchtui.engine.tune.gen_space import gen_repaired, gen_search_space
from batchtui.engine.tune.gen_trial import GenTrialSetup
from batchtui.engine.tune.search import LaneTune, OnTrial, SearchConfig, ShouldStop
from batchtui.engine.tune.space import Knob
from batchtui.engine.tune.tuner import check_objective, robust_rates, tune_lanes

GEN_OBJECTIVE_HELP = {
    "latency": "lowest p99 TTFT at the offered load, within the SLOs",
    "throughput": "highest output tokens/s (at the highest rate sustained) within the SLOs",
    "cost": "least device-busy time at the offered load, within the SLOs (headroom)",
}


@dataclass(frozen=True)
class GenTuneRequest:
    """What to optimise for generative lanes, under TTFT and/or TPOT targets (p99)."""

    objective: str
    slo_ttft_ms: float | None
    slo_tpot_ms: float | None
    seconds: float | None = None  # seconds of arrivals per run; None: TRIAL_REQUESTS of them
    rates: tuple[float, float] | None = None  # throughput: the range searched; latency and
    # cost: the load range to be robust across (least worst regret, as request-level lanes)

    def check(self, scenario: GenScenario) -> None:
        """ConfigError naming the flag when this cannot be tuned."""
        check_objective(self.objective, self.rates is not None, scenario.load.pattern)
        if self.slo_ttft_ms is None and self.slo_tpot_ms is None:
            raise ConfigError(
                "--slo-ttft-ms",
                "or --slo-tpot-ms is required: the p99 targets a generative lane is tuned to keep",
            )


def gen_lane_setup(
    scenario: GenScenario, lane: LaneSpec, fixed: Mapping[str, object], request: GenTuneRequest
) -> tuple[GenTrialSetup, tuple[Knob, ...]]:
    """The trial setup and search space of one generative lane."""
    space = gen_search_space(lane.kind, fixed, request.slo_ttft_ms)
    one = dataclasses.replace(scenario, lanes=(LaneSpec(lane.name, lane.kind, dict(fixed)),))
    trace = None
    if scenario.load.pattern == "trace":  # replayed as it is, read once: all of it (one
        # pass of a looped one), or its first --seconds
        load = (
            dataclasses.replace(scenario.load, loop=False)
            if request.seconds is None
            else (scenario.load)
        )
        seconds = request.seconds if request.seconds is not None else math.inf
        trace = gen_requests(load, seconds, scenario.seed)
    rates: tuple[float | None, ...] = (
        (request.rates or (None, None))
        if request.objective == "throughput"
        else robust_rates(request.rates)
    )
    setup = GenTrialSetup(
        scenario=one,
        objective=request.objective,
        slo_ttft_ms=request.slo_ttft_ms,
        slo_tpot_ms=request.slo_tpot_ms,
        rates=rates,
        seconds=request.seconds,
        trace=trace,
    )
    return setup, space


def tune_gen_scenario(
    scenario: GenScenario,
    request: GenTuneRequest,
    fixed: Mapping[str, Mapping[str, object]],
    config: SearchConfig,
    backend: Backend,
    on_trial: OnTrial | None = None,
    should_stop: ShouldStop | None = None,
) -> list[LaneTune]:
    """Tune each lane in turn (``fixed``: lane -> knobs held as given); stops after the lane
    a Ctrl-C interrupted, keeping every lane tuned so far."""
    request.check(scenario)

    def plan(lane: LaneSpec) -> tuple[GenTrialSetup, tuple[Knob, ...]]:
        return gen_lane_setup(scenario, lane, fixed.get(lane.name, {}), request)

    lanes = scenario.lanes
    return tune_lanes(lanes, plan, fixed, config, backend, on_trial, should_stop, gen_repaired)
