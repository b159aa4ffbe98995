"""Measure a model's batch cost t(n) over batch sizes: the table the simulator can reuse."""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from batchtui.engine.models.runner import ModelRunner

from batchtui.engine.live.clock import SPIN_S, WallClock, tighten_timer_slack
from batchtui.engine.live.wakeup import LONGEST_S, SHORTEST_S, WAKEUP_S, WakeupMeter
from batchtui.engine.models.idle_curve import IDLE_CURVE_S, IdleCurveTimer
from batchtui.engine.service.profile import PROFILE_FORMAT  # one constant, read and written
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.idle_shift import IdleShift
from batchtui.engine.sim.wakeup import WakeupLateness


@dataclass(frozen=True)
class ProfilePoint:
    """Repeated timings of one batch size, in milliseconds."""

    batch_size: int
    median_ms: float
    min_ms: float
    max_ms: float
    repeats: int

    @property
    def throughput_rps(self) -> float:
        """Requests per second the device sustains at this batch size (n / t(n))."""
        return self.batch_size / (self.median_ms / 1000.0)


@dataclass(frozen=True)
class ProfileTable:
    """A model's measured cost per batch size, with what it was measured on."""

    model: dict[str, Any]
    request_size: int
    points: tuple[ProfilePoint, ...]
    idle_ms: float = 0.0
    wakeup: WakeupLateness | None = None  # how late this machine wakes a sleeping lane
    batch_time: BatchTimes | None = None  # each size's spread after a sleep, on its median

    def medians_ms(self) -> dict[int, float]:
        return {p.batch_size: p.median_ms for p in self.points}

    @property
    def peak(self) -> ProfilePoint:
        """The batch size with the highest throughput: the device's offline limit."""
        return max(self.points, key=lambda p: p.throughput_rps)

    def to_json(self) -> dict[str, Any]:
        """The ``batchtui.profile/1`` document (``--profile`` reads it back)."""
        return {
            "format": PROFILE_FORMAT,
            "model": self.model,
            "request_size": self.request_size,
            "idle_ms": self.idle_ms,
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "points": [
                {
                    "batch_size": p.batch_size,
                    "median_ms": p.median_ms,
                    "min_ms": p.min_ms,
                    "max_ms": p.max_ms,
                    "repeats": p.repeats,
                }
                for p in self.points
            ],
            **({} if self.wakeup is None else {"wakeup": self.wakeup.to_json()}),
            **({} if self.batch_time is None else {"batch_time": self.batch_time.to_json()}),
        }


def batch_sizes(max_batch_size: int) -> list[int]:
    """1, 2, 3, 4, 6, 8, 12, 16, 24, 32, ... up to and including ``max_batch_size``."""
    sizes, k = set(), 1
    while k <= max_batch_size:
        sizes.update((k, k + k // 2))
        k *= 2
    return sorted(n for n in sizes | {max_batch_size} if 1 <= n <= max_batch_size)


WAKEUP_BATCH = 32  # the calibration's batches are of the profile's sizes up to this


def wakeup_work(runner: ModelRunner, sizes: list[int], request_size: int) -> Callable[[], None]:
    """The calibration's work between sleeps: a batch of a seeded size (fresh request ids
    from far above the profile's), as a serving lane runs before it sleeps again."""
    rng = np.random.default_rng(0)
    small = [n for n in sizes if n <= WAKEUP_BATCH] or sizes[:1]
    first = [10**9]

    def work() -> None:
        n = small[int(rng.integers(len(small)))]
        runner.run(first[0], np.full(n, request_size, dtype=np.int64))
        first[0] += n

    return work


TAIL_S = 2.0  # how long the batch-time tail's timings take in all (sleeps included)
TAIL_MAX_PER_WINDOW = 64  # timings of one size in one window, however cheap it is


class AfterSleepTimer:
    """Times batches of each size the way a sleeping lane runs them: each after a sleep (of
    a seeded length, as ``WakeupMeter``'s), in windows spread over the profile's run, for
    each size's spread, tail included (``BatchTimes``).

    Back to back, a batch never shows the stalls a live lane's batches do; after a sleep it
    does, but its median is also higher (13% to 2x on our 2-core VM), which a live lane pays
    only after the idles it sleeps through, not those it spins through. So the distribution
    is centred on the back-to-back median, and the medians' difference is the size's
    after-idle shift, charged by the idle's length (``IdleShift``; bench/batch_tail.py)."""

    def __init__(self, runner: ModelRunner, sizes: list[int], request_size: int) -> None:
        self._runner, self._sizes, self._request_size = runner, sizes, request_size
        self._rng = np.random.default_rng(1)
        self._clock = WallClock()
        self._first = 10**10  # request ids far above the profile's and the calibration's
        self.samples_ms: dict[int, list[float]] = {n: [] for n in sizes}

    def measure(self, seconds: float, medians_ms: dict[int, float]) -> None:
        """About ``seconds`` of sleep + batch pairs, shared alike among the sizes (each at
        least once; ``medians_ms`` says how long a size's batch takes)."""
        tighten_timer_slack()
        low, high = math.log(SHORTEST_S), math.log(LONGEST_S)
        mean_sleep_ms = (LONGEST_S - SHORTEST_S) / (high - low) * 1000.0
        share_ms = seconds * 1000.0 / len(self._sizes)
        for n in self._sizes:
            count = int(share_ms / (medians_ms[n] + mean_sleep_ms))
            batch = np.full(n, self._request_size, dtype=np.int64)
            for _ in range(min(max(count, 1), TAIL_MAX_PER_WINDOW)):
                pause = math.exp(self._rng.uniform(low, high))
                self._clock.sleep_until(time.perf_counter() + pause)
                self.samples_ms[n].append(self._runner.run(self._first, batch) * 1000.0)
                self._first += n

    def batch_times(
        self, medians_ms: dict[int, float], curve: IdleCurveTimer | None = None
    ) -> BatchTimes:
        """Each size's distribution: centred on ``medians_ms``, spread as the timings were;
        with ``curve``'s timings, the after-idle shift too."""
        times = BatchTimes.from_samples(self.samples_ms, medians_ms)
        if curve is None:
            return times
        shift = IdleShift.fit(self.samples_ms, medians_ms, curve.samples_ms, SPIN_S * 1000.0)
        return dataclasses.replace(times, after_idle=shift)


def profile_runner(
    runner: ModelRunner,
    max_batch_size: int,
    repeats: int = 7,
    request_size: int = 1,
    progress: Callable[[float], None] | None = None,
    idle_ms: float = 0.0,
    wakeup_s: float = WAKEUP_S,
    tail_s: float = TAIL_S,
    idle_curve_s: float = IDLE_CURVE_S,
) -> ProfileTable:
    """Time ``repeats`` batches of each size (after the runner's warm-up) and keep the median
    and range. Sizes are interleaved round by round, so a slow spell of the machine spreads
    over all sizes instead of skewing one.

    ``idle_ms`` leaves the device idle that long before each timed batch. Back to back (0)
    gives the device's offline peak; but a device that idles between batches, as it does
    at moderate load, restarts slower (CPU thread pools sleep, caches cool, GPUs clock
    down), so a profile meant to predict latency at such a load should idle like it.

    Before each round, a share of ``wakeup_s`` of batches and sleeps measures how late this
    machine wakes a sleeping lane (``WakeupMeter``; 0 skips it), which the simulator charges
    on this profile: spread over the run, it sees the machine's slow spells as the batches do.
    After each round, a share of ``tail_s`` times every size again, each batch after a sleep
    as a serving lane runs it (``AfterSleepTimer``; 0 skips it): each size's distribution,
    which the simulator draws batch times from on this profile; and with it a share of
    ``idle_curve_s`` times the smallest size after idles of several lengths
    (``IdleCurveTimer``; 0 skips it), for the after-idle shift the simulator charges."""
    sizes = batch_sizes(max_batch_size)
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    total, done = len(sizes) * repeats, 0
    first = 0
    meter = WakeupMeter(wakeup_work(runner, sizes, request_size))
    timer = AfterSleepTimer(runner, sizes, request_size)
    measure_curve = tail_s > 0 and idle_curve_s > 0  # the shift belongs to the tail's field
    curve = IdleCurveTimer(runner, sizes[0], request_size) if measure_curve else None
    for _ in range(repeats):
        if wakeup_s > 0:
            meter.measure(wakeup_s / repeats)
            runner.run(first, np.full(sizes[0], request_size, dtype=np.int64))  # untimed:
            first += sizes[0]  # the first timed batch must not pay for the sleeps' idle
        for n in sizes:
            if idle_ms > 0:
                time.sleep(idle_ms / 1000.0)
            batch = np.full(n, request_size, dtype=np.int64)
            samples[n].append(runner.run(first, batch) * 1000.0)
            first += n  # fresh requests each time, as in serving
            done += 1
            if progress is not None:
                progress(done / total)
        if tail_s > 0:
            timer.measure(tail_s / repeats, {n: statistics.median(ts) for n, ts in samples.items()})
        if curve is not None:
            curve.measure(idle_curve_s / repeats, statistics.median(samples[sizes[0]]))
    points = tuple(
        ProfilePoint(n, statistics.median(ts), min(ts), max(ts), len(ts))
        for n, ts in samples.items()
    )
    wakeup = meter.lateness() if wakeup_s > 0 else None
    medians = {p.batch_size: p.median_ms for p in points}
    spread = timer.batch_times(medians, curve) if tail_s > 0 else None
    return ProfileTable(runner.to_json(), request_size, points, idle_ms, wakeup, spread)
