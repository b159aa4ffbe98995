"""``--backend ray`` for real: a local Ray instance runs the trials as tasks, with the same
results as this process running the same batches."""

from __future__ import annotations

import pytest

from batchtui.engine.tune import SearchConfig, TuneRequest, tune_scenario
from batchtui.engine.tune.backends import Inline, make_backend
from batchtui.engine.tune.validation import validate_runs, winner_scenario
from tests.tune.cases import analytic

pytest.importorskip("ray")


def _twice(x: int) -> int:
    return 2 * x


def test_ray_tasks_give_the_pick_of_the_same_batches_run_here() -> None:
    scenario = analytic("static", rate=2000.0, pattern="poisson")
    request = TuneRequest("latency", slo_ms=20.0, seconds=0.5)
    config = SearchConfig(trials=6)
    backend = make_backend("ray", workers=2)
    try:
        assert backend.workers == 2
        (remote,) = tune_scenario(scenario, request, {}, config, backend)
        assert backend.call(_twice, 21) == 42  # how validation runs go (a GPU each on CUDA)
        # tune --validate-runs 2: each live run a Ray task of its own.
        live = winner_scenario(scenario, scenario.lanes[0], {"max_batch_size": 8})
        v = validate_runs(live, live, 0.2, 2, call=backend.call)
        assert v is not None and len(v.runs) == 2
        assert all(r.stats.completed == r.stats.arrived > 100 for r in v.runs)
    finally:
        backend.close()
    here = Inline()
    here.workers = 2  # the same batches of two, asked and told in the same order
    (local,) = tune_scenario(scenario, request, {}, config, here)
    assert remote.best is not None and local.best is not None
    assert [r.params for r in remote.results] == [r.params for r in local.results]
    assert remote.best.params == local.best.params
    assert remote.best.score == local.best.score
