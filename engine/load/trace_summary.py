"""What a trace would replay, in figures: rows, span, rates, sizes, gaps, rate over time.

Every figure has a definition simple enough to check by hand: rates are counts in whole
seconds (or minutes) counted from the first request, percentiles interpolate linearly
(numpy's default, as the run reports do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.load.trace import Trace

SUMMARY_FORMAT = "batchtui.trace/1"
SIZE_FIGURES = ("mean", "p50", "p90", "p99", "max")
SERIES_BINS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
"""Bin widths (seconds) for the rate-over-time series: the narrowest giving < max_bins bins."""


@dataclass(frozen=True)
class TraceSummary:
    """The figures of one trace; ``None`` where a figure needs two distinct times."""

    source: str
    time_column: str
    time_unit: str
    time_format: str
    size_column: str | None
    rows: int
    span_s: float
    mean_rps: float | None
    """Rows divided by the span (first to last request)."""
    peak_rps: int
    """Most requests in one whole second [k, k + 1) from the first request."""
    peak_rps_at_s: float
    peak_rpm: int
    """Most requests in one whole minute [60k, 60k + 60) from the first request."""
    peak_rpm_at_s: float
    sizes: dict[str, float]
    longest_gap_s: float | None
    longest_gap_at_s: float | None
    """When the longest gap starts (seconds from the first request)."""
    bin_s: float
    rate_rps: tuple[float, ...]
    """Requests per second in consecutive bins of ``bin_s`` seconds from the first request."""

    @property
    def mean_rpm(self) -> float | None:
        """The mean rate per minute."""
        return None if self.mean_rps is None else self.mean_rps * 60.0

    def to_dict(self) -> dict[str, Any]:
        """The ``batchtui.trace/1`` JSON document of these figures."""
        return {
            "format": SUMMARY_FORMAT,
            "source": self.source,
            "time_column": self.time_column,
            "time_unit": self.time_unit,
            "time_format": self.time_format,
            "size_column": self.size_column,
            "rows": self.rows,
            "span_s": self.span_s,
            "rate": {
                "mean_per_s": self.mean_rps,
                "mean_per_min": self.mean_rpm,
                "peak_per_s": self.peak_rps,
                "peak_per_s_at_s": self.peak_rps_at_s,
                "peak_per_min": self.peak_rpm,
                "peak_per_min_at_s": self.peak_rpm_at_s,
            },
            "sizes": dict(self.sizes),
            "longest_gap": {"s": self.longest_gap_s, "at_s": self.longest_gap_at_s},
            "series": {"bin_s": self.bin_s, "rate_per_s": list(self.rate_rps)},
        }


def summarize(trace: Trace, max_bins: int = 120) -> TraceSummary:
    """The figures of ``trace``; the rate series has at most ``max_bins`` bins (>= 1)."""
    times, sizes = trace.times, trace.sizes
    span = trace.span
    peak_rps, peak_rps_at = _peak(times, 1.0)
    peak_rpm, peak_rpm_at = _peak(times, 60.0)
    gap_s: float | None = None
    gap_at: float | None = None
    if len(times) > 1:
        gaps = np.diff(times)
        i = int(np.argmax(gaps))
        gap_s, gap_at = float(gaps[i]), float(times[i])
    p50, p90, p99 = (float(v) for v in np.percentile(sizes, (50, 90, 99)))
    days = math.floor(span / max_bins / 86400) + 1  # for traces of months: whole days a bin
    bin_s = next((w for w in SERIES_BINS if span / w < max_bins), days * 86400)
    counts = _counts(times, float(bin_s))
    return TraceSummary(
        source=trace.source,
        time_column=trace.time_column,
        time_unit=trace.time_unit,
        time_format=trace.time_format,
        size_column=trace.size_column,
        rows=len(times),
        span_s=span,
        mean_rps=len(times) / span if span > 0 else None,
        peak_rps=peak_rps,
        peak_rps_at_s=peak_rps_at,
        peak_rpm=peak_rpm,
        peak_rpm_at_s=peak_rpm_at,
        sizes={
            "mean": float(np.mean(sizes)),
            "p50": p50,
            "p90": p90,
            "p99": p99,
            "max": float(np.max(sizes)),
        },
        longest_gap_s=gap_s,
        longest_gap_at_s=gap_at,
        bin_s=float(bin_s),
        rate_rps=tuple(float(c) / bin_s for c in counts),
    )


def _counts(times: np.ndarray, width: float) -> np.ndarray:
    """Requests in each bin [k * width, (k + 1) * width), from 0 to the bin of the last one."""
    return np.bincount(np.floor(times / width).astype(np.int64))


def _peak(times: np.ndarray, width: float) -> tuple[int, float]:
    """The most requests in one bin of ``width`` seconds, and when that (first such) bin starts.

    Only the bins that hold requests are counted, so a long trace costs no more than a short one.
    """
    bins, counts = np.unique(np.floor(times / width), return_counts=True)
    k = int(np.argmax(counts))
    return int(counts[k]), float(bins[k]) * width
