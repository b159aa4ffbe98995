"""The dashboard's background tune of a generative lane (key ``t``): the generative tuner's
latency search (p99 TTFT within the token SLOs) in a spawned process, through TuneJob.

Knobs the search does not move (the continuous lane's KV cache: hardware, not a choice)
stay as the lane runs them, and the answer offers only the knobs it moved. Importing this
module imports neither torch nor Optuna.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.job import Progress, TuneDone, TuneJob, answer

TUNED_FIGURE = "p99 TTFT"
"""What a generative lane's progress and answer report: the latency objective's figure."""


def slo_targets(slo_ttft_ms: float | None, slo_tpot_ms: float | None) -> str:
    """The token SLOs set, e.g. ``TTFT 500 ms, TPOT 50 ms`` (empty when none is)."""
    return ", ".join(
        f"{what} {v:g} ms"
        for what, v in (("TTFT", slo_ttft_ms), ("TPOT", slo_tpot_ms))
        if v is not None
    )


def gen_tune_job(
    scenario: Any, lane: str, load: LoadSpec, running: Mapping[str, Any], trials: int = 40
) -> TuneJob:
    """Tunes generative ``lane`` of ``scenario`` (a GenScenario with a token SLO) at ``load``
    for the lowest p99 TTFT within its SLOs; ``running``: the lane's knobs as it runs now."""
    from batchtui.engine.gen.run import batcher
    from batchtui.engine.tune.gen_space import gen_search_space

    spec = next(s for s in scenario.lanes if s.name == lane)
    held = set(batcher(LaneSpec(lane, spec.kind)).params) - {
        k.name for k in gen_search_space(spec.kind)
    }
    fixed = {k: v for k, v in running.items() if k in held}
    one = dataclasses.replace(scenario, load=load, lanes=(LaneSpec(lane, spec.kind, {}),))
    return TuneJob(lane, TUNED_FIGURE, _search, one, fixed, trials)


def _search(progress: Progress, scenario: Any, fixed: dict[str, Any], trials: int) -> TuneDone:
    """The child: the generative tuner's search over the lane's knobs, ``fixed`` held."""
    from batchtui.engine.tune.backends import Inline
    from batchtui.engine.tune.gen_space import gen_repaired
    from batchtui.engine.tune.gen_tuner import GenTuneRequest, gen_lane_setup
    from batchtui.engine.tune.search import SearchConfig, tune_lane

    lane = scenario.lanes[0]
    request = GenTuneRequest("latency", scenario.slo_ttft_ms, scenario.slo_tpot_ms)
    request.check(scenario)
    setup, space = gen_lane_setup(scenario, lane, fixed, request)
    # the dashboard shows the pick, not the front: no capacity run per trial, no NSGA-II pass
    setup = dataclasses.replace(setup, front=False)
    config = SearchConfig(trials=trials, seed=scenario.seed, pareto=False)
    result = tune_lane(setup, space, fixed, config, Inline(), progress, repair=gen_repaired)
    slo = slo_targets(scenario.slo_ttft_ms, scenario.slo_tpot_ms)
    done = answer(lane.name, result, TUNED_FIGURE, slo)
    searched = {k.name for k in space}  # what is offered: the knobs the search moved
    return dataclasses.replace(done, params={k: v for k, v in done.params.items() if k in searched})
