"""A throwaway load pattern with two knobs, registered the way a user's plugin would register one:
every ``period_s``, ``rate_rps x period_s`` requests arrive at the same instant (a batch job)."""

from __future__ import annotations

import math

import numpy as np

from batchtui.engine.load.patterns import SIZES, Pattern, register_pattern
from batchtui.engine.load.spec import LoadSpec


class Drops:
    """Drops of ``size`` simultaneous arrivals, the first at ``origin``, one per ``period_s``."""

    def __init__(self, rate: float, period_s: float, origin: float) -> None:
        self._size = max(1, round(rate * period_s))
        self._period = period_s
        self._origin = origin
        self._next = 0  # the next drop to hand out

    def until(self, end: float) -> np.ndarray:
        """Arrival times before ``end`` not yet handed out."""
        stop = max(self._next, math.ceil((end - self._origin) / self._period))
        drops = self._origin + np.arange(self._next, stop, dtype=np.float64) * self._period
        self._next = stop
        return np.repeat(drops, self._size)


def _expected(spec: LoadSpec, duration_s: float) -> float:
    return max(1, round(spec.rate_rps * spec.period_s)) * math.ceil(duration_s / spec.period_s)


DROPS = register_pattern(
    Pattern(
        "drops",
        ("rate_rps", "period_s", *SIZES),
        lambda spec, origin, first, second: Drops(spec.rate_rps, spec.period_s, origin),
        _expected,
    )
)
