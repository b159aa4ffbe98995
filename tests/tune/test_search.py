"""The search itself: infeasible SLOs, Ctrl-C, seeds, grids, worker processes, the front."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from batchtui.engine.load import LoadSpec
from batchtui.engine.tune import SearchConfig, TrialResult, TuneRequest, tune_scenario
from batchtui.engine.tune.backends import Inline, make_backend
from batchtui.engine.tune.pareto import pareto_front
from batchtui.engine.tune.search import grid_for, worst_regret
from batchtui.engine.tune.space import Knob, repaired
from batchtui.engine.tune.trial import RatePoint, TrialSetup
from tests.tune.cases import analytic

QUICK = TuneRequest("latency", slo_ms=20.0, seconds=0.5)


def test_an_infeasible_slo_gives_no_pick_and_the_closest_achievable() -> None:
    """t(1) = 2.05 ms: no setting serves a request in 1 ms."""
    scenario = analytic("static", rate=500.0, pattern="poisson")
    request = TuneRequest("latency", slo_ms=1.0, seconds=0.5)
    (result,) = tune_scenario(scenario, request, {}, SearchConfig(trials=12), Inline())
    assert result.best is None
    assert result.closest is not None
    assert result.closest.first.p99_ms > 1.0
    assert result.closest.first.p99_ms < 10.0  # close: a small batch right away


def test_ctrl_c_during_a_trial_returns_the_best_so_far() -> None:
    seen = []

    def on_trial(lane: str, done: int, budget: int, best: TrialResult | None) -> None:
        seen.append(best)
        if done == 5:
            raise KeyboardInterrupt

    scenario = analytic("static", rate=2000.0, pattern="poisson")
    (result,) = tune_scenario(scenario, QUICK, {}, SearchConfig(trials=30), Inline(), on_trial)
    assert result.interrupted
    assert len(result.results) == 5
    assert result.best is not None
    assert result.best is min(result.results, key=lambda r: r.score)


def test_the_same_seed_gives_the_same_pick_and_another_seed_searches_elsewhere() -> None:
    scenario = analytic("dynamic", rate=2000.0, pattern="poisson")

    def pick(seed: int) -> dict:
        config = SearchConfig(trials=12, seed=seed)
        (result,) = tune_scenario(scenario, QUICK, {}, config, Inline())
        assert result.best is not None
        return result.best.params

    first = pick(1)
    assert pick(1) == first
    assert pick(2) != first


def test_worker_processes_give_the_pick_of_a_seeded_batch_order() -> None:
    scenario = analytic("static", rate=2000.0, pattern="poisson")
    picks = []
    for _ in range(2):
        backend = make_backend("local", workers=2)
        try:
            (result,) = tune_scenario(scenario, QUICK, {}, SearchConfig(trials=8), backend)
        finally:
            backend.close()
        assert result.best is not None
        picks.append(result.best.params)
    assert picks[0] == picks[1]


def test_one_knob_is_searched_on_a_grid() -> None:
    scenario = analytic("static", rate=2000.0, pattern="poisson")
    fixed = {"static": {"max_wait_ms": 2.0}}
    (result,) = tune_scenario(scenario, QUICK, fixed, SearchConfig(trials=10), Inline())
    assert result.sampler == "grid"
    assert all(r.params["max_wait_ms"] == 2.0 for r in result.results)
    sizes = sorted({r.params["max_batch_size"] for r in result.results})
    assert sizes[0] == 1 and sizes[-1] == 1024


def test_grid_only_when_cheaper() -> None:
    small = (Knob("a", 1, 4, True, False), Knob("b", 1, 5, True, False))
    assert grid_for(small, 20) == {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4, 5]}
    assert grid_for(small, 19) is None
    assert grid_for((Knob("w", 0.1, 10.0, False, True),), 3) == {"w": [0.1, 1.0, 10.0]}


def test_repaired_keeps_the_minimum_batch_at_most_the_maximum() -> None:
    assert repaired("dynamic", {"min_batch_size": 50, "max_batch_size": 8}, {}) == {
        "min_batch_size": 8,
        "max_batch_size": 8,
    }
    fixed = {"min_batch_size": 50}
    assert repaired("dynamic", {"max_batch_size": 8}, fixed)["max_batch_size"] == 50


def _result(p99: float, capacity: float, busy: float = 0.5) -> TrialResult:
    point = RatePoint(1000.0, p99 / 2, p99, 1000.0, busy, 1000)
    return TrialResult({"p99": p99}, p99, (point,), None, capacity, capacity)


def test_pareto_front_keeps_what_nothing_beats_on_both() -> None:
    a, b, c, d = _result(1.0, 100.0), _result(2.0, 300.0), _result(3.0, 200.0), _result(4.0, 400.0)
    assert pareto_front([c, d, b, a]) == [a, b, d]


def test_worst_regret_across_rates_prefers_the_setting_good_everywhere() -> None:
    setup = TrialSetup(analytic(), "latency", 20.0, 1.0, (100.0, 1000.0))

    def at(p_low: float, p_high: float) -> TrialResult:
        pts = tuple(
            RatePoint(r, None, p, r, 0.1, 100) for r, p in ((100.0, p_low), (1000.0, p_high))
        )
        return TrialResult({}, max(p_low, p_high), pts)

    best_low, best_high, balanced = at(1.0, 10.0), at(5.0, 2.0), at(1.2, 2.4)
    trials = [best_low, best_high, balanced]
    assert worst_regret(setup, balanced, trials) == pytest.approx(0.2)
    assert min(trials, key=lambda r: worst_regret(setup, r, trials)) is balanced


def test_a_load_range_runs_every_setting_at_both_ends_and_the_middle() -> None:
    scenario = analytic("static", rate=2000.0, pattern="poisson")
    request = TuneRequest("latency", slo_ms=20.0, seconds=0.5, rates=(500.0, 4500.0))
    (result,) = tune_scenario(scenario, request, {}, SearchConfig(trials=8), Inline())
    assert all(
        [p.rate_rps for p in r.points] == pytest.approx([500.0, 1500.0, 4500.0])
        for r in result.results
    )
    assert result.best is not None
    assert all(p.p99_ms <= 20.0 for p in result.best.points)  # within the SLO everywhere
    feasible = [r for r in result.results if r.score < 20.0]
    regrets = [worst_regret(result.setup, r, feasible) for r in feasible]
    assert worst_regret(result.setup, result.best, feasible) == min(regrets)


def test_a_sqlite_storage_keeps_the_trials_for_the_next_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    scenario = analytic("static", rate=2000.0, pattern="poisson")
    for runs in (1, 2):
        config = SearchConfig(trials=4, storage=url, study="kept", pareto=False)
        (result,) = tune_scenario(scenario, QUICK, {}, config, Inline())
        assert result.trials_in_study == 4 * runs


def test_a_trace_is_tuned_as_it_replays_and_capacity_is_measured_on_poisson() -> None:
    from batchtui.tui.shipped_traces import resolve_trace

    trace = LoadSpec(pattern="trace", trace=resolve_trace("azure-conv"))
    scenario = dataclasses.replace(analytic("static"), load=trace)
    request = TuneRequest("latency", slo_ms=50.0, seconds=30.0)
    (result,) = tune_scenario(scenario, request, {}, SearchConfig(trials=4), Inline())
    assert result.best is not None
    offered = result.best.first.rate_rps
    assert 0.5 < offered < 10.0  # the trace's few requests a second, not a synthetic rate
    assert result.best.capacity_rps is not None and result.best.capacity_rps > 1000.0
