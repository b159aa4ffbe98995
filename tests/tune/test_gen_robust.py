"""``batchtui tune --rates LO:HI`` for generative latency and cost: each setting serves the
range's two ends and its geometric middle, is feasible only within the token SLOs at every
one, and the pick has the least worst regret, as request-level lanes are tuned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune import SearchConfig
from batchtui.engine.tune.backends import Inline
from batchtui.engine.tune.gen_trial import GOOD_SHARE
from batchtui.engine.tune.gen_tuner import GenTuneRequest, gen_lane_setup, tune_gen_scenario
from batchtui.engine.tune.objectives import is_feasible
from batchtui.engine.tune.search import worst_regret
from tests.cli.run import assert_refused, run_cli

COST = {"step_ms": 10.0, "prefill_ms_per_token": 0.05, "decode_ms_per_seq": 0.1,
        "context_ms_per_token": 0.0}  # fmt: skip
# One at a time, a request takes a 35.6 ms prefill step and 3 decode steps of 10.1 ms:
# 65.9 ms, so one sequence at a time serves 15 req/s at most.
ONE_AT_A_TIME = {"max_num_seqs": 1, "max_num_batched_tokens": 1024, "chunked_prefill": False,
                 "long_prefill_token_threshold": 0}  # fmt: skip


def scenario() -> GenScenario:
    load = LoadSpec(pattern="constant", rate_rps=1.0, prompt_tokens=512, output_tokens=4)
    lanes = (LaneSpec("continuous", "continuous"),)
    return GenScenario(load=load, model=ModelSpec("analytic-llm", COST), lanes=lanes)


def test_a_setting_is_feasible_only_if_it_keeps_the_slos_at_every_rate_of_the_range() -> None:
    lane = scenario().lanes[0]
    request = GenTuneRequest("latency", slo_ttft_ms=200.0, slo_tpot_ms=None, rates=(1.0, 20.0))
    setup, _ = gen_lane_setup(scenario(), lane, {}, request)
    assert setup.rates == pytest.approx((1.0, 20.0**0.5, 20.0))
    r = setup.evaluate(ONE_AT_A_TIME)
    assert [p.rate_rps for p in r.points] == pytest.approx(setup.rates)
    shares = [x["good_share"] for x in r.extra["rates"]]
    assert shares[0] == shares[1] == 1.0 and shares[2] < GOOD_SHARE  # 20 req/s > 15 it serves
    assert not is_feasible(r.score) and r.extra["good_share"] == shares[2]  # the worst rate's
    assert r.extra["worst_rate_rps"] == 20.0
    at_low, _ = gen_lane_setup(scenario(), lane, {}, GenTuneRequest("latency", 200.0, None))
    alone = at_low.evaluate(ONE_AT_A_TIME)
    assert is_feasible(alone.score) and len(alone.points) == 1 and "rates" not in alone.extra
    assert alone.score == pytest.approx(35.6)  # each request alone: one prefill step


@pytest.mark.parametrize("objective", ["latency", "cost"])
def test_the_pick_has_the_least_worst_regret_over_the_range(objective: str) -> None:
    request = GenTuneRequest(objective, slo_ttft_ms=300.0, slo_tpot_ms=80.0, rates=(2.0, 16.0))
    (lane,) = tune_gen_scenario(scenario(), request, {}, SearchConfig(trials=16), Inline())
    best = lane.best
    assert best is not None and len(best.points) == 3
    feasible = [r for r in lane.results if is_feasible(r.score)]
    regrets = [worst_regret(lane.setup, r, feasible) for r in feasible]
    assert worst_regret(lane.setup, best, feasible) == min(regrets)
    assert all(x["good_share"] >= GOOD_SHARE for x in best.extra["rates"])
    if objective == "cost":  # the score is the busiest rate's: the range's top
        assert best.score == pytest.approx(max(p.device_busy for p in best.points))
        assert best.score == pytest.approx(best.points[-1].device_busy)


def test_tune_rates_on_analytic_llm_reports_the_range_and_writes_each_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for objective in ("latency", "cost"):
        out_json = tmp_path / f"{objective}.json"
        code, out, _ = run_cli(
            capsys, "tune", "--model", "analytic-llm", "--lanes", "continuous", "--rates", "1:4",
            "--slo-ttft-ms", "1000", "--slo-tpot-ms", "60", "--trials", "8",
            "--objective", objective, "--json", str(out_json),
        )  # fmt: skip
        assert code == 0, out
        assert "at 1-4 req/s" in out.splitlines()[0]
        assert "worst over the range: TTFT p99" in out and "chosen: continuous" in out
        doc = json.loads(out_json.read_text())
        assert doc["generative"] and doc["rates"] == [1.0, 4.0] and doc["objective"] == objective
        best = doc["lanes"][0]["best"]
        assert [p["rate_rps"] for p in best["points"]] == pytest.approx([1.0, 2.0, 4.0])
        assert [x["rate_rps"] for x in best["extra"]["rates"]] == pytest.approx([1.0, 2.0, 4.0])
        worst = max(x["ttft_p99_ms"] for x in best["extra"]["rates"])
        assert best["extra"]["ttft_p99_ms"] <= worst
    assert "device busy" in out
    code, out, _ = run_cli(
        capsys, "tune", "--model", "analytic-llm", "--lanes", "continuous", "--rates", "1:200",
        "--slo-ttft-ms", "1000", "--slo-tpot-ms", "60", "--trials", "4",
    )  # fmt: skip
    assert code == 1 and "closest  at 200 req/s, its worst: " in out


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ("4:1", "--rates: HI (1) must be >= LO (4)"),
        ("0:2", "--rates: rates must be > 0"),
        ("fast:slow", "--rates: rates must be numbers in req/s"),
        ("1:2:3", "--rates: expected LO:HI"),
    ],
)
def test_a_bad_generative_range_is_one_line_and_exit_2(
    rates: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["tune", "--model", "analytic-llm", "--slo-ttft-ms", "500", "--rates", rates]
    assert_refused(capsys, argv, message)


def test_a_trace_replays_its_own_times_so_a_range_is_refused() -> None:
    load = LoadSpec(pattern="trace", trace="azure-conv")
    with pytest.raises(ConfigError, match="--rates: a trace replays its own times"):
        GenTuneRequest("latency", 500.0, None, rates=(1.0, 2.0)).check(GenScenario(load=load))
