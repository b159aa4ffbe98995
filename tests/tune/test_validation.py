"""Validation compares like with like: the profile and the live run share torch's thread count,
and a gap beyond the goal names its likely cause."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.wakeup import WakeupLateness
from batchtui.engine.tune import TuneRequest
from batchtui.engine.tune.conditions import (
    serving_threads,
    torch_threads,
    usable_cores,
)
from batchtui.engine.tune.cost_model import profiled
from batchtui.engine.tune.validation import Validation, figures, validate_winner, winner_scenario
from batchtui.tui.tune_report import format_tune
from tests.tune.cases import analytic


def test_serving_threads_leave_a_core_for_the_scheduler() -> None:
    assert [serving_threads(c) for c in (1, 2, 4, 16)] == [1, 1, 3, 15]


def test_torch_threads_on_the_cpu_sets_the_count_and_restores_it() -> None:
    before = torch.get_num_threads()
    with torch_threads("cpu", 1) as threads:
        assert threads == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads("cpu") as threads:
        assert threads == serving_threads(usable_cores()) == torch.get_num_threads()
    assert torch.get_num_threads() == before


def test_the_profile_and_the_live_run_use_the_same_torch_threads(tmp_path: Path) -> None:
    model = ModelSpec("mlp", {"width": 64, "depth": 1})
    lane = LaneSpec("static", "static")
    live = Scenario(load=LoadSpec(rate_rps=200.0), model=model, device="cpu", lanes=(lane,))
    before = torch.get_num_threads()
    cost = profiled(live, 8, tmp_path, None)
    threads = serving_threads(usable_cores())
    doc = json.loads((tmp_path / "profile.json").read_text())
    assert doc["torch_threads"] == threads
    # The machine's wake-up lateness travels with the profile, so the search charges it.
    assert cost.build_service().wakeup == WakeupLateness.from_json(doc["wakeup"])
    # So does each size's batch-time distribution, which the search draws batch times from.
    assert cost.build_service().batch_time == BatchTimes.from_json(doc["batch_time"])
    assert sorted(map(int, doc["batch_time"]["quantiles_ms"])) == [1, 2, 3, 4, 6, 8]
    params = {"max_batch_size": 8, "max_wait_ms": 1.0}
    v = validate_winner(
        winner_scenario(live, lane, params), winner_scenario(cost, lane, params), 0.5
    )
    assert v.device == f"cpu ({threads} thread{'' if threads == 1 else 's'})"
    assert torch.get_num_threads() == before
    # The live run serves the search seed's arrivals; the prediction is the median-p99 run of
    # PREDICTION_SEEDS seeds, so its arrivals may be another seed's (about as many).
    assert v.stats.completed > 50 and v.predicted_stats.completed > 50  # type: ignore[union-attr]
    assert v.to_json()["device"] == v.device


@pytest.fixture(scope="module")
def stats() -> LaneStats:
    """A real simulated lane's figures, to be altered case by case."""
    lab = Lab(analytic("static", rate=500.0, pattern="poisson"))
    lab.run(1.0)
    return lab.snapshot().lanes[0]


def _with(s: LaneStats, **ms: float) -> LaneStats:
    """``s`` with the p99 of latency, service or queue_wait set (milliseconds)."""
    out = s
    for field, p99 in ms.items():
        out = dataclasses.replace(out, **{field: dataclasses.replace(getattr(s, field), p99=p99)})
    return out


def _validation(sim: LaneStats, live: LaneStats, load: float = 3.5) -> Validation:
    return Validation("static", figures(sim), figures(live), live, "cpu (1 thread)", sim, load, 2)


def _slow_batches(s: LaneStats) -> LaneStats:
    return _with(s, latency=9.0, service=7.5, queue_wait=1.0)


def _as_simulated(s: LaneStats) -> LaneStats:
    return _with(s, latency=3.0, service=2.1, queue_wait=0.9)


def _cause(sim: LaneStats, live: LaneStats, load: float = 3.5) -> str:
    cause = _validation(sim, live, load).likely_cause
    assert cause is not None
    return cause


def test_a_gap_within_the_goal_has_no_cause(stats: LaneStats) -> None:
    p99 = stats.latency.p99
    assert p99 is not None
    v = _validation(stats, _with(stats, latency=p99 * 1.1))
    assert v.likely_cause is None
    assert v.to_json()["likely_cause"] is None


def test_a_longer_batch_tail_is_named_with_its_figures_and_the_load(stats: LaneStats) -> None:
    cause = _cause(_as_simulated(stats), _slow_batches(stats))
    assert cause.startswith("batches ran longer live (batch time p99 7.5 ms, profiled 2.1 ms)")
    assert cause.endswith("; the machine was busy (load average 3.5 on 2 cores)")


def test_a_longer_queue_wait_is_named(stats: LaneStats) -> None:
    live = _with(stats, latency=9.0, service=2.2, queue_wait=6.0)
    cause = _cause(_as_simulated(stats), live)
    assert cause.startswith("requests waited longer live (queue wait p99 6 ms, simulated 0.9 ms)")


def test_a_quiet_machine_is_not_blamed_and_a_faster_run_is_named(stats: LaneStats) -> None:
    slow, fast = _slow_batches(stats), _as_simulated(stats)
    assert "busy" not in _cause(fast, slow, load=0.4)
    cause = _cause(slow, fast, load=0.4)
    assert cause.startswith("live batches ran faster (batch time p99 2.1 ms, profiled 7.5 ms)")


def test_a_shorter_wait_than_simulated_is_named_not_faster_batches(stats: LaneStats) -> None:
    # bench/tune.py, 04:16 UTC: the profile charged a 4.3 ms wake-up p99, live waited 0.2 ms
    # while its batches ran slower than profiled; it was called "live batches ran faster".
    sim = _with(stats, latency=4.55, service=0.255, queue_wait=4.3)
    live = _with(stats, latency=0.60, service=0.363, queue_wait=0.2)
    cause = _cause(sim, live, load=0.4)
    assert cause.startswith("requests waited less live (queue wait p99 0.2 ms, simulated 4.3 ms)")


def test_a_lane_that_fell_behind_says_so(stats: LaneStats) -> None:
    live = dataclasses.replace(_with(stats, latency=900.0), throughput_rps=stats.offered_rps / 2)
    assert _cause(stats, live).startswith("the live lane fell behind (served ")


def test_the_report_prints_the_cause_under_the_validation_table(stats: LaneStats) -> None:
    v = _validation(_as_simulated(stats), _slow_batches(stats))
    scenario = analytic("static", rate=500.0, pattern="poisson")
    text = format_tune(scenario, TuneRequest("latency", 20.0), [], {"static": v}, None)
    assert "measured (live, wall clock) on cpu (1 thread)\n" in text
    (line,) = [x for x in text.splitlines() if "likely cause" in x]
    assert line.startswith("static: p99 +200% off the prediction; likely cause: batches ran")
