"""Proof of a pick: the winner served live on the real model, beside what the simulator said.

Predicted figures come from the simulator on the tuner's cost (the model's measured profile);
measured ones from the live runtime on the wall clock, on the same arrival schedule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.metrics import LaneStats
from batchtui.engine.scenario import LaneSpec, Scenario

FIGURES = ("p50_ms", "p99_ms", "throughput_rps")


@dataclass(frozen=True)
class Validation:
    """Predicted and measured figures of one lane's winner, and their relative errors."""

    lane: str
    predicted: dict[str, float | None]
    measured: dict[str, float | None]
    stats: LaneStats  # the live run's figures (a preset's ``measured``)
    device: str  # what served the live run, e.g. "cpu (8 threads)"

    def error(self, figure: str) -> float | None:
        """(measured − predicted) / predicted; None when either is missing."""
        p, m = self.predicted.get(figure), self.measured.get(figure)
        if p is None or m is None or p == 0:
            return None
        return (m - p) / p

    def to_json(self) -> dict[str, Any]:
        return {
            "lane": self.lane,
            "predicted": self.predicted,
            "measured": self.measured,
            "relative_error": {f: self.error(f) for f in FIGURES},
        }


def winner_scenario(scenario: Scenario, lane: LaneSpec, params: dict[str, Any]) -> Scenario:
    """``scenario`` with only ``lane``, running ``params``."""
    spec = LaneSpec(lane.name, lane.kind, {**lane.params, **params})
    return dataclasses.replace(scenario, lanes=(spec,))


def figures(s: LaneStats) -> dict[str, float | None]:
    """The compared figures of a lane's run."""
    return {"p50_ms": s.latency.p50, "p99_ms": s.latency.p99, "throughput_rps": s.throughput_rps}


def validate_winner(live: Scenario, predicted_on: Scenario, seconds: float) -> Validation:
    """Serve ``live`` (one lane, the real model) for ``seconds`` on the wall clock, and simulate
    ``predicted_on`` (the same lane and seed on the tuner's cost) for the same arrivals."""
    sim = Lab(predicted_on)
    sim.run(seconds)
    predicted = sim.snapshot().lanes[0]
    lab = Lab(live, mode="live")
    lab.run(seconds)
    measured = lab.snapshot().lanes[0]
    device = str(lab.model.get("device_name") or lab.model.get("device") or live.device)
    return Validation(live.lanes[0].name, figures(predicted), figures(measured), measured, device)
