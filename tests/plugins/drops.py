"""A throwaway load pattern with a knob of its own, registered the way a user's plugin would
register one: every ``drop_every_s``, ``rate_rps x drop_every_s`` requests arrive at the same
instant (a batch job). The knob is declared here only: its flag, preset key, report field and
load-bar slider all come from this declaration."""

from __future__ import annotations

import math

import numpy as np

from batchtui.engine.load.patterns import SIZES, Pattern, register_pattern
from batchtui.engine.load.spec import LoadSpec
from batchtui.engine.params import Param, SliderRange

DROP_EVERY_S = Param(
    "drop_every_s", float, 0.5, 0.0, 3600.0, "seconds between drops",
    above=True, unit="s", flag="--drop-every", label="every", slider=SliderRange(0.01, 60.0),
)  # fmt: skip


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
    every = spec.setting("drop_every_s")
    return max(1, round(spec.rate_rps * every)) * math.ceil(duration_s / every)


DROPS = register_pattern(
    Pattern(
        "drops",
        ("rate_rps", *SIZES),
        lambda spec, origin, first, second: Drops(
            spec.rate_rps, spec.setting("drop_every_s"), origin
        ),
        _expected,
        params=(DROP_EVERY_S,),
    )
)
