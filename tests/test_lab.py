"""The façade: same arrivals for every lane, live changes, resets, snapshots, reports."""

import json

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec, Scenario


def test_every_lane_sees_the_same_arrivals() -> None:
    lab = Lab(Scenario(load=LoadSpec(rate_rps=3000), seed=5))
    lab.run(2.0)
    snap = lab.snapshot()
    assert len({s.arrived for s in snap.lanes}) == 1
    assert snap.lanes[0].arrived == pytest.approx(6000, rel=0.05)
    assert all(s.completed == s.arrived for s in snap.lanes)  # drained


def test_same_seed_same_report_and_another_seed_differs() -> None:
    def report(seed: int) -> str:
        r = Lab(Scenario(seed=seed)).run(1.0)
        return json.dumps(r["lanes"], sort_keys=True)

    assert report(1) == report(1)
    assert report(1) != report(2)


def test_set_load_changes_the_rate_from_now_on() -> None:
    lab = Lab(Scenario(load=LoadSpec(pattern="constant", rate_rps=1000)))
    lab.advance_to(1.0)
    lab.set_load(LoadSpec(pattern="constant", rate_rps=4000))
    lab.reset_stats()
    lab.advance_to(2.0)
    s = lab.snapshot().lanes[0]
    assert s.arrived == pytest.approx(4000, abs=2)


def test_lane_parameters_change_live_and_bad_ones_are_refused() -> None:
    lab = Lab(Scenario(lanes=(LaneSpec("s", "static", {"max_batch_size": 8}),)))
    lab.advance_to(0.5)
    lab.set_lane_params("s", max_batch_size=2)
    lab.reset_stats()
    lab.advance_to(1.0)
    assert lab.snapshot().lanes[0].batch_histogram.keys() <= {1, 2}
    with pytest.raises(ConfigError, match="max_wait_ms: must be >= 0"):
        lab.set_lane_params("s", max_wait_ms=-1)
    with pytest.raises(ConfigError, match="no lane 'x'"):
        lab.set_lane_params("x", max_wait_ms=1)


def test_reset_clears_the_statistics_but_not_the_simulation() -> None:
    lab = Lab(Scenario())
    lab.advance_to(1.0)
    before = lab.snapshot().lanes[0]
    lab.reset_stats()
    after = lab.snapshot().lanes[0]
    assert before.arrived > 1000 and after.arrived == 0
    lab.advance_to(1.5)
    assert 0 < lab.snapshot().lanes[0].arrived < before.arrived


def test_report_has_the_documented_shape() -> None:
    report = Lab(Scenario(slo_ms=10)).run(0.5)
    assert report["format"] == "batchtui.run/1" and report["mode"] == "sim"
    assert report["duration_s"] == 0.5 and report["seed"] == 0
    assert report["load"] == {"pattern": "poisson", "rate_rps": 2000.0, "size": 1.0, "size_cv": 0.0}
    assert report["model"]["kind"] == "analytic"
    lane = report["lanes"][0]
    assert lane["name"] == "static" and lane["batcher"]["kind"] == "static"
    for key in ("latency_ms", "queue_wait_ms", "service_ms"):
        assert set(lane[key]) == {"mean", "p50", "p90", "p99", "p999", "max"}
    assert sum(lane["batch_size"]["histogram"].values()) > 0
    assert set(lane["queue_depth"]) == {"mean", "max"}
    assert 0.0 <= lane["device_busy"] <= 1.0
    assert lane["arrived"] == lane["completed"] + lane["failed"] + lane["rejected"]
    assert lane["goodput_rps"] <= lane["throughput_rps"]
    json.dumps(report, allow_nan=False)


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (Scenario(lanes=()), "lanes: at least one lane"),
        (Scenario(lanes=(LaneSpec("a", "static"), LaneSpec("a", "dynamic"))), "named twice"),
        (Scenario(lanes=(LaneSpec("a", "fifo"),)), "unknown batcher 'fifo'"),
        (Scenario(max_queue=0), "max_queue: must be >= 1, got 0"),
        (Scenario(max_inflight=65), "max_inflight: must be <= 64, got 65"),
        (Scenario(slo_ms=0.0), "slo_ms: must be >= 0.001, got 0"),
        (Scenario(model=ModelSpec("analytic", {"base_ms": -1})), "base_ms: must be >= 0"),
        (Scenario(load=LoadSpec(rate_rps=0)), "rate_rps: must be > 0"),
    ],
)
def test_invalid_scenarios_are_refused_by_name(scenario: Scenario, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Lab(scenario)


def test_a_live_check_serves_and_simulates_the_same_arrivals() -> None:
    lab = Lab(Scenario(load=LoadSpec(rate_rps=1500), seed=2))
    lab.advance_to(0.5)
    lab.set_lane_params("dynamic", max_batch_size=8)
    check = lab.check_live("dynamic", 0.5)
    assert check.live.arrived == check.sim.arrived > 500
    assert check.live.batcher["max_batch_size"] == 8
    assert check.live.completed == check.live.arrived
    assert check.live.latency.p50 == pytest.approx(check.sim.latency.p50, rel=0.3)
    with pytest.raises(ConfigError, match="seconds: must be between 0 and 60"):
        lab.check_live("dynamic", 0)


def test_stretches_without_arrivals_are_skipped_and_the_report_is_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import batchtui.engine.lab as lab_module

    scenario = Scenario(load=LoadSpec(rate_rps=0.01))
    steps: list[float] = []
    advance = Lab.advance_to

    def counted(self: Lab, t: float) -> None:
        steps.append(t)
        advance(self, t)

    monkeypatch.setattr(Lab, "advance_to", counted)
    skipping = Lab(scenario).run(100_000.0)
    assert len(steps) < 10_000  # not one step per virtual second
    monkeypatch.setattr(lab_module, "MAX_CHUNK_S", lab_module.CHUNK_S)
    steps.clear()
    every_second = Lab(scenario).run(100_000.0)
    assert len(steps) == 100_000
    assert skipping == every_second
    assert skipping["lanes"][0]["arrived"] > 900
