"""Whether a generative lane was offered more work than it could serve.

A lane keeps up when its backlog (requests arrived, not yet finished) stays level. Its
whole-run throughput cannot tell: a generative lane drains for a whole generation after the
last arrival (seconds of decoding), which would flag every short run. So the backlog is
compared at a quarter and at three quarters of the arrivals' span: saturated when over that
half it grew by more than the share SATURATED_SHARE allows of the requests that arrived (as
for request-level lanes) and by more than chance would (three standard deviations of a
level backlog, whose count varies about as a Poisson count does). A short run rarely passes
that noise test when every request holds its batch for seconds (the backlog is large, so
chance allows a large change), so a lane is saturated too when its share is low and its
requests wait longer the later they arrive: an overloaded lane's latency grows with arrival
time (by (offered/served - 1) per second), one that keeps up has the same latency early and
late however long it is. Rejections (requests that can never fit the KV cache, or unchunked
the token budget) are reported apart, by the lane's ``rejected`` count.
"""

from __future__ import annotations

import math

import numpy as np

from batchtui.engine.metrics.lane_stats import SATURATED_MIN_ARRIVALS, SATURATED_SHARE

NOISE_SIGMAS = 3.0
"""How many standard deviations of a level backlog's change count as growth."""
LATENCY_GROWTH = 0.25
"""Saturated (with a low share) when the median latency of the requests arriving in the last
quarter of the span exceeds that of the first quarter by more than this share of the span:
their arrivals are 0.75 span apart, so an offered/served ratio over 4/3."""


def saturation(arrivals: np.ndarray, finished: np.ndarray) -> tuple[float | None, bool]:
    """(requests finished per request arrived over the middle half of the arrivals' span,
    whether the backlog grew beyond chance); (None, False) with too few arrivals to tell.
    ``arrivals`` are sorted; ``finished`` is each request's last-token time, NaN if none."""
    if len(arrivals) == 0:
        return None, False
    lo, hi = 0.25 * float(arrivals[-1]), 0.75 * float(arrivals[-1])
    arrived_lo, arrived_hi = np.searchsorted(arrivals, [lo, hi])
    arrived = int(arrived_hi - arrived_lo)
    if arrived < SATURATED_MIN_ARRIVALS:
        return None, False
    done_lo = int(np.count_nonzero(finished < lo))  # NaN compares False: never finished
    done_hi = int(np.count_nonzero(finished < hi))
    backlog_lo, backlog_hi = arrived_lo - done_lo, arrived_hi - done_hi
    growth = backlog_hi - backlog_lo
    noise = NOISE_SIGMAS * math.sqrt(backlog_lo + backlog_hi + 1)
    share = (done_hi - done_lo) / arrived
    if share >= SATURATED_SHARE:
        return share, False
    return share, bool(growth > noise or latency_growth(arrivals, finished) > LATENCY_GROWTH)


def latency_growth(arrivals: np.ndarray, finished: np.ndarray) -> float:
    """How much longer (as a share of the arrivals' span) the requests arriving in its last
    quarter took to finish than those of its first, by median; never finished counts as
    forever."""
    span = float(arrivals[-1])
    latency = np.where(np.isnan(finished), np.inf, finished - arrivals)
    first, last = np.searchsorted(arrivals, [0.25 * span, 0.75 * span])
    if first == 0 or last == len(arrivals) or span <= 0:
        return 0.0
    early, late = float(np.median(latency[:first])), float(np.median(latency[last:]))
    if math.isinf(late):
        return math.inf
    return (late - early) / span
