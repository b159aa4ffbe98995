"""``Batcher.stats()``: the simulator's figures for a running batcher, as an immutable value.

Counts are since the batcher started, so ``arrived = completed + failed + rejected +
cancelled + queued + in_flight`` holds exactly at every moment. Distributions and rates
(latency split, batch sizes, reasons, throughput, device busy) cover the batches that
finished in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.batcher.history import BatchRow
from batchtui.engine.metrics.served_json import counts_json, served_json
from batchtui.engine.metrics.summary import Summary, summarize


@dataclass(frozen=True)
class Counts:
    """Every request that reached the batcher, each in exactly one state."""

    arrived: int
    completed: int
    failed: int
    rejected: int
    cancelled: int
    queued: int
    in_flight: int


@dataclass(frozen=True)
class BatcherStats(Counts):
    """A batcher's figures: the field names and units of the simulator's ``LaneStats``."""

    name: str
    batcher: dict[str, Any]
    window_s: float  # the span the distributions and rates cover
    throughput_rps: float
    offered_rps: float
    device_busy: float
    latency: Summary
    queue_wait: Summary
    service: Summary
    batch_mean: float | None
    batch_histogram: dict[int, int]
    queue_depth_max: int
    dispatch_reasons: dict[str, int]
    failure_reasons: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """The lane object of ``batchtui.run/1`` reports, plus ``cancelled`` and ``queued``."""
        out: dict[str, Any] = {
            "name": self.name,
            "batcher": self.batcher,
            "window_s": self.window_s,
            **counts_json(self),
            "cancelled": self.cancelled,
            "queued": self.queued,
            "in_flight": self.in_flight,
            **served_json(self),
            "queue_depth": {"now": self.queued, "max": self.queue_depth_max},
            "dispatch_reasons": self.dispatch_reasons,
        }
        if self.failure_reasons:
            out["failure_reasons"] = self.failure_reasons
        return out


def batcher_stats(
    name: str,
    batcher: dict[str, Any],
    counts: Counts,
    rows: list[BatchRow],
    running: list[float],
    start: float,
    now: float,
) -> BatcherStats:
    """Figures over ``[start, now]`` from the ``rows`` of the batches that finished in it and
    the dispatch times of those ``running`` now."""
    span = max(now - start, 1e-12)
    ok = [r for r in rows if r.failure is None]
    waits = np.fromiter((w for r in ok for w in r.waits), np.float64)
    service = np.repeat(
        np.array([r.finish - r.dispatch for r in ok], dtype=np.float64),
        [r.size for r in ok],
    )
    sizes = np.array([r.size for r in rows], dtype=np.int64)
    reasons: dict[str, int] = {}
    failures: dict[str, int] = {}
    for r in rows:
        reasons[r.reason] = reasons.get(r.reason, 0) + 1
        if r.failure is not None:
            failures[r.failure] = failures.get(r.failure, 0) + 1
    completed_in_window = len(waits)
    spans = [*((r.dispatch, r.finish) for r in rows), *((t, now) for t in running)]
    offered = 0.0
    if rows and now > rows[0].dispatch:
        offered = (counts.arrived - rows[0].arrived) / (now - max(rows[0].dispatch, start))
    return BatcherStats(
        name=name,
        batcher=batcher,
        window_s=span,
        **counts.__dict__,
        throughput_rps=completed_in_window / span,
        offered_rps=offered,
        device_busy=_busy(spans, start, now),
        latency=summarize(waits + service),
        queue_wait=summarize(waits),
        service=summarize(service),
        batch_mean=float(sizes.mean()) if len(sizes) else None,
        batch_histogram={int(k): int(c) for k, c in enumerate(np.bincount(sizes)) if c},
        queue_depth_max=max([counts.queued, *(r.depth for r in rows)]),
        dispatch_reasons=reasons,
        failure_reasons=failures,
    )


def _busy(spans: list[tuple[float, float]], start: float, now: float) -> float:
    """Fraction of ``[start, now]`` with at least one batch running (batches may overlap)."""
    covered, reach = 0.0, start
    for dispatch, finish in sorted(spans):
        lo, hi = max(dispatch, reach), min(finish, now)
        if hi > lo:
            covered += hi - lo
            reach = hi
    return covered / (now - start) if now > start else 0.0
