"""The Pareto front of p99 against throughput: settings no other setting beats on both."""

from __future__ import annotations

import math
from collections.abc import Iterable

from batchtui.engine.tune.trial import TrialResult


def pareto_front(results: Iterable[TrialResult]) -> list[TrialResult]:
    """Trials not dominated in (lower p99, higher throughput), by p99: the p99 at the offered
    load against capacity, or, for the throughput objective, the rate sustained and the p99
    there. Trials without either figure are left out; of equal points the first stays.
    """
    pts = [r for r in results if r.front_rps is not None and math.isfinite(r.first.p99_ms)]
    pts.sort(key=lambda r: (r.first.p99_ms, -(r.front_rps or 0.0)))
    front: list[TrialResult] = []
    best_capacity = -math.inf
    for r in pts:
        capacity = r.front_rps or 0.0
        if capacity > best_capacity:
            front.append(r)
            best_capacity = capacity
    return front
