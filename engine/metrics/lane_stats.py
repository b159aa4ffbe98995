"""Per-lane figures, computed in numpy from a lane's batch log and the shared arrivals.

Every request is accounted for exactly once: an arrival is rejected, queued, in
flight, completed or failed, and ``arrived`` is the sum of those five. The steps are
named: which arrivals and batches a figure covers (``Span``), each request joined with
its batch (``request_rows``), the batches in the span (``batches_since``), the time
integrals (``queue_time``, ``busy_time``), and the figures from their parts (``assemble``,
shared with the running totals of ``totals.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np

from batchtui.engine.metrics.served_json import counts_json, served_json
from batchtui.engine.metrics.summary import Summary, summarize
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.batch_log import BatchArrays, BatchLog

TIMELINE_BINS = 60
SATURATED_SHARE = 0.9  # served below this share of the offered rate: saturated
SATURATED_MIN_ARRIVALS = 10  # ...once this many requests arrived (fewer say nothing)


class LaneLike(Protocol):
    """What the metrics read from a lane (the simulator's and the live runtime's)."""

    name: str
    log: BatchLog
    arrivals: Arrivals
    rejected: list[tuple[int, int]]
    tail: int
    clock: float

    def batcher_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LaneStats:
    """One lane's figures over ``[start_s, end_s]``: an immutable value the UI can hold.

    Exact, except for the since-reset totals of a bounded session (the dashboard's engine,
    ``Lab.bound_history``): there the latency, queue-wait and service percentiles come
    from a sketch, within 1% relative error (``sketch.py``); counts, means, maxima,
    histograms and reasons stay exact, and ``depth_timeline`` is empty.
    """

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
    saturated: bool = False  # offered load above what the lane served (see is_saturated)

    @property
    def span_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        """The lane object of ``batchtui.run/1`` reports."""
        out: dict[str, Any] = {
            "name": self.name,
            "batcher": self.batcher,
            **counts_json(self),
            **served_json(self),
            "queue_depth": {"mean": self.queue_depth_mean, "max": self.queue_depth_max},
            "dispatch_reasons": self.dispatch_reasons,
            "saturated": self.saturated,
        }
        if self.slo_ms is not None:
            out["slo_ms"] = self.slo_ms
            out["goodput_rps"] = self.goodput_rps
        if self.failure_reasons:
            out["failure_reasons"] = self.failure_reasons
        return out


class Span(NamedTuple):
    """What a set of figures covers: ``[start, clock]``, over some of the arrival indices."""

    start: float
    rows_from: int  # the first arrival whose request can matter (completed in the span, say)
    counted_from: int  # the first arrival counted as having arrived in the span


class Requests(NamedTuple):
    """One row per arrival from ``Span.rows_from``: its times and what became of it."""

    arrival: np.ndarray
    dispatch: np.ndarray  # inf while waiting (and for rejected requests)
    finish: np.ndarray
    failed: np.ndarray
    rejected: np.ndarray
    sent: np.ndarray  # dispatched (rejected ones never are)
    waiting: np.ndarray  # still queued


class BatchFigures(Protocol):
    """Batch-level figures, exact (``Batches``) or folded into running totals."""

    @property
    def reasons(self) -> dict[str, int]: ...
    @property
    def failures(self) -> dict[str, int]: ...
    def histogram(self) -> dict[int, int]: ...


class Batches(NamedTuple):
    """The batches dispatched in the span."""

    dispatch: np.ndarray
    size: np.ndarray
    depth: np.ndarray
    reasons: dict[str, int]
    failures: dict[str, int]

    def histogram(self) -> dict[int, int]:
        """Batches by size."""
        return {int(k): int(c) for k, c in enumerate(np.bincount(self.size)) if c}


def lane_stats(
    lane: LaneLike,
    *,
    since: float = 0.0,
    window_s: float | None = None,
    slo_ms: float | None = None,
    arrivals_end: float | None = None,
) -> LaneStats:
    """Figures for ``lane`` as of its clock, exact.

    Cumulative (the default): everything about the requests that arrived at or after
    ``since`` (the last statistics reset); then ``arrived = completed + failed +
    rejected + queued + in_flight`` holds exactly. With ``window_s``: what happened in
    the last ``window_s`` seconds — latencies and completions of requests that
    finished in it, arrivals and rejections of requests that arrived in it, and the
    queue and device as they are now. ``arrivals_end`` is when arrivals stopped (a
    finished run's end of arrivals), so offered load is not diluted by the drain.
    """
    clock = lane.clock
    times = lane.arrivals.times_array[: lane.tail]
    log = lane.log.arrays()
    first = int(np.searchsorted(times, since, "left"))  # the first arrival since the reset
    if window_s is None:
        span = Span(since, first, first)
    else:
        span = window_span(times, log, lane.log.base_end, first, since, clock - window_s)
    rows = request_rows(lane, log, span.rows_from)
    done = rows.sent & (rows.finish <= clock)
    if window_s is not None:
        done &= rows.finish > span.start
    ok = done & ~rows.failed
    counted = slice(span.counted_from - span.rows_from, None)
    batches = batches_since(lane, log, span.start)
    queued = int(rows.waiting.sum())  # every waiting request is at or after rows_from
    return assemble(
        lane,
        span,
        clock,
        arrivals_end=arrivals_end,
        arrived=len(times) - span.counted_from,
        rejected=int(rows.rejected[counted].sum()),
        failed=int((done & rows.failed).sum()),
        queued=queued,
        in_flight=int((rows.sent & (rows.finish > clock)).sum()),
        latency=summarize(rows.finish[ok] - rows.arrival[ok]),
        queue_wait=summarize(rows.dispatch[ok] - rows.arrival[ok]),
        service=summarize(rows.finish[ok] - rows.dispatch[ok]),
        good=_within(rows.finish[ok] - rows.arrival[ok], slo_ms),
        slo_ms=slo_ms,
        batches=batches,
        waited_s=queue_time(rows, span.start, clock),
        depth_max=max(int(batches.depth.max()) if len(batches.depth) else 0, queued),
        busy_s=busy_time(log.dispatch, log.finish, span.start, clock)[0],
        timeline=_timeline(batches.dispatch, batches.depth, span.start, clock),
    )


def window_span(
    times: np.ndarray, log: BatchArrays, base_end: int, first: int, since: float, start: float
) -> Span:
    """The span of a window starting at ``start``: arrivals after it count, and the rows
    reach back to the first request of the first batch still finishing in it."""
    start = max(since, start)
    counted_from = max(first, int(np.searchsorted(times, start, "right")))
    finish_max = np.maximum.accumulate(log.finish) if len(log) else log.finish
    b_first = int(np.searchsorted(finish_max, start, "left"))  # earlier batches: history
    batch_start = int(log.end[b_first - 1]) if b_first > 0 else base_end
    return Span(start, max(first, min(counted_from, batch_start)), counted_from)


def request_rows(lane: LaneLike, log: BatchArrays, lo: int, hi: int | None = None) -> Requests:
    """Each arrival in ``[lo, hi)`` (hi: the lane's tail), joined with the batch that
    carried it (if any)."""
    n = lane.tail if hi is None else hi
    rejected = _rejected_mask(lane.rejected, lo, n)
    arrival = lane.arrivals.times_array[lo:n]
    ends = log.end
    b_lo = int(np.searchsorted(ends, lo, "right"))
    batch_starts = np.concatenate(([lane.log.base_end], ends[:-1]))[b_lo:]
    spans = ends[b_lo:] - np.maximum(batch_starts, lo)
    batch_of = np.repeat(np.arange(b_lo, len(log)), spans)[: len(arrival)]
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
    return Requests(arrival, dispatch, finish, failed, rejected, sent, waiting)


def batches_since(
    lane: LaneLike, log: BatchArrays, start: float, stop: int | None = None
) -> Batches:
    """The batches dispatched at or after ``start`` (among the first ``stop`` rows)."""
    b_start = int(np.searchsorted(log.dispatch[:stop], start, "left"))
    rows = slice(b_start, stop)
    reasons = np.bincount(log.reason[rows], minlength=len(lane.log.reasons))
    failure_ids = log.failed[rows]
    failures = np.bincount(failure_ids[failure_ids >= 0], minlength=len(lane.log.failures))
    return Batches(
        log.dispatch[rows],
        log.size[rows],
        log.depth[rows],
        {lane.log.reasons[i]: int(c) for i, c in enumerate(reasons) if c},
        {lane.log.failures[i]: int(c) for i, c in enumerate(failures) if c},
    )


def queue_time(rows: Requests, start: float, end: float) -> float:
    """Total time requests spent waiting inside ``[start, end]`` (the integral of the
    queue depth, so the time-weighted mean depth is this over the span)."""
    waited = np.minimum(rows.dispatch, end) - np.maximum(rows.arrival, start)
    return float(np.clip(waited[~rows.rejected], 0, None).sum())


def assemble(
    lane: LaneLike,
    span: Span,
    clock: float,
    *,
    arrivals_end: float | None,
    arrived: int,
    rejected: int,
    failed: int,
    queued: int,
    in_flight: int,
    latency: Summary,
    queue_wait: Summary,
    service: Summary,
    good: int,
    slo_ms: float | None,
    batches: BatchFigures,
    waited_s: float,
    depth_max: int,
    busy_s: float,
    timeline: tuple[int, ...],
) -> LaneStats:
    """The figures, from the counts and sums every way of computing them arrives at."""
    length = max(clock - span.start, 1e-12)
    # Offered load is over the arrival window: from the reset (or the window's start) to
    # the end of arrivals, not to the end of the drain.
    offered_end = clock if arrivals_end is None else max(arrivals_end, span.start)
    offered_span = offered_end - span.start
    offered = arrived / offered_span if offered_span > 0 else 0.0
    completed = latency.count
    throughput = completed / length
    hist = batches.histogram()
    n_batches = sum(hist.values())
    return LaneStats(
        name=lane.name,
        batcher=lane.batcher_json(),
        start_s=span.start,
        end_s=clock,
        arrived=arrived,
        completed=completed,
        failed=failed,
        rejected=rejected,
        queued=queued,
        in_flight=in_flight,
        throughput_rps=throughput,
        offered_rps=offered,
        goodput_rps=None if slo_ms is None else good / length,
        slo_ms=slo_ms,
        device_busy=busy_s / (clock - span.start) if clock > span.start else 0.0,
        latency=latency,
        queue_wait=queue_wait,
        service=service,
        batch_mean=sum(k * c for k, c in hist.items()) / n_batches if n_batches else None,
        batch_histogram=hist,
        queue_depth_mean=waited_s / length,
        queue_depth_max=depth_max,
        dispatch_reasons=batches.reasons,
        failure_reasons=batches.failures,
        depth_timeline=timeline,
        saturated=is_saturated(arrived, rejected, offered, throughput),
    )


def is_saturated(arrived: int, rejected: int, offered_rps: float, served_rps: float) -> bool:
    """Offered load above what the lane served: it rejected requests, or it completed them
    at well under the rate they arrived (SATURATED_SHARE), so its backlog grew (a finished
    run counts its drain: a lane that needed 90 s to drain 10 s of arrivals was saturated)."""
    if rejected:
        return True
    return arrived >= SATURATED_MIN_ARRIVALS and served_rps < SATURATED_SHARE * offered_rps


def _within(latency: np.ndarray, slo_ms: float | None) -> int:
    return 0 if slo_ms is None else int((latency * 1000.0 <= slo_ms).sum())


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


def busy_time(
    dispatch: np.ndarray, finish: np.ndarray, start: float, end: float, covered: float = -np.inf
) -> tuple[float, float]:
    """Seconds of ``[start, end]`` with at least one batch on the device, counting nothing
    before ``covered`` (already counted); and the new ``covered``."""
    if len(dispatch) == 0 or end <= start:
        return 0.0, covered
    s = np.clip(dispatch, start, end)
    e = np.clip(finish, start, end)
    covered_before = np.concatenate(([start], np.maximum.accumulate(e)[:-1]))
    covered_before = np.maximum(covered_before, covered)
    terms = e - np.maximum(s, covered_before)
    # Only the positive terms: a log that forgot its old rows sums the same numbers in the
    # same groups, so a window's figure is bit-identical with or without the old history.
    busy = float(terms[terms > 0].sum())
    return busy, max(covered, float(e.max()))


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
