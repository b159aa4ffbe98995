"""Cumulative histogram buckets, counted as batches finish, for Prometheus to read."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

SECONDS_BOUNDS = (
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
)  # fmt: skip
"""Upper bounds for queue-wait and service seconds: batching lives between 0.5 ms and 10 s."""
SIZE_BOUNDS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 65536)
"""Upper bounds for batch sizes (65536 is the policies' own limit)."""


class Buckets:
    """Counts of observations ``<= bound`` for each bound (plus +Inf), their sum and count.

    Kept since the batcher started, as Prometheus histograms are; the stats window is separate.
    Plain lists and ``bisect``: a batch adds a few dozen values, where numpy's per-call cost
    would dominate.
    """

    __slots__ = ("_counts", "bounds", "count", "sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(float(b) for b in bounds)
        self._counts = [0] * (len(bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def add(self, values: Sequence[float]) -> None:
        """Count a sample (one batch's worth)."""
        counts, bounds = self._counts, self.bounds
        for v in values:
            counts[bisect_left(bounds, v)] += 1
        self.sum += sum(values)
        self.count += len(values)

    def add_one(self, value: float, times: int = 1) -> None:
        """Count ``value`` seen ``times`` times (one batch's size or service time)."""
        self._counts[bisect_left(self.bounds, value)] += times
        self.sum += value * times
        self.count += times

    def cumulative(self) -> list[tuple[float, int]]:
        """``(le, count <= le)`` pairs ending with infinity, as Prometheus histograms read."""
        return list(zip((*self.bounds, math.inf), accumulate(self._counts), strict=True))
