"""The generative session: served in slices it gives the headless run's very token times,
accounts for every request, keeps its memory flat, and takes knob and load changes."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import Continuous, StepCost, gen_requests
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.session import (
    CommandFailed,
    EngineClient,
    EngineFailed,
    SetLaneParams,
    SwitchToWallClock,
)
from batchtui.engine.session.gen_load import GenLoad
from batchtui.engine.session.gen_messages import GenSnapshot, SetTokenSlo
from batchtui.engine.session.gen_paced import GenPacedLab
from batchtui.engine.session.gen_session import GenSession
from batchtui.presets import builtin_dir
from tests.session.test_engine_process import wait_for

AZURE = builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv"
LOAD = LoadSpec(rate_rps=6.0, prompt_tokens=300.0, output_tokens=40.0, output_cv=1.0)
TICK = 0.02


def run_for(session: GenSession, seconds: float, start: float = 0.0) -> None:
    """Advance in dashboard-sized slices (20 ms), as the engine process does."""
    for i in range(1, round(seconds / TICK) + 1):
        session.advance_to(start + i * TICK)


def held_records(session: GenSession, lane: str) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in session.lanes[lane].records._req.items()}


@pytest.mark.parametrize("restart", [{}, {"idle_restart_ms": 7.0, "idle_after_ms": 1.0}])
def test_every_lane_in_slices_gives_the_headless_runs_token_times_exactly(
    restart: dict[str, float],
) -> None:
    # With an idle restart too: the dashboard's request-level lanes did not charge it.
    scenario = GenScenario(load=LOAD, seed=3, model=ModelSpec("analytic-llm", dict(restart)))
    session = GenSession(scenario)
    run_for(session, 20.0)
    reqs = gen_requests(LOAD, 20.0, 3)  # the same seed: the same requests
    cost = StepCost(**restart)
    whole = {
        "continuous": run_continuous(Continuous(), cost, reqs),
        **{k: run_request_level(make_policy(k), cost, reqs) for k in ("static", "dynamic")},
    }
    for lane, tl in whole.items():
        held = held_records(session, lane)
        index = np.searchsorted(reqs.times, held["arrival"])
        assert len(held["arrival"]) > 20
        assert reqs.times[index].tolist() == held["arrival"].tolist()
        assert tl.first[index].tolist() == held["first"].tolist(), lane
        assert tl.last[index].tolist() == held["last"].tolist(), lane


def test_every_request_is_accounted_for_and_memory_stays_flat() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=1), max_queue=64)  # dynamic overloads
    session.bound_history(5.0)
    sizes = []
    for minute in range(4):
        run_for(session, 30.0, start=30.0 * minute)
        for s in (*session.snapshot(5.0), *session.snapshot()):
            assert s.arrived == s.completed + s.rejected + s.dropped + s.in_progress > 100
        sizes.append(max(session.held().values()))
    assert max(sizes[1:]) < 2 * min(sizes[1:]) and max(sizes) < 1000


def test_a_continuous_lane_alone_holds_only_its_window() -> None:
    session = GenSession(GenScenario(load=LOAD, lanes=(LaneSpec("c", "continuous"),)))
    session.bound_history(5.0)
    run_for(session, 30.0)
    assert session.held()["c"] < 400  # 5 s: some 30 requests and 250 steps
    stats = session.snapshot()[0]
    assert stats.arrived == stats.completed + stats.rejected + stats.dropped + stats.in_progress
    assert stats.completed > 100


def test_window_figures_are_the_recent_ones_and_totals_count_since_the_reset() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=2))
    session.bound_history(5.0)
    run_for(session, 30.0)
    recent = {s.name: s for s in session.snapshot(5.0)}["continuous"]
    total = {s.name: s for s in session.snapshot()}["continuous"]
    assert recent.span_s == pytest.approx(5.0) and total.span_s == pytest.approx(30.0)
    assert 0 < recent.ttft.count < total.ttft.count  # totals hold what the window dropped
    assert recent.ttft.p50 is not None and recent.tpot.p99 is not None
    # Tokens per second: about the offered output (6 req/s x 40 tokens), the lane keeping up.
    assert 120 < total.output_tokens_per_s < 360
    assert recent.kv_capacity == 65536 and 0 < recent.kv_peak <= recent.kv_capacity
    assert recent.seqs_cap == 256 and 0 < recent.seqs_mean <= 256
    session.reset_stats()
    run_for(session, 2.0, start=30.0)
    after = {s.name: s for s in session.snapshot()}["continuous"]
    assert after.span_s == pytest.approx(2.0) and after.ttft.count < recent.ttft.count


def test_knobs_change_from_the_next_step_and_a_bad_one_changes_nothing() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=4))
    run_for(session, 2.0)
    session.set_lane_params("continuous", max_num_seqs=2, kv_cache_tokens=4096)
    session.set_lane_params("static", max_batch_size=4)
    run_for(session, 10.0, start=2.0)
    stats = {s.name: s for s in session.snapshot(5.0)}
    assert stats["continuous"].batcher["max_num_seqs"] == 2
    assert stats["continuous"].seqs_mean <= 2 and stats["continuous"].kv_capacity == 4096
    assert stats["static"].seqs_cap == 4 and stats["static"].seqs_mean <= 4
    with pytest.raises(ConfigError) as e:
        session.set_lane_params("continuous", max_num_seqs=8, max_num_batched_tokens=0)
    assert e.value.where == "max_num_batched_tokens"
    assert session.lanes["continuous"].facts().batcher["max_num_seqs"] == 2
    with pytest.raises(ConfigError, match="no lane 'nope'"):
        session.set_lane_params("nope", max_num_seqs=1)


def test_a_higher_rate_brings_more_arrivals_from_now_on() -> None:
    session = GenSession(GenScenario(load=LOAD, lanes=(LaneSpec("c", "continuous"),)))
    run_for(session, 10.0)
    before = session.snapshot()[0].arrived
    session.set_load(LOAD.replace(rate_rps=30.0))
    run_for(session, 10.0, start=10.0)
    assert session.snapshot()[0].arrived - before > 3 * before


def test_token_slos_give_goodput_and_bad_ones_are_named() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=5))
    run_for(session, 10.0)
    assert session.snapshot(5.0)[0].goodput_rps is None
    session.set_slos(ttft_ms=1e9, tpot_ms=1e9)
    loose = {s.name: s for s in session.snapshot(5.0)}["continuous"]
    assert loose.goodput_rps == pytest.approx(loose.requests_per_s)
    session.set_slos(ttft_ms=1e-6, tpot_ms=None)
    assert {s.name: s for s in session.snapshot(5.0)}["continuous"].goodput_rps == 0.0
    with pytest.raises(ConfigError) as e:
        session.set_slos(ttft_ms=None, tpot_ms=-1.0)
    assert e.value.where == "slo_tpot_ms"


def test_paced_it_follows_the_clock_and_refuses_what_only_real_models_do() -> None:
    now = [0.0]
    paced = GenPacedLab(GenSession(GenScenario(load=LOAD)), window_s=5.0, clock=lambda: now[0])
    for _ in range(20):
        now[0] += 0.1
        paced.step()
    snap = paced.snapshot()
    assert isinstance(snap, GenSnapshot) and snap.clock == pytest.approx(2.0)
    assert [s.name for s in snap.recent] == ["static", "dynamic", "predictive", "continuous"]
    assert math.isclose(snap.pace, 1.0)
    with pytest.raises(ConfigError, match="simulator only"):
        paced.set_live("continuous")
    with pytest.raises(ConfigError, match="TTFT and a TPOT"):
        paced.set_slo(20.0)
    paced.set_token_slo(500.0, 50.0)
    assert paced.snapshot().slo_ttft_ms == 500.0


def test_the_engine_process_serves_a_generative_scenario_and_obeys() -> None:
    client = EngineClient(GenScenario(load=LOAD))
    try:
        first = wait_for(client, GenSnapshot)
        assert [s.name for s in first.recent][-1] == "continuous"
        client.send(SetLaneParams("continuous", {"max_num_seqs": 3}))
        client.send(SetTokenSlo(2000.0, 100.0))
        client.send(SetLaneParams("continuous", {"max_num_seqs": 0}))
        refused = wait_for(client, CommandFailed)
        assert "max_num_seqs" in refused.message
        client.send(SwitchToWallClock("continuous"))
        assert "simulator only" in wait_for(client, CommandFailed).message
        deadline = time.monotonic() + 20.0
        snap = wait_for(client, GenSnapshot)
        while snap.recent[-1].completed == 0 and time.monotonic() < deadline:
            snap = wait_for(client, GenSnapshot)
        lane = snap.recent[-1]
        assert lane.batcher["max_num_seqs"] == 3 and snap.slo_tpot_ms == 100.0
        assert lane.completed > 0 and lane.ttft.p50 is not None and lane.goodput_rps is not None
    finally:
        client.close(timeout=5.0)
    assert client.process.exitcode == 0


def test_a_bad_generative_setting_stops_the_engine_with_its_name() -> None:
    bad = GenScenario(load=LOAD, lanes=(LaneSpec("c", "continuous", {"kv_cache_tokens": 4}),))
    client = EngineClient(bad)
    try:
        failure = wait_for(client, EngineFailed)
        assert failure.where == "kv_cache_tokens"
    finally:
        client.close()
    assert not client.process.is_alive()


def test_a_trace_is_replayed_with_both_token_columns_as_a_headless_run_reads_them() -> None:
    load = LoadSpec(pattern="trace", trace=str(AZURE), speed=0.5)
    session = GenSession(GenScenario(load=load, lanes=(LaneSpec("c", "continuous"),)))
    run_for(session, 6.0)
    held = held_records(session, "c")
    reqs = gen_requests(load, 6.0, 0)
    index = np.searchsorted(reqs.times, held["arrival"])
    assert len(index) > 0 and held["output"].tolist() == reqs.output[index].tolist()
    assert session.snapshot()[0].arrived == len(reqs)


def test_a_trace_speed_change_carries_on_from_where_the_replay_was() -> None:
    load = LoadSpec(pattern="trace", trace=str(AZURE), speed=1.0)
    changed = GenLoad(load, seed=0)
    before, _ = changed.generate_until(100.0)
    changed.set_spec(dataclasses.replace(load, speed=2.0))
    after, tokens = changed.generate_until(150.0)  # the trace's 100..200 s, twice as fast
    whole, whole_tokens = GenLoad(load, seed=0).generate_until(200.0)
    assert len(before) + len(after) == len(whole) > 800
    rest = slice(len(before), None)
    assert np.allclose(100.0 + (after - 100.0) * 2.0, whole[rest])
    assert tokens.tolist() == whole_tokens[rest].tolist()


def test_the_arrival_rate_is_measured_over_the_window() -> None:
    load = LoadSpec(pattern="trace", trace=str(AZURE), speed=0.5)
    session = GenSession(GenScenario(load=load, lanes=(LaneSpec("c", "continuous"),)))
    assert session.arrival_rps(10.0) is None
    run_for(session, 30.0)
    times = gen_requests(load, 30.0, 0).times
    assert session.arrival_rps(10.0) == pytest.approx((times >= 20.0).sum() / 10.0)
    assert session.arrival_rps(1000.0) == pytest.approx(len(times) / 30.0)


def test_ttft_counts_first_tokens_as_they_come_not_when_their_request_finishes() -> None:
    # Requests live some 8 s (400 tokens at ~20 ms a step); the window is 2 s.
    load = LoadSpec(rate_rps=3.0, prompt_tokens=200.0, output_tokens=400.0)
    session = GenSession(GenScenario(load=load, seed=6, lanes=(LaneSpec("c", "continuous"),)))
    run_for(session, 40.0)
    reqs = gen_requests(load, 40.0, 6)
    first = run_continuous(Continuous(), StepCost(), reqs).first
    came = (first > 38.0) & (first <= 40.0)
    (recent,) = session.snapshot(2.0)
    assert recent.ttft.count == came.sum() >= 3
    assert recent.ttft.p50 == pytest.approx(
        1000.0 * np.percentile((first - reqs.times)[came], 50), rel=0.05
    )
    (total,) = session.snapshot()
    assert total.ttft.count == (first <= 40.0).sum()


@pytest.mark.parametrize("load", [LoadSpec(rate_rps=0.2), LoadSpec(pattern="onoff", rate_rps=3.0)])
def test_the_next_request_the_session_announces_is_the_one_that_comes(load: LoadSpec) -> None:
    # The look-ahead is a twin of the session's own stream: each announced arrival time is
    # when the session's lanes then see one, in however many steps the session advances.
    session = GenSession(GenScenario(load=load, seed=3))
    t = 0.0
    for _ in range(40):
        due = t + session.next_request_in()
        seen = session.arrived
        session.advance_to(due - 1e-9)
        assert session.arrived == seen  # nothing before the announced time
        session.advance_to(due + 1e-9)
        assert session.arrived > seen  # and it comes then
        t = session.clock
    session.set_load(LoadSpec(rate_rps=1.0))
    assert session.next_request_in() is None  # not looked ahead for a changed load
