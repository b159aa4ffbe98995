"""A dashboard tune of a real torch model says what it measures before its first trial, and
measures only what the profile times (warming every size up to 1,024 took over a minute)."""

from __future__ import annotations

import time

import numpy as np

from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import batch_sizes
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune.job import TuneDone, TuneProgress, TuneStage, lane_tune_job

MLP = ModelSpec("mlp", {"width": 64, "depth": 1})


def test_a_warm_up_of_given_sizes_runs_those_sizes_only() -> None:
    runner = ModelRunner(MLP, device="cpu", max_batch_size=64)
    seen: list[int] = []
    run = runner.run
    runner.run = lambda first, sizes: (seen.append(len(sizes)), run(first, sizes))[1]  # type: ignore[method-assign]
    fractions: list[float] = []
    runner.warm_up(64, progress=fractions.append, sizes=batch_sizes(64))
    assert sorted(set(seen)) == batch_sizes(64) and len(seen) == 2 * len(batch_sizes(64))
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    runner.warm_up(3)  # without sizes: every size up to the limit, as a live service needs
    assert seen[-6:] == [1, 1, 2, 2, 3, 3]
    assert np.all(np.diff(batch_sizes(1024)) > 0) and len(batch_sizes(1024)) < 30


def test_a_real_models_tune_says_what_it_measures_before_its_first_trial() -> None:
    load = LoadSpec(rate_rps=500)
    scenario = Scenario(load=load, model=MLP, device="cpu", lanes=(LaneSpec("static", "static"),))
    job = lane_tune_job(scenario, "static", load, slo_ms=20.0, trials=6, seconds=0.5)
    events: list[object] = []
    deadline = time.monotonic() + 120
    try:
        while not job.finished and time.monotonic() < deadline:
            events += job.events()
            time.sleep(0.05)
    finally:
        job.cancel()
    assert isinstance(events[-1], TuneDone), events[-3:]
    first_trial = next(i for i, e in enumerate(events) if isinstance(e, TuneProgress))
    stages = [e for e in events[:first_trial] if isinstance(e, TuneStage)]
    whats = {s.what for s in stages}
    assert {"warming up mlp", "profiling mlp"} <= whats, whats
    assert all(0.0 <= s.fraction <= 1.0 for s in stages)
    assert not any(isinstance(e, TuneStage) for e in events[first_trial:])
