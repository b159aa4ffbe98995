"""Arrival-rate estimate from cumulative counts: a time-weighted exponential moving average."""

from __future__ import annotations

import math


class RateEstimate:
    """Requests per second, smoothed with time constant ``tau_s`` of the caller's clock.

    It is fed the cumulative arrival count whenever the caller looks, however irregularly;
    weighting by elapsed time (not by call) keeps the estimate honest when decisions are
    sparse at low load and dense at high load.
    """

    __slots__ = ("_last_n", "_last_t", "_min_dt", "_started", "_tau", "rate")

    def __init__(self, tau_s: float = 1.0, min_dt_s: float = 0.001) -> None:
        self._tau = tau_s
        self._min_dt = min_dt_s
        self._started = False
        self._last_t = 0.0
        self._last_n = 0
        self.rate = 0.0  # 0 until the first interval has been seen

    def update(self, now: float, arrived: int) -> float:
        """Fold in the count seen at ``now``; returns the current estimate."""
        if not self._started:
            self._started, self._last_t, self._last_n = True, now, arrived
            return self.rate
        dt = now - self._last_t
        if dt < self._min_dt:
            return self.rate
        inst = (arrived - self._last_n) / dt
        if self.rate == 0.0:
            self.rate = inst
        else:
            self.rate += (1.0 - math.exp(-dt / self._tau)) * (inst - self.rate)
        self._last_t, self._last_n = now, arrived
        return self.rate
