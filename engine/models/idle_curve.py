"""Time the smallest batch after each idle of ``CURVE_GAPS_MS``: the after-idle curve.

The curve says how much of a size's after-sleep shift an idle of a given length brings
(``IdleShift``): the live lane spins through short idles, which keeps the CPU warm, and sleeps
through longer ones, after which the next batch runs slower.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.sim.idle_shift import CURVE_GAPS_MS

if TYPE_CHECKING:
    from batchtui.engine.models.runner import ModelRunner

IDLE_CURVE_S = 0.6  # how long the curve's timings take in all (idles included)
MAX_ROUNDS_PER_WINDOW = 64  # rounds of every idle in one window, however cheap the batch


class IdleCurveTimer:
    """Rounds of one timed batch of ``size`` after each idle of the curve, in a seeded order,
    and back to back (idle 0). Each timed batch follows an untimed one, as a lane's batch
    follows the last: the idle is the device's, from one batch's end to the next's start."""

    def __init__(self, runner: ModelRunner, size: int, request_size: int) -> None:
        self._runner = runner
        self._batch = np.full(size, request_size, dtype=np.int64)
        self._rng = np.random.default_rng(2)
        self._clock = WallClock()
        self._first = 10**11  # request ids far above the profile's and the other timers'
        self.samples_ms: dict[float, list[float]] = {g: [] for g in (0.0, *CURVE_GAPS_MS)}

    def measure(self, seconds: float, median_ms: float) -> None:
        """About ``seconds`` of rounds (at least one); ``median_ms`` is the batch's time."""
        tighten_timer_slack()
        gaps = list(self.samples_ms)
        round_ms = sum(CURVE_GAPS_MS) + 2 * len(gaps) * median_ms
        rounds = min(max(int(seconds * 1000.0 / round_ms), 1), MAX_ROUNDS_PER_WINDOW)
        n = len(self._batch)
        for _ in range(rounds):
            for i in self._rng.permutation(len(gaps)):
                gap = gaps[i]
                self._runner.run(self._first, self._batch)
                if gap > 0:
                    self._clock.sleep_until(time.perf_counter() + gap / 1000.0)
                self.samples_ms[gap].append(self._runner.run(self._first + n, self._batch) * 1e3)
                self._first += 2 * n
