"""A distribution in the figures serving engineers quote: mean, p50, p90, p99, p99.9, max."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from batchtui.engine.metrics.sketch import LogHistogram

QUANTILES = (50.0, 90.0, 99.0, 99.9)


@dataclass(frozen=True)
class Summary:
    """Figures of one sample, in milliseconds; all None when the sample is empty."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None
    p999: float | None
    max: float | None

    def to_json(self) -> dict[str, float | None]:
        """The ``{"mean", "p50", "p90", "p99", "p999", "max"}`` object of run reports."""
        return {k: getattr(self, k) for k in ("mean", "p50", "p90", "p99", "p999", "max")}


EMPTY = Summary(0, None, None, None, None, None, None)


def summarize(seconds: np.ndarray) -> Summary:
    """Summarise a sample given in seconds (reported in milliseconds).

    Percentiles use linear interpolation between order statistics (numpy's default),
    the convention of most load-testing tools.
    """
    if len(seconds) == 0:
        return EMPTY
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    p50, p90, p99, p999 = np.percentile(ms, QUANTILES)
    return Summary(
        count=len(ms),
        mean=float(ms.mean()),
        p50=float(p50),
        p90=float(p90),
        p99=float(p99),
        p999=float(p999),
        max=float(ms.max()),
    )


def summarize_sketch(sketch: LogHistogram, total_s: float, max_s: float) -> Summary:
    """Summarise a sample kept as a sketch: count, mean and max exact, percentiles within
    the sketch's 1% relative error (see ``sketch.py``)."""
    n = sketch.count
    if n == 0:
        return EMPTY
    p50, p90, p99, p999 = (min(p, max_s) * 1000.0 for p in sketch.percentiles(QUANTILES))
    return Summary(n, total_s / n * 1000.0, p50, p90, p99, p999, max_s * 1000.0)
