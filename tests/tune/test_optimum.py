"""The tuner finds optima that can be reasoned out, and matches an exhaustive grid for a tenth
of its evaluations."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

from batchtui.engine.tune import SearchConfig, TuneRequest, evaluate, lane_setup, tune_scenario
from batchtui.engine.tune.backends import Inline
from batchtui.engine.tune.space import largest_batch, search_space
from tests.tune.cases import analytic, on_profile, write_profile


def test_throughput_optimum_of_an_analytic_cost_is_found() -> None:
    """Constant arrivals, t(n) = 2 + 0.05 n ms, SLO 50 ms. At the highest sustainable rate the
    device is always busy: each batch holds what arrived during the previous one, so a request
    waits at most one batch and is served in the next: latency ~ 2 t(n). With 2 t(n) = 50 ms,
    t = 25 ms, n = (25 - 2) / 0.05 = 460 per batch, and the rate is n / t = 18,400 req/s.
    Any higher rate needs bigger batches, whose two batch times exceed the SLO."""
    scenario = analytic("static")
    request = TuneRequest("throughput", slo_ms=50.0, seconds=1.0)
    (result,) = tune_scenario(scenario, request, {}, SearchConfig(trials=40), Inline())
    assert result.best is not None
    assert result.best.sustained_rps is not None
    assert abs(result.best.sustained_rps - 18_400.0) / 18_400.0 < 0.02
    assert result.best.first.p99_ms <= 50.0


def test_pick_on_a_profile_is_within_two_percent_of_an_exhaustive_grid(tmp_path: Path) -> None:
    """Latency objective on a measured-looking profile: 40 trials against a 20x20 grid."""
    scenario = on_profile(write_profile(tmp_path), "static", rate=3000.0)
    request = TuneRequest("latency", slo_ms=30.0, seconds=1.0)
    setup, space = lane_setup(scenario, scenario.lanes[0], {}, request)
    setup = dataclasses.replace(setup, saturate_rps=None)  # the objective alone, on both sides
    grid = [k.grid(20) for k in space]
    evaluations = [
        evaluate(setup, dict(zip([k.name for k in space], values, strict=True)))
        for values in itertools.product(*grid)
    ]
    grid_best = min(r.score for r in evaluations)

    config = SearchConfig(trials=len(evaluations) // 10, pareto=False)
    (result,) = tune_scenario(scenario, request, {}, config, Inline())
    assert len(result.results) <= len(evaluations) // 10
    assert result.best is not None
    assert result.best.score <= grid_best * 1.02


def test_search_space_is_every_declared_knob_over_its_slider_span() -> None:
    space = {k.name: k for k in search_space("dynamic", slo_ms=10.0)}
    assert set(space) == {"min_batch_size", "max_batch_size", "max_wait_ms", "target_latency_ms"}
    assert (space["max_batch_size"].low, space["max_batch_size"].high) == (1, 1024)
    assert space["max_batch_size"].integer and space["max_batch_size"].log
    assert space["max_wait_ms"].high == 20.0  # ms knobs stop at twice the SLO
    assert [k.name for k in search_space("static", fixed={"max_wait_ms"})] == ["max_batch_size"]
    assert largest_batch("static", {}) == 1024  # how far a real model is profiled
    assert largest_batch("static", {"max_batch_size": 2000}) == 2000
