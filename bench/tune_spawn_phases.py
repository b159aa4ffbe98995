"""How long a dashboard tune's spawned search takes to report its first trial, from `t`.

usage (repository root, venv active): PYTHONPATH=. python bench/tune_spawn_phases.py gen|req|mlp
(`mlp`: the default dashboard's model, a torch mlp 512x2 on the CPU, which the child profiles
first; each stage it reports is timed.)
A cold run (no numba cache beside engine/gen/continuous_kernel.py, fresh HOME) pays the
continuous kernel's first compile in the child; a second run loads it from the cache.
"""

from __future__ import annotations

import os
import sys
import time

from batchtui.engine.tune.job import TuneJob, TuneProgress, TuneStage


def start(which: str) -> TuneJob:
    """The job the dashboard starts on `t` for the tests' scenarios."""
    if which == "mlp":
        from batchtui.engine.load import LoadSpec
        from batchtui.engine.models import ModelSpec
        from batchtui.engine.scenario import LaneSpec, Scenario
        from batchtui.engine.tune.job import lane_tune_job

        load = LoadSpec(rate_rps=1000)
        lanes = (LaneSpec("static", "static"),)
        sc = Scenario(load=load, model=ModelSpec("mlp", {}), device="cpu", lanes=lanes)
        return lane_tune_job(sc, "static", load, 20.0)
    if which == "req":
        from batchtui.engine.tune.job import lane_tune_job
        from tests.tui.pilot import analytic_scenario

        sc = analytic_scenario()
        assert sc.slo_ms is not None
        return lane_tune_job(sc, "dynamic", sc.load, sc.slo_ms)
    from batchtui.engine.tune.gen_job import gen_tune_job
    from tests.tui.test_gen_dashboard_tune import LOAD, SCENARIO

    return gen_tune_job(SCENARIO, "continuous", LOAD, dict(SCENARIO.lanes[3].params))


def main(which: str) -> None:
    t0 = time.perf_counter()
    job, first = start(which), None
    stages: dict[str, float] = {}
    while not job.finished:
        for event in job.events():
            if first is None and isinstance(event, TuneProgress):
                first = time.perf_counter() - t0
            if isinstance(event, TuneStage) and event.what not in stages:
                stages[event.what] = time.perf_counter() - t0
        time.sleep(0.05)
    total = time.perf_counter() - t0
    for what, at in stages.items():
        print(f"{which}: {what} from {at:.1f} s")
    print(f"{which}: first trial at {first or float('nan'):.1f} s, done at {total:.1f} s, "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gen")
