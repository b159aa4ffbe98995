"""Each generative lane's figures over time: the points are the session's own figures over
each second, their memory is bounded, a reset starts them afresh, and a lane whose backlog
grows (or that drops arrivals) is marked saturated while one that keeps up never is."""

from __future__ import annotations

import math

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.session.gen_messages import GenLaneSeries
from batchtui.engine.session.gen_series import SERIES_POINTS, backlog_grows
from batchtui.engine.session.gen_session import GenSession

LOAD = LoadSpec(rate_rps=6.0, prompt_tokens=300.0, output_tokens=40.0, output_cv=1.0)
TICK = 0.1


def run_for(session: GenSession, seconds: float) -> None:
    start = session.clock
    for i in range(1, round(seconds / TICK) + 1):
        session.advance_to(start + i * TICK)


def by_name(session: GenSession) -> dict[str, GenLaneSeries]:
    return {s.name: s for s in session.series()}


def test_each_point_is_the_snapshots_figures_over_the_second_before_it() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=1))
    for second in range(1, 16):
        session.advance_to(float(second))
        shown = {s.name: s for s in session.snapshot(window_s=1.0)}
        for name, series in by_name(session).items():
            assert len(series) == second
            s = shown[name]
            assert series.output_tokens_per_s[-1] == s.output_tokens_per_s
            assert series.kv_peak_tokens[-1] == s.kv_peak
            assert series.backlog[-1] == s.in_progress and series.arrived[-1] == s.arrived
            p99 = series.ttft_p99_ms[-1]
            assert (math.isnan(p99) and s.ttft.p99 is None) or p99 == s.ttft.p99
    made = {n: sum(s.output_tokens_per_s) for n, s in by_name(session).items()}
    assert all(v > 0 for v in made.values()), made  # every lane produced tokens
    assert by_name(session)["continuous"].kv_capacity == 65536
    assert by_name(session)["static"].kv_capacity is None


def test_the_series_keeps_two_minutes_and_a_reset_starts_it_afresh() -> None:
    session = GenSession(GenScenario(load=LOAD, seed=2))
    run_for(session, 150.0)
    assert {len(s) for s in session.series()} == {SERIES_POINTS}
    session.reset_stats()
    assert {len(s) for s in session.series()} == {0}
    run_for(session, 3.0)
    assert {len(s) for s in session.series()} == {3}


def test_an_overloaded_lane_is_saturated_and_one_that_keeps_up_never_is() -> None:
    lanes = (LaneSpec("static", "static"), LaneSpec("continuous", "continuous"))
    # 20 req/s of 100-token outputs: a static batch of 32 takes about 3 s (some 11 req/s);
    # the continuous lane runs some 200 sequences a step and keeps up.
    load = LoadSpec(rate_rps=20.0, prompt_tokens=200.0, output_tokens=100.0)
    session = GenSession(GenScenario(load=load, lanes=lanes, seed=3))
    seen: dict[str, list[bool]] = {"static": [], "continuous": []}
    for _ in range(60):
        run_for(session, 1.0)
        for s in session.snapshot(window_s=10.0):
            seen[s.name].append(s.saturated)
    assert not any(seen["static"][:10])  # too early to tell
    assert all(seen["static"][20:]), seen["static"]
    assert not any(seen["continuous"]), seen["continuous"]
    assert not any(s.saturated for s in session.snapshot())  # the totals are not judged


def test_lanes_that_keep_up_under_light_load_are_never_saturated() -> None:
    # (the dynamic lane is left out: at this load it does fall behind, batches of one
    # holding the device for a whole generation each, and is rightly marked)
    lanes = tuple(LaneSpec(k, k) for k in ("static", "predictive", "continuous"))
    session = GenSession(GenScenario(load=LOAD, lanes=lanes, seed=4))
    for _ in range(60):
        run_for(session, 1.0)
        assert not any(s.saturated for s in session.snapshot(window_s=10.0))


def test_drops_in_the_span_are_saturation_and_too_few_points_say_nothing() -> None:
    def series(n: int, dropped: list[int]) -> GenLaneSeries:
        return GenLaneSeries(
            "x", 1.0, (1.0,) * n, (1.0,) * n, (0,) * n, None,
            backlog=(5,) * n, arrived=tuple(range(0, 10 * n, 10)),
            dropped=tuple(dropped), seqs_mean=(1.0,) * n,
        )  # fmt: skip

    assert backlog_grows(series(20, [0] * 19 + [1]))
    assert not backlog_grows(series(20, [0] * 20))
    assert not backlog_grows(series(10, [0] * 9 + [1]))
