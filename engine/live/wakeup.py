"""Measure how late this machine wakes a sleeping lane: the calibration a profile carries.

The live lane sleeps through ``WallClock.sleep_until`` until an arrival or a deadline; on a
small or shared machine it sometimes wakes milliseconds late (bench/wakeup.py). A profile
measured back to back cannot see that, so ``batchtui profile`` also times this: sleeps of
the lengths a serving lane takes, in a seeded order, each after a batch of the model, about a
second in all. The lateness comes in spells (other processes), so the profiler spreads it in
short windows over its run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from batchtui.engine.live.clock import SPIN_S, WallClock, tighten_timer_slack
from batchtui.engine.sim.wakeup import WakeupLateness

WAKEUP_S = 1.0  # how long the calibration sleeps in all
SHORTEST_S, LONGEST_S = 2 * SPIN_S, 0.002  # shorter sleeps only spin: they are never late
MIN_SLEEPS = 10  # per window, however slow the work


class WakeupMeter:
    """Sleeps of log-uniform length between ``SHORTEST_S`` and ``LONGEST_S`` (seeded order),
    each after a piece of ``work`` (a batch of the model, as a serving lane runs one before it
    sleeps), in as many windows as the caller likes; keeps how late each sleep returned.

    The work matters: on our 2-core VM a thread that had just run a batch woke over 1 ms late
    2-7x as often as one that only slept, and so did the live lane (bench/wakeup.py)."""

    def __init__(self, work: Callable[[], object] | None = None, seed: int = 0) -> None:
        self._work = work
        self._rng = np.random.default_rng(seed)
        self._clock = WallClock()
        self._late: list[float] = []

    def measure(self, seconds: float) -> None:
        """Work and sleep for about ``seconds`` (at least a few sleeps), keeping the lateness."""
        tighten_timer_slack()
        sleep_until, now = self._clock.sleep_until, time.perf_counter
        late, work = self._late, self._work
        low, high = math.log(SHORTEST_S), math.log(LONGEST_S)
        end, k = now() + seconds, 0
        while k < MIN_SLEEPS or now() < end:
            if work is not None:
                work()
            target = now() + math.exp(self._rng.uniform(low, high))
            sleep_until(target)
            late.append(now() - target)
            k += 1

    def samples_ms(self) -> np.ndarray:
        """Every sleep's lateness so far, in milliseconds."""
        return np.asarray(self._late) * 1000.0

    def lateness(self) -> WakeupLateness:
        """The distribution of every sleep's lateness so far."""
        return WakeupLateness.from_samples(self.samples_ms())
