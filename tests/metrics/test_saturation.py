"""Overload is said: a saturated lane is marked, its drain shows progress, checks say why."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.lab import Lab
from batchtui.engine.live.check import check_live, why_not_comparable
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service import AnalyticCost
from tests.cli.run import run_cli

# t(n) = 2 ms + 0.05 ms*n with batches of at most 32: capacity about 8,900 req/s.
MODEL = ModelSpec("analytic", {"base_ms": 2.0, "per_item_ms": 0.05})


def run(
    rate: float, max_queue: int | None = None, on_drain: Callable[[float], None] | None = None
) -> dict[str, Any]:
    scenario = Scenario(load=LoadSpec(rate_rps=rate), model=MODEL, max_queue=max_queue,
                        lanes=(LaneSpec("static", "static"),))  # fmt: skip
    return Lab(scenario).run(2.0, on_drain=on_drain)["lanes"][0]


def test_a_lane_below_capacity_is_not_saturated() -> None:
    lane = run(4000)
    assert lane["saturated"] is False


def test_a_lane_above_capacity_is_saturated_and_says_by_how_much() -> None:
    lane = run(20000)
    assert lane["saturated"] is True
    assert lane["throughput_rps"] < 0.5 * lane["offered_rps"]


def test_a_lane_that_rejects_is_saturated() -> None:
    lane = run(12000, max_queue=64)
    assert lane["rejected"] > 0 and lane["saturated"] is True


def test_the_drain_reports_the_share_of_the_backlog_served() -> None:
    fractions: list[float] = []
    run(20000, on_drain=fractions.append)
    assert len(fractions) > 1  # 2 s of arrivals at 2.2x capacity: more than a second to drain
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_run_prints_one_warning_per_saturated_lane(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--rate", "20000", "--duration", "1", "--max-queue", "100000",
        "--json", str(path), "--quiet",
    )  # fmt: skip
    assert code == 0
    lanes = json.loads(path.read_text())["lanes"]
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == sum(lane["saturated"] for lane in lanes) == 3
    static = lanes[0]
    assert warnings[0] == (
        f"warning: static is saturated: offered {static['offered_rps']:,.0f} req/s, "
        f"served {static['throughput_rps']:,.0f} req/s"
    )
    code, _, err = run_cli(capsys, "run", "--rate", "500", "--duration", "1", "--quiet",
                           "--json", str(path))  # fmt: skip
    assert code == 0 and "warning" not in err


def test_a_live_check_of_a_light_load_is_comparable() -> None:
    check = check_live(
        "static", {"kind": "static", "max_batch_size": 8, "max_wait_ms": 2.0},
        LoadSpec(rate_rps=300), AnalyticCost(1.0, 0.1), 0.3,
    )  # fmt: skip
    assert (check.comparable, check.why_not) == (True, None)


def test_a_live_check_is_not_comparable_when_a_side_is_saturated_or_differs() -> None:
    lab = Lab(Scenario(load=LoadSpec(rate_rps=4000), model=MODEL))
    lab.run(1.0)
    sim = lab.snapshot().lanes[0]
    assert why_not_comparable(sim, sim) is None
    saturated = dataclasses.replace(sim, saturated=True, throughput_rps=1350.0)
    assert why_not_comparable(sim, saturated) == (
        f"the live lane is saturated: offered {sim.offered_rps:,.0f} req/s, served 1,350 req/s"
    )
    fewer = dataclasses.replace(sim, completed=sim.completed // 2)
    assert "served different requests" in str(why_not_comparable(sim, fewer))
    deeper = dataclasses.replace(sim, queue_depth_mean=sim.queue_depth_mean * 3 + 100)
    assert "their queues differ" in str(why_not_comparable(sim, deeper))


def test_run_shows_the_drain_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run_cli(capsys, "run", "--rate", "20000", "--duration", "1", "--lanes",
                           "static")  # fmt: skip
    assert code == 0
    drained = [part for part in err.split("\r") if part.startswith("draining")]
    assert drained and drained[-1].splitlines()[0].endswith("100%")
