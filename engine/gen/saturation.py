"""Whether a generative lane was offered more work than it could serve.

A lane keeps up when its backlog (requests arrived, not yet finished) stays level. Its
whole-run throughput cannot tell: a generative lane drains for a whole generation after the
last arrival (seconds of decoding), which would flag every short run. So the backlog is
compared at a quarter and at three quarters of the arrivals' span: saturated when over that
half it grew by more than the share SATURATED_SHARE allows of the requests that arrived (as
for request-level lanes) and by more than chance would (three standard deviations of a
level backlog, whose count varies about as a Poisson count does). Rejections (requests that
can never fit the KV cache) are reported apart, by the lane's ``rejected`` count.
"""

from __future__ import annotations

import math

import numpy as np

from batchtui.engine.metrics.lane_stats import SATURATED_MIN_ARRIVALS, SATURATED_SHARE

NOISE_SIGMAS = 3.0
"""How many standard deviations of a level backlog's change count as growth."""


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
    return share, bool(share < SATURATED_SHARE and growth > noise)
