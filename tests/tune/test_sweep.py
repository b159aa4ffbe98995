"""The load sweep: one row per (lane, rate), and the knee where a hand calculation puts it."""

from __future__ import annotations

import dataclasses

import pytest

from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.sweep import geometric_rates, linear_rates, sweep
from tests.tune.cases import analytic


def test_knee_is_the_last_rate_the_device_keeps_up_with() -> None:
    """Batches of one taking 1 ms each serve at most 1,000 req/s. Constant arrivals below that
    never queue: every latency is exactly 1 ms. Above it the queue grows by (rate - 1000) a
    second, so after 2 s the last request has waited ~100 ms at 1,050 req/s: beyond 5 ms."""
    scenario = dataclasses.replace(
        analytic(),
        model=ModelSpec("analytic", {"base_ms": 1.0, "per_item_ms": 0.0}),
        lanes=(
            LaneSpec("one", "static", {"max_batch_size": 1}),
            LaneSpec("s", "static", {"max_wait_ms": 2.0}),
        ),
        slo_ms=5.0,
    )
    result = sweep(scenario, linear_rates(550.0, 1450.0, 10), seconds=2.0)
    assert len(result.rows) == 2 * 10
    assert [(r.lane, r.rate_rps) for r in result.rows[:3]] == [
        ("one", 550.0),
        ("s", 550.0),
        ("one", 650.0),
    ]
    assert result.knees["one"] == 950.0
    one = {r.rate_rps: r for r in result.rows if r.lane == "one"}
    assert one[950.0].p50_ms == pytest.approx(1.0)
    assert one[950.0].p99_ms == pytest.approx(1.0)
    assert not one[1050.0].sustained
    assert one[1050.0].p99_ms > 50.0
    assert one[1450.0].throughput_rps == pytest.approx(1000.0, rel=0.01)
    assert result.knees["s"] == 1450.0  # waiting 2 ms, batches of a few keep up at every rate


def test_rates_are_spaced_as_asked() -> None:
    assert linear_rates(100.0, 500.0, 5) == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert geometric_rates(10.0, 1000.0, 3) == pytest.approx([10.0, 100.0, 1000.0])
