"""Which lane is best, by a rule a serving engineer can check: within the SLO, nothing dropped.

A lane that meets its p99 by rejecting requests, or whose queue is growing, is not best;
among the rest the one with the most goodput (requests within the SLO per second) wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt

TIE = 0.01  # goodputs within 1% of each other are equal (noise), and latency decides


@dataclass(frozen=True)
class Verdict:
    """The best lane (None: no lane qualifies) and one line saying why."""

    best: str | None
    reason: str


class Standing(NamedTuple):
    """What the rule reads of a lane, from live figures or from a run report alike."""

    name: str
    completed: int
    p99: float | None
    dropped: int  # rejected + failed
    saturated: bool
    goodput: float  # within the SLO per second (all completions when no SLO is set)


def standing(s: LaneStats) -> Standing:
    return Standing(
        s.name, s.completed, s.latency.p99, s.rejected + s.failed, s.saturated, goodput(s)
    )


def report_standing(lane: Mapping[str, Any]) -> Standing:
    """The same from a lane object of a ``batchtui.run/1`` report."""
    good = lane.get("goodput_rps")
    return Standing(
        lane["name"],
        lane["completed"],
        lane["latency_ms"]["p99"],
        lane["rejected"] + lane["failed"],
        bool(lane.get("saturated")),
        lane["throughput_rps"] if good is None else good,
    )


def qualifies(s: Standing, slo_ms: float) -> bool:
    """p99 within the SLO, no request rejected or failed, and keeping up with the load."""
    return (
        s.completed > 0
        and s.p99 is not None
        and s.p99 <= slo_ms
        and s.dropped == 0
        and not s.saturated
    )


def goodput(s: LaneStats) -> float:
    """Requests completed within the SLO per second (all completions when no SLO is set)."""
    return s.goodput_rps if s.goodput_rps is not None else s.throughput_rps


def best_lane(lanes: Sequence[LaneStats], slo_ms: float | None) -> Verdict:
    """The dashboard's verdict on its lanes' figures (see `best_of`)."""
    return best_of([standing(s) for s in lanes], slo_ms)


def best_of(lanes: Sequence[Standing], slo_ms: float | None) -> Verdict:
    """The qualifying lane with the most goodput; lanes within `TIE` of the most are tied
    (all serve the whole load), and the one with the lower p99 wins."""
    if slo_ms is None:
        return Verdict(None, "no SLO set: press s to set one")
    within = f"p99 ≤ {slo_ms:g} ms"
    if not any(s.completed for s in lanes):
        return Verdict(None, "no requests completed yet")
    fit = [s for s in lanes if qualifies(s, slo_ms)]
    if not fit:
        return Verdict(None, f"no lane meets {within} without drops")
    most = max(s.goodput for s in fit)
    tied = [s for s in fit if s.goodput >= (1.0 - TIE) * most]
    best = min(tied, key=lambda s: s.p99 or 0.0)
    return Verdict(
        best.name,
        f"best: {best.name} ({within}, no drops, most goodput {fmt.rate(best.goodput)}/s"
        + ("; tied: lower p99)" if len(tied) > 1 else ")"),
    )
