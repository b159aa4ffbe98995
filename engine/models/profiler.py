"""Measure a model's batch cost t(n) over batch sizes: the table the simulator can reuse."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from batchtui.engine.models.runner import ModelRunner

from batchtui.engine.live.wakeup import WAKEUP_S, WakeupMeter
from batchtui.engine.service.profile import PROFILE_FORMAT  # one constant, read and written
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


def profile_runner(
    runner: ModelRunner,
    max_batch_size: int,
    repeats: int = 7,
    request_size: int = 1,
    progress: Callable[[float], None] | None = None,
    idle_ms: float = 0.0,
    wakeup_s: float = WAKEUP_S,
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
    on this profile: spread over the run, it sees the machine's slow spells as the batches do."""
    sizes = batch_sizes(max_batch_size)
    samples: dict[int, list[float]] = {n: [] for n in sizes}
    total, done = len(sizes) * repeats, 0
    first = 0
    meter = WakeupMeter(wakeup_work(runner, sizes, request_size))
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
    points = tuple(
        ProfilePoint(n, statistics.median(ts), min(ts), max(ts), len(ts))
        for n, ts in samples.items()
    )
    wakeup = meter.lateness() if wakeup_s > 0 else None
    return ProfileTable(runner.to_json(), request_size, points, idle_ms, wakeup)
