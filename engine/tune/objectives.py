"""What "best" means: each objective turns a trial's figures into one score to minimise.

Every score is finite (Optuna's samplers need numbers) and orders infeasible trials after
feasible ones, and among infeasible ones by how close they came to the SLO, so the same
search yields both the pick and, when the SLO cannot be met, the closest achievable.
"""

from __future__ import annotations

import math

OBJECTIVES = ("latency", "throughput", "cost")
OBJECTIVE_HELP = {
    "latency": "lowest p99 at the offered load, within the SLO",
    "throughput": "highest offered load sustained with p99 within the SLO",
    "cost": "least device-busy time at the offered load, within the SLO (headroom)",
}
LOST_LIMIT = 0.01
"""A setting that rejects or fails more than 1% of requests has no finite p99."""
INFEASIBLE = 1.0e6  # scores at or above this never met the SLO


def effective_p99(p99_ms: float | None, arrived: int, lost: int) -> float:
    """The p99 over every request, a lost one counting as infinitely late (1% may be lost)."""
    if p99_ms is None or arrived == 0 or lost > LOST_LIMIT * arrived:
        return math.inf
    return p99_ms


def meets(p99_ms: float, slo_ms: float) -> bool:
    """True when a p99 is within the SLO."""
    return p99_ms <= slo_ms


def shortfall(p99_ms: float, slo_ms: float) -> float:
    """An infeasible trial's score: above every feasible one, lower the closer it came."""
    return INFEASIBLE * (1.0 + min(p99_ms / slo_ms, 1.0e6) * 1.0e-6)


def latency_score(p99_ms: float, slo_ms: float) -> float:
    """Latency objective: the p99 itself (the SLO only decides feasibility)."""
    return p99_ms if meets(p99_ms, slo_ms) else shortfall(p99_ms, slo_ms)


def cost_score(p99_ms: float, busy: float, slo_ms: float) -> float:
    """Cost objective: the device-busy fraction, when the p99 meets the SLO."""
    return busy if meets(p99_ms, slo_ms) else shortfall(p99_ms, slo_ms)


def throughput_score(sustained_rps: float | None, p99_at_low_ms: float, slo_ms: float) -> float:
    """Throughput objective: minus the highest sustained rate (None: not even the lowest)."""
    return -sustained_rps if sustained_rps is not None else shortfall(p99_at_low_ms, slo_ms)


def is_feasible(score: float) -> bool:
    """True for a score that met the SLO."""
    return score < INFEASIBLE
