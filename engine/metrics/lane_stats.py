"""Per-lane figures, computed in numpy from a lane's batch log and the shared arrivals.

Every request is accounted for exactly once: an arrival is rejected, queued, in
flight, completed or failed, and ``arrived`` is the sum of those five.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from batchtui.engine.metrics.summary import Summary, summarize
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.batch_log import BatchLog

TIMELINE_BINS = 60


class LaneLike(Protocol):
    """What the metrics read from a lane (the simulator's and the live runtime's)."""

    name: str
    log: BatchLog
    arrivals: Arrivals
    rejected: list[tuple[int, int]]
    tail: int
    clock: float

    def describe_batcher(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LaneStats:
    """One lane's figures over ``[start_s, end_s]``: an immutable value the UI can hold."""

    name: str
    batcher: dict[str, Any]
    start_s: float
    end_s: float
    arrived: int
    completed: int
    failed: int
    rejected: int
    queued: int
    in_flight: int
    throughput_rps: float
    offered_rps: float
    goodput_rps: float | None
    slo_ms: float | None
    device_busy: float
    latency: Summary
    queue_wait: Summary
    service: Summary
    batch_mean: float | None
    batch_histogram: dict[int, int]
    queue_depth_mean: float
    queue_depth_max: int
    dispatch_reasons: dict[str, int]
    failure_reasons: dict[str, int]
    depth_timeline: tuple[int, ...] = field(default=())  # max queue depth per equal time bin

    @property
    def span_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        """The lane object of ``batchtui.run/1`` reports."""
        out: dict[str, Any] = {
            "name": self.name,
            "batcher": self.batcher,
            "arrived": self.arrived,
            "completed": self.completed,
            "failed": self.failed,
            "rejected": self.rejected,
            "throughput_rps": self.throughput_rps,
            "offered_rps": self.offered_rps,
            "device_busy": self.device_busy,
            "latency_ms": self.latency.to_json(),
            "queue_wait_ms": self.queue_wait.to_json(),
            "service_ms": self.service.to_json(),
            "batch_size": {
                "mean": self.batch_mean,
                "histogram": {str(k): v for k, v in self.batch_histogram.items()},
            },
            "queue_depth": {"mean": self.queue_depth_mean, "max": self.queue_depth_max},
            "dispatch_reasons": self.dispatch_reasons,
        }
        if self.slo_ms is not None:
            out["slo_ms"] = self.slo_ms
            out["goodput_rps"] = self.goodput_rps
        if self.failure_reasons:
            out["failure_reasons"] = self.failure_reasons
        return out


def lane_stats(
    lane: LaneLike,
    *,
    since: float = 0.0,
    window_s: float | None = None,
    slo_ms: float | None = None,
    arrivals_end: float | None = None,
) -> LaneStats:
    """Figures for ``lane`` as of its clock.

    Cumulative (the default): everything about the requests that arrived at or after
    ``since`` (the last statistics reset); then ``arrived = completed + failed +
    rejected + queued + in_flight`` holds exactly. With ``window_s``: what happened in
    the last ``window_s`` seconds — latencies and completions of requests that
    finished in it, arrivals and rejections of requests that arrived in it, and the
    queue and device as they are now. ``arrivals_end`` is when arrivals stopped (a
    finished run's duration), so offered load is not diluted by the drain.
    """
    end = lane.clock
    times = lane.arrivals.times_array[: lane.tail]
    n = len(times)
    i0 = int(np.searchsorted(times, since, "left"))
    log = lane.log.arrays()
    ends = log.end
    if window_s is None:
        start = float(times[i0]) if i0 < n else since
        lo = i0
        counted_from = i0
    else:
        start = max(since, end - window_s)
        counted_from = max(i0, int(np.searchsorted(times, start, "right")))
        finish_max = np.maximum.accumulate(log.finish) if len(log) else log.finish
        b_first = int(np.searchsorted(finish_max, start, "left"))  # earlier batches: history
        lo = max(i0, min(counted_from, int(ends[b_first - 1]) if b_first > 0 else 0))
    span = max(end - start, 1e-12)

    # One row per arrival in [lo, n): its batch (if dispatched) and what became of it.
    rejected = _rejected_mask(lane.rejected, lo, n)
    arrival = times[lo:]
    b_lo = int(np.searchsorted(ends, lo, "right"))
    batch_starts = np.concatenate(([0], ends[:-1]))[b_lo:]
    spans = ends[b_lo:] - np.maximum(batch_starts, lo)
    batch_of = np.repeat(np.arange(b_lo, len(log)), spans)  # rows lo..hi-1
    n_sent = len(batch_of)
    dispatch = np.full(len(arrival), np.inf)
    finish = np.full(len(arrival), np.inf)
    dispatch[:n_sent] = log.dispatch[batch_of]
    finish[:n_sent] = log.finish[batch_of]
    failed = np.zeros(len(arrival), dtype=bool)
    failed[:n_sent] = log.failed[batch_of] >= 0
    sent = ~rejected
    sent[n_sent:] = False
    waiting = ~rejected
    waiting[:n_sent] = False
    done = sent & (finish <= end)
    if window_s is not None:
        done &= finish > start
    ok = done & ~failed
    latency = finish[ok] - arrival[ok]
    wait = dispatch[ok] - arrival[ok]
    service = finish[ok] - dispatch[ok]
    completed = int(ok.sum())
    counted = slice(counted_from - lo, None)

    # Batch-level figures for the batches dispatched in [start, end].
    b_start = int(np.searchsorted(log.dispatch, start, "left"))
    sizes = log.size[b_start:]
    reasons = np.bincount(log.reason[b_start:], minlength=len(lane.log.reasons))
    failure_ids = log.failed[b_start:]
    failures = np.bincount(failure_ids[failure_ids >= 0], minlength=len(lane.log.failures))
    depths = log.depth[b_start:]

    # Time-weighted mean queue depth = total time spent waiting inside [start, end] / span.
    waited = np.minimum(dispatch, end) - np.maximum(arrival, start)
    depth_mean = float(np.clip(waited[~rejected], 0, None).sum() / span)
    queued = int(waiting.sum())  # every waiting request is at or after lo
    depth_max = max(int(depths.max()) if len(depths) else 0, queued)
    busy = _busy_fraction(log.dispatch, log.finish, start, end)
    goodput = None
    if slo_ms is not None:
        goodput = float((latency * 1000.0 <= slo_ms).sum() / span)
    offered_end = end if arrivals_end is None else min(end, max(arrivals_end, start))
    offered_span = offered_end - start
    arrived = n - counted_from
    return LaneStats(
        name=lane.name,
        batcher=lane.describe_batcher(),
        start_s=start,
        end_s=end,
        arrived=arrived,
        completed=completed,
        failed=int((done & failed).sum()),
        rejected=int(rejected[counted].sum()),
        queued=queued,
        in_flight=int((sent & (finish > end)).sum()),
        throughput_rps=completed / span,
        offered_rps=arrived / offered_span if offered_span > 0 else 0.0,
        goodput_rps=goodput,
        slo_ms=slo_ms,
        device_busy=busy,
        latency=summarize(latency),
        queue_wait=summarize(wait),
        service=summarize(service),
        batch_mean=float(sizes.mean()) if len(sizes) else None,
        batch_histogram={int(k): int(c) for k, c in enumerate(np.bincount(sizes)) if c},
        queue_depth_mean=depth_mean,
        queue_depth_max=depth_max,
        dispatch_reasons={lane.log.reasons[i]: int(c) for i, c in enumerate(reasons) if c},
        failure_reasons={lane.log.failures[i]: int(c) for i, c in enumerate(failures) if c},
        depth_timeline=_timeline(log.dispatch[b_start:], depths, start, end),
    )


def _rejected_mask(ranges: list[tuple[int, int]], lo: int, hi: int) -> np.ndarray:
    """Which arrival indices in ``[lo, hi)`` were rejected (ranges are sorted, disjoint)."""
    size = max(hi - lo, 0)
    if not ranges:
        return np.zeros(size, dtype=bool)
    r = np.asarray(ranges, dtype=np.int64)
    r = r[(r[:, 1] > lo) & (r[:, 0] < hi)]
    delta = np.zeros(size + 1, dtype=np.int64)
    np.add.at(delta, np.clip(r[:, 0] - lo, 0, size), 1)
    np.add.at(delta, np.clip(r[:, 1] - lo, 0, size), -1)
    return np.cumsum(delta[:size]) > 0


def _busy_fraction(dispatch: np.ndarray, finish: np.ndarray, start: float, end: float) -> float:
    """Fraction of ``[start, end]`` with at least one batch on the device."""
    if len(dispatch) == 0 or end <= start:
        return 0.0
    s = np.clip(dispatch, start, end)
    e = np.clip(finish, start, end)
    covered_before = np.concatenate(([start], np.maximum.accumulate(e)[:-1]))
    return float(np.clip(e - np.maximum(s, covered_before), 0, None).sum() / (end - start))


def _timeline(
    dispatch: np.ndarray, depths: np.ndarray, start: float, end: float
) -> tuple[int, ...]:
    """Largest queue depth seen at a dispatch in each of TIMELINE_BINS equal bins."""
    if end <= start or len(dispatch) == 0:
        return ()
    bins = np.clip(((dispatch - start) / (end - start) * TIMELINE_BINS).astype(np.int64), 0, None)
    bins = np.minimum(bins, TIMELINE_BINS - 1)
    out = np.zeros(TIMELINE_BINS, dtype=np.int64)
    np.maximum.at(out, bins, depths)
    return tuple(int(x) for x in out)
