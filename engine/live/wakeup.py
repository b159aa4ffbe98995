"""Measure how late this machine wakes a sleeping lane: the calibration a profile carries.

The live lane sleeps through ``WallClock.sleep_until`` until an arrival or a deadline; on a
small or shared machine it sometimes wakes milliseconds late (bench/wakeup.py). A profile
measured back to back cannot see that, so ``batchtui profile`` also times this: sleeps of
the lengths a serving lane takes, in a seeded order, about a second in all. The lateness
comes in spells (other processes), so the profiler spreads it in short windows over its run.
"""

from __future__ import annotations

import math
import time

import numpy as np

from batchtui.engine.live.clock import SPIN_S, WallClock, tighten_timer_slack
from batchtui.engine.sim.wakeup import WakeupLateness

WAKEUP_S = 1.0  # how long the calibration sleeps in all
SHORTEST_S, LONGEST_S = 2 * SPIN_S, 0.002  # shorter sleeps only spin: they are never late


class WakeupMeter:
    """Sleeps of log-uniform length between ``SHORTEST_S`` and ``LONGEST_S`` (seeded order),
    in as many windows as the caller likes; keeps how late each one returned."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)
        self._clock = WallClock()
        self._late: list[float] = []

    def measure(self, seconds: float) -> None:
        """Sleep about ``seconds`` in all (at least a few sleeps), keeping the lateness."""
        mean_s = (LONGEST_S - SHORTEST_S) / math.log(LONGEST_S / SHORTEST_S)
        count = max(10, round(seconds / mean_s))
        lengths = np.exp(self._rng.uniform(math.log(SHORTEST_S), math.log(LONGEST_S), count))
        tighten_timer_slack()
        sleep_until, now, late = self._clock.sleep_until, time.perf_counter, self._late
        for length in lengths.tolist():
            target = now() + length
            sleep_until(target)
            late.append(now() - target)

    def lateness(self) -> WakeupLateness:
        """The distribution of every sleep's lateness so far."""
        return WakeupLateness.from_samples(np.asarray(self._late) * 1000.0)
