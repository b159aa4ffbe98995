"""Since-reset figures kept incrementally, so a long session can drop its old history.

A bounded session (the dashboard's engine) folds each batch, and the requests it carried,
into running sums once the recent window no longer needs it; the figures are then these
sums plus what is still held. Counts, sums, maxima, the batch-size histogram, dispatch
reasons, queue time and device time are exact; latency, queue-wait and service
percentiles come from a mergeable sketch, within 1% relative error (``sketch.py``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from batchtui.engine.metrics.lane_stats import (
    Batches,
    LaneLike,
    LaneStats,
    Span,
    assemble,
    batches_since,
    busy_time,
    queue_time,
    request_rows,
)
from batchtui.engine.metrics.sketch import LogHistogram
from batchtui.engine.metrics.summary import Summary, summarize_sketch


class SampleTotals:
    """A sample too long to keep: its count, sum and maximum, and a quantile sketch."""

    def __init__(self) -> None:
        self.sketch = LogHistogram()
        self.total_s = 0.0
        self.max_s = 0.0

    def add(self, seconds: np.ndarray) -> None:
        if len(seconds):
            self.sketch.add(seconds)
            self.total_s += float(seconds.sum())
            self.max_s = max(self.max_s, float(seconds.max()))

    def summary(self, more: np.ndarray) -> Summary:
        """The figures of this sample and ``more`` together (``more`` is not kept)."""
        sketch = self.sketch.copy()
        sketch.add(more)
        top = max(self.max_s, float(more.max())) if len(more) else self.max_s
        return summarize_sketch(sketch, self.total_s + float(more.sum()), top)


class BatchTotals:
    """Batch-level figures folded so far: sizes, dispatch and failure reasons."""

    def __init__(self) -> None:
        self.sizes = np.zeros(1, dtype=np.int64)  # batches by size
        self.reasons: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()

    def add(self, batches: Batches) -> None:
        counts = np.bincount(batches.size)
        if len(counts) > len(self.sizes):
            grown = np.zeros(len(counts), dtype=np.int64)
            grown[: len(self.sizes)] = self.sizes
            self.sizes = grown
        self.sizes[: len(counts)] += counts
        self.reasons.update(batches.reasons)
        self.failures.update(batches.failures)

    def histogram(self) -> dict[int, int]:
        return {int(k): int(c) for k, c in enumerate(self.sizes) if c}

    def with_(self, batches: Batches) -> BatchTotals:
        """These totals and ``batches`` together (self unchanged)."""
        out = BatchTotals()
        out.sizes = self.sizes.copy()
        out.reasons, out.failures = Counter(self.reasons), Counter(self.failures)
        out.add(batches)
        return out


class RunningTotals:
    """One lane's figures since ``since``, folded batch by batch.

    ``since_index`` is the run-wide number of the first arrival at or after ``since``;
    ``folded_to`` the run-wide arrival number below which every request is folded in.
    """

    def __init__(self, lane: LaneLike, since: float) -> None:
        times = lane.arrivals.times_array
        self.since = since
        self.since_index = lane.arrivals.offset + int(np.searchsorted(times, since, "left"))
        self.folded_to = self.since_index
        self.completed = self.failed = self.rejected = self.good = 0
        self.latency, self.queue_wait, self.service = SampleTotals(), SampleTotals(), SampleTotals()
        self.batches = BatchTotals()
        self.depth_max = 0
        self.waited_s = 0.0
        self.busy_s = 0.0
        self.covered = -np.inf  # device time before this is counted in busy_s

    def fold(self, lane: LaneLike, rows: int, slo_ms: float | None) -> None:
        """Fold the lane's first ``rows`` batches (all finished) and the requests up to the
        end of the last of them (each carried by one of them, or rejected)."""
        offset = lane.arrivals.offset
        if rows == 0:
            return
        log = lane.log.arrays()
        end = int(log.end[rows - 1])
        lo = self.folded_to - offset
        if end > lo:
            r = request_rows(lane, log, lo, end)
            ok = r.sent & ~r.failed
            latency = r.finish[ok] - r.arrival[ok]
            self.completed += int(ok.sum())
            self.failed += int((r.sent & r.failed).sum())
            self.rejected += int(r.rejected.sum())
            self.latency.add(latency)
            self.queue_wait.add(r.dispatch[ok] - r.arrival[ok])
            self.service.add(r.finish[ok] - r.dispatch[ok])
            if slo_ms is not None:
                self.good += int((latency * 1000.0 <= slo_ms).sum())
            self.waited_s += queue_time(r, self.since, np.inf)
            self.folded_to = end + offset
        batches = batches_since(lane, log, self.since, stop=rows)
        self.batches.add(batches)
        if len(batches.depth):
            self.depth_max = max(self.depth_max, int(batches.depth.max()))
        busy, self.covered = busy_time(
            log.dispatch[:rows], log.finish[:rows], self.since, np.inf, self.covered
        )
        self.busy_s += busy

    def stats(
        self, lane: LaneLike, slo_ms: float | None = None, arrivals_end: float | None = None
    ) -> LaneStats:
        """The lane's figures since ``since``: what was folded plus what the lane holds."""
        clock = lane.clock
        offset = lane.arrivals.offset
        start = self.since
        log = lane.log.arrays()
        lo = self.folded_to - offset
        r = request_rows(lane, log, lo)
        done = r.sent & (r.finish <= clock)
        ok = done & ~r.failed
        latency = r.finish[ok] - r.arrival[ok]
        batches = batches_since(lane, log, start)
        queued = int(r.waiting.sum())
        depths = [self.depth_max, queued, int(batches.depth.max()) if len(batches.depth) else 0]
        good = self.good + (0 if slo_ms is None else int((latency * 1000.0 <= slo_ms).sum()))
        return assemble(
            lane,
            Span(start, lo, lo),
            clock,
            arrivals_end=arrivals_end,
            arrived=offset + lane.tail - self.since_index,
            rejected=self.rejected + int(r.rejected.sum()),
            failed=self.failed + int((done & r.failed).sum()),
            queued=queued,
            in_flight=int((r.sent & (r.finish > clock)).sum()),
            latency=self.latency.summary(latency),
            queue_wait=self.queue_wait.summary(r.dispatch[ok] - r.arrival[ok]),
            service=self.service.summary(r.finish[ok] - r.dispatch[ok]),
            good=good,
            slo_ms=slo_ms,
            batches=self.batches.with_(batches),
            waited_s=self.waited_s + queue_time(r, start, clock),
            depth_max=max(depths),
            busy_s=self.busy_s + busy_time(log.dispatch, log.finish, start, clock, self.covered)[0],
            timeline=(),
        )
