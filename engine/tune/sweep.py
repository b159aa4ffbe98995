"""A load sweep: each lane's latency–throughput curve across offered load, and its knee.

Every rate runs all lanes on the same arrivals (one Lab per rate), so the curves differ by
the batcher alone. The knee is the highest swept rate a lane sustains within the SLO.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.scenario import Scenario
from batchtui.engine.tune.objectives import effective_p99, meets

SWEEP_FORMAT = "batchtui.sweep/1"
SUSTAINED_SHARE = 0.95
"""Without an SLO, a lane sustains a rate while it completes 95% of what is offered."""
COLUMNS = (
    "lane",
    "kind",
    "rate_rps",
    "offered_rps",
    "throughput_rps",
    "goodput_rps",
    "p50_ms",
    "p99_ms",
    "device_busy",
    "batch_mean",
    "rejected",
    "sustained",
)
"""The CSV columns, one row per (lane, rate); documented in the README."""


@dataclass(frozen=True)
class SweepRow:
    """One lane at one offered load."""

    lane: str
    kind: str
    rate_rps: float
    offered_rps: float
    throughput_rps: float
    goodput_rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    device_busy: float
    batch_mean: float | None
    rejected: int
    sustained: bool

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


@dataclass(frozen=True)
class Sweep:
    """The rows of a sweep and each lane's knee (None: no swept rate was sustained)."""

    rows: tuple[SweepRow, ...]
    knees: dict[str, float | None]
    slo_ms: float | None
    seconds: float

    def lanes(self) -> list[str]:
        return list(self.knees)

    def to_json(self, scenario: Scenario) -> dict[str, Any]:
        """The ``batchtui.sweep/1`` document."""
        return {
            "format": SWEEP_FORMAT,
            "seconds": self.seconds,
            "seed": scenario.seed,
            "slo_ms": self.slo_ms,
            "load": scenario.load.to_dict(),
            "model": scenario.model.to_dict(),
            "columns": list(COLUMNS),
            "knees": self.knees,
            "rows": [row.to_json() for row in self.rows],
        }


def sweep(
    scenario: Scenario,
    rates: Sequence[float],
    seconds: float,
    on_progress: Callable[[float], None] | None = None,
) -> Sweep:
    """Run every lane of ``scenario`` at each of ``rates`` for ``seconds`` of arrivals."""
    rows: list[SweepRow] = []
    for i, rate in enumerate(rates):
        lab = Lab(
            dataclasses.replace(scenario, load=dataclasses.replace(scenario.load, rate_rps=rate))
        )
        lab.run(seconds)
        kinds = {spec.name: spec.kind for spec in scenario.lanes}
        for s in lab.snapshot().lanes:
            lost = s.rejected + s.failed + s.queued + s.in_flight
            p99 = effective_p99(s.latency.p99, s.arrived, lost)
            keeps_up = s.arrived > 0 and s.completed >= SUSTAINED_SHARE * s.arrived
            keeps_up = keeps_up and s.throughput_rps >= SUSTAINED_SHARE * s.offered_rps
            ok = keeps_up and (scenario.slo_ms is None or meets(p99, scenario.slo_ms))
            rows.append(
                SweepRow(
                    lane=s.name,
                    kind=kinds[s.name],
                    rate_rps=float(rate),
                    offered_rps=s.offered_rps,
                    throughput_rps=s.throughput_rps,
                    goodput_rps=s.goodput_rps,
                    p50_ms=s.latency.p50,
                    p99_ms=s.latency.p99,
                    device_busy=s.device_busy,
                    batch_mean=s.batch_mean,
                    rejected=s.rejected,
                    sustained=ok,
                )
            )
        if on_progress is not None:
            on_progress((i + 1) / len(rates))
    knees = {spec.name: knee(rows, spec.name) for spec in scenario.lanes}
    return Sweep(tuple(rows), knees, scenario.slo_ms, seconds)


def knee(rows: Sequence[SweepRow], lane: str) -> float | None:
    """The highest rate ``lane`` sustained (within the SLO when one is set)."""
    ok = [r.rate_rps for r in rows if r.lane == lane and r.sustained]
    return max(ok) if ok else None


def linear_rates(low: float, high: float, steps: int) -> list[float]:
    """``steps`` rates evenly spaced from ``low`` to ``high`` (both included)."""
    if steps == 1:
        return [low]
    return [low + (high - low) * i / (steps - 1) for i in range(steps)]


def geometric_rates(low: float, high: float, steps: int) -> list[float]:
    """``steps`` rates evenly spaced on a log scale from ``low`` to ``high``."""
    if steps == 1 or low == high:
        return [low]
    return [low * (high / low) ** (i / (steps - 1)) for i in range(steps)]
