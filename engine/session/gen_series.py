"""Each generative lane's figures over time, one point per second of virtual time, the last
SERIES_POINTS of them: what the dashboard's charts draw, and what tells a lane whose backlog
grows. A point is the lane's own GenLaneStats over the second before it (the very figures
a snapshot shows, over a shorter span), so memory is a few floats per lane per point.
"""

from __future__ import annotations

import math
from collections import deque

from batchtui.engine.metrics.lane_stats import SATURATED_MIN_ARRIVALS, SATURATED_SHARE
from batchtui.engine.session.gen_messages import GenLaneSeries, GenLaneStats

SERIES_STEP_S = 1.0
"""Virtual seconds between points (a point closes at the first slice past it)."""
SERIES_POINTS = 120
"""Points kept per lane: two minutes, drawn as the charts' last 120 s."""
SATURATION_POINTS = 30
"""The span (points) over which a growing backlog is judged: many batches long."""
SATURATION_MIN_POINTS = 10
"""Fewer points since the start or a reset say nothing (the backlog fills up first)."""
NOISE_SIGMAS = 3.0
"""Backlog growth within this many standard deviations of the arrivals' count is chance."""


class LaneHistory:
    """The bounded points of one lane, added as its figures over each second come."""

    def __init__(self, name: str, points: int = SERIES_POINTS) -> None:
        self.name = name
        self._points: deque[GenLaneStats] = deque(maxlen=points)
        self._capacity: int | None = None

    def add(self, stats: GenLaneStats) -> None:
        self._points.append(stats)
        self._capacity = stats.kv_capacity

    def clear(self) -> None:
        self._points.clear()

    def series(self, step_s: float = SERIES_STEP_S) -> GenLaneSeries:
        p = self._points
        return GenLaneSeries(
            name=self.name,
            step_s=step_s,
            ttft_p99_ms=tuple(math.nan if s.ttft.p99 is None else s.ttft.p99 for s in p),
            output_tokens_per_s=tuple(s.output_tokens_per_s for s in p),
            kv_peak_tokens=tuple(s.kv_peak for s in p),
            kv_capacity=self._capacity,
            backlog=tuple(s.in_progress for s in p),
            arrived=tuple(s.arrived for s in p),
            dropped=tuple(s.dropped for s in p),
            seqs_mean=tuple(s.seqs_mean or 0.0 for s in p),
        )


def backlog_grows(series: GenLaneSeries, points: int = SATURATION_POINTS) -> bool:
    """Whether the lane was offered more than it serves, over its last ``points`` points:
    it dropped arrivals in them, or its backlog grew by more than the share
    SATURATED_SHARE allows of the requests that arrived (as request-level lanes are judged),
    beyond chance (NOISE_SIGMAS of a Poisson count of those arrivals) and beyond one step's
    worth of sequences (a request-level batch finishing at once drops the backlog by that)."""
    n = len(series)
    if n <= SATURATION_MIN_POINTS:
        return False
    k = min(points, n - 1)
    if series.dropped[-1] > series.dropped[-1 - k]:
        return True
    arrived = series.arrived[-1] - series.arrived[-1 - k]
    if arrived < SATURATED_MIN_ARRIVALS:
        return False
    growth = series.backlog[-1] - series.backlog[-1 - k]
    lump = max(series.seqs_mean[-1 - k :], default=0.0)
    noise = NOISE_SIGMAS * math.sqrt(arrived)
    return growth > (1.0 - SATURATED_SHARE) * arrived and growth > max(noise, lump)
