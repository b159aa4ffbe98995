"""Proof of a pick: the winner served live on the real model, beside what the simulator said.

Predicted figures come from the simulator on the tuner's cost (the model's measured profile);
measured ones from the live runtime on the wall clock, on the same arrival schedule, under the
profile's conditions (``conditions.py``). A gap beyond ``GAP_GOAL`` comes with its likely cause.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.metrics import LaneStats
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune.conditions import torch_threads, usable_cores

FIGURES = ("p50_ms", "p99_ms", "throughput_rps")
GAP_GOAL = 0.15  # issue 12: the validated p99 within 15% of the prediction
BEHIND = 0.05  # a live lane that served 5% less than it was offered fell behind


@dataclass(frozen=True)
class Validation:
    """Predicted and measured figures of one lane's winner, and their relative errors."""

    lane: str
    predicted: dict[str, float | None]
    measured: dict[str, float | None]
    stats: LaneStats  # the live run's figures (a preset's ``measured``)
    device: str  # what served the live run, e.g. "cpu (8 threads)"
    predicted_stats: LaneStats | None = None  # the simulated run's figures
    load_average: float | None = None  # the machine's 1-minute load after the live run
    cores: int | None = None  # cores this process could use

    @property
    def likely_cause(self) -> str | None:
        """Why the p99 gap is beyond ``GAP_GOAL``, in one line; None when within it."""
        return gap_cause(self)

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
            "device": self.device,
            "load_average": self.load_average,
            "likely_cause": self.likely_cause,
        }


def gap_cause(v: Validation) -> str | None:
    """The likeliest reason the live p99 is off its prediction, read from the two runs: the
    live lane fell behind, or the part of latency (batch time or queue wait) whose tail grew;
    and whether other work held the machine's cores meanwhile."""
    gap = v.error("p99_ms")
    if gap is None or abs(gap) <= GAP_GOAL or v.predicted_stats is None:
        return None
    live, sim = v.stats, v.predicted_stats
    busy = ""
    if v.load_average is not None and v.cores and v.load_average > v.cores:
        busy = f"; the machine was busy (load average {v.load_average:.1f} on {v.cores} cores)"
    if live.offered_rps > 0 and live.throughput_rps < (1 - BEHIND) * live.offered_rps:
        return (
            f"the live lane fell behind (served {live.throughput_rps:,.0f} of "
            f"{live.offered_rps:,.0f} req/s offered): the device ran slower than its profile{busy}"
        )
    service = f"batch time p99 {live.service.p99:.3g} ms, profiled {sim.service.p99:.3g} ms"
    if gap < 0:
        return f"live batches ran faster ({service}): the profile was measured in a slower spell"
    grew_service = (live.service.p99 or 0.0) - (sim.service.p99 or 0.0)
    grew_wait = (live.queue_wait.p99 or 0.0) - (sim.queue_wait.p99 or 0.0)
    if grew_service >= grew_wait:
        return (
            f"batches ran longer live ({service}): the profile's batch times (a median per "
            f"size, or the spread it kept) missed this tail, the CPU taken from the lane{busy}"
        )
    return (
        f"requests waited longer live (queue wait p99 {live.queue_wait.p99:.3g} ms, simulated "
        f"{sim.queue_wait.p99:.3g} ms): late wake-ups, or requests queued behind a slow "
        f"batch{busy}"
    )


def winner_scenario(scenario: Scenario, lane: LaneSpec, params: dict[str, Any]) -> Scenario:
    """``scenario`` with only ``lane``, running ``params``."""
    spec = LaneSpec(lane.name, lane.kind, {**lane.params, **params})
    return dataclasses.replace(scenario, lanes=(spec,))


def figures(s: LaneStats) -> dict[str, float | None]:
    """The compared figures of a lane's run."""
    return {"p50_ms": s.latency.p50, "p99_ms": s.latency.p99, "throughput_rps": s.throughput_rps}


def validate_winner(live: Scenario, predicted_on: Scenario, seconds: float) -> Validation:
    """Serve ``live`` (one lane, the real model) for ``seconds`` on the wall clock, and simulate
    ``predicted_on`` (the same lane and seed on the tuner's cost) for the same arrivals.

    A torch model on the CPU runs with the thread count it was profiled with
    (``torch_threads``)."""
    sim = Lab(predicted_on)
    sim.run(seconds)
    predicted = sim.snapshot().lanes[0]
    threads = torch_threads(live.device) if live.model.is_torch else contextlib.nullcontext()
    with threads:
        lab = Lab(live, mode="live")
        lab.run(seconds)
        device = str(lab.model.get("device_name") or lab.model.get("device") or live.device)
    measured = lab.snapshot().lanes[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return Validation(
        live.lanes[0].name,
        figures(predicted),
        figures(measured),
        measured,
        device,
        predicted_stats=predicted,
        load_average=load,
        cores=usable_cores(),
    )
