"""A mergeable quantile sketch: log-bucketed counts with a bounded relative error.

Running totals cannot keep every latency of an hour-long session, so they keep counts in
buckets whose bounds grow by a factor ``GAMMA`` (DDSketch's scheme). Any value in a bucket
is represented by one point within ``RELATIVE_ERROR`` (1%) of it, so every order
statistic, and every percentile interpolated between two of them, is known to within 1%.
Values at or below ``FLOOR_S`` (1 ns) count as zero. Memory is a fixed array; two sketches
merge by adding their counts.
"""

from __future__ import annotations

import math

import numpy as np

RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
FLOOR_S = 1e-9  # smaller values count as zero
CEILING_S = 1e7  # larger values are clamped here (the exact maximum is kept apart)
_LOG_GAMMA = math.log(GAMMA)
_OFFSET = math.floor(math.log(FLOOR_S) / _LOG_GAMMA)
_BUCKETS = math.ceil(math.log(CEILING_S) / _LOG_GAMMA) - _OFFSET + 1  # bucket 0 holds zeros
# Bucket i >= 1 holds (GAMMA**(i+_OFFSET-1), GAMMA**(i+_OFFSET)]; this point is within
# RELATIVE_ERROR of every value in it.
_POINTS = np.concatenate(([0.0], 2.0 * GAMMA ** (np.arange(1, _BUCKETS) + _OFFSET) / (GAMMA + 1.0)))


class LogHistogram:
    """Counts of seconds in log-spaced buckets; quantiles within 1% relative error."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = np.zeros(_BUCKETS, dtype=np.int64)

    def add(self, seconds: np.ndarray) -> None:
        """Count every value of ``seconds`` (non-negative)."""
        if len(seconds) == 0:
            return
        x = np.asarray(seconds, dtype=np.float64)
        index = np.zeros(len(x), dtype=np.int64)
        positive = x > FLOOR_S
        logs = np.log(np.minimum(x[positive], CEILING_S)) / _LOG_GAMMA
        index[positive] = np.clip(np.ceil(logs).astype(np.int64) - _OFFSET, 1, _BUCKETS - 1)
        self.counts += np.bincount(index, minlength=_BUCKETS)

    def merged(self, other: LogHistogram) -> LogHistogram:
        """A new sketch counting both samples."""
        out = LogHistogram()
        out.counts = self.counts + other.counts
        return out

    def copy(self) -> LogHistogram:
        out = LogHistogram()
        out.counts = self.counts.copy()
        return out

    @property
    def count(self) -> int:
        return int(self.counts.sum())

    def percentiles(self, qs: tuple[float, ...]) -> list[float]:
        """Percentiles (0..100) with numpy's linear interpolation between order statistics,
        each order statistic replaced by its bucket's point (so within 1% of the exact one)."""
        n = self.count
        if n == 0:
            raise ValueError("an empty sketch has no percentiles")
        cumulative = np.cumsum(self.counts)
        out = []
        for q in qs:
            rank = q / 100.0 * (n - 1)
            below = math.floor(rank)
            lo, hi = np.searchsorted(cumulative, [below + 1, min(below + 2, n)], "left")
            frac = rank - below
            out.append(float(_POINTS[lo] + frac * (_POINTS[hi] - _POINTS[lo])))
        return out
