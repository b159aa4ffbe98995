"""Synthetic arrival processes and request sizes, generated in vectorised blocks.

Each process remembers what it drew beyond the last chunk, and draws its random numbers
one value at a time from streams of its own (numpy's Generator draws element by element,
so n values at once equal the same n drawn in pieces). Together these make the arrivals
independent of how the caller chunks time: for one seed, any chunking gives the same run.
Times are absolute; time-varying patterns measure their phase from ``origin``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

_MAX_BLOCK = 1 << 22
_MAX_SIZE = 2**53  # a size beyond this cannot be held exactly, nor fits int64 after rounding


class ArrivalTimes(Protocol):
    """A stream of arrival times that hands out those before `end`, each exactly once."""

    def until(self, end: float) -> np.ndarray:
        """Arrival times t with (previous end) <= t < end, ascending."""
        ...


def _block_size(expected: float) -> int:
    """How many values to draw so that one block almost always reaches the wanted time."""
    expected = max(expected, 0.0)
    return int(min(_MAX_BLOCK, expected + 4.0 * math.sqrt(expected) + 16.0))


def _running_times(start: float, gaps: np.ndarray) -> np.ndarray:
    """start + g1, start + g1 + g2, ...; adding one gap at a time, as one long block would."""
    return np.cumsum(np.concatenate(([start], gaps)))[1:]


class Constant:
    """Evenly spaced arrivals, the first at `origin`; t_k = origin + k/rate, so gaps never drift."""

    def __init__(self, rate: float, origin: float) -> None:
        self._rate = rate
        self._origin = origin
        self._next = 0

    def _time(self, k: int) -> float:
        return self._origin + k / self._rate

    def until(self, end: float) -> np.ndarray:
        """Arrival times before `end` not yet handed out."""
        stop = max(self._next, math.ceil((end - self._origin) * self._rate))
        # The estimate can be off by one through rounding; settle it on the times we return.
        while stop > self._next and self._time(stop - 1) >= end:
            stop -= 1
        while self._time(stop) < end:
            stop += 1
        times = self._origin + np.arange(self._next, stop, dtype=np.float64) / self._rate
        self._next = stop
        return times


class _Buffered:
    """A process that draws ahead in blocks and keeps what lies beyond the last `end`."""

    def __init__(self, origin: float) -> None:
        self._buffer = np.empty(0, dtype=np.float64)
        self._horizon = origin  # every arrival up to here has been drawn

    def _draw(self, end: float) -> np.ndarray:
        """Draw one block of arrivals (ascending, after the last) and advance the horizon."""
        raise NotImplementedError

    def until(self, end: float) -> np.ndarray:
        """Arrival times before `end` not yet handed out."""
        if self._horizon < end:
            blocks = [self._buffer]
            while self._horizon < end:
                blocks.append(self._draw(end))
            self._buffer = np.concatenate(blocks)
        split = int(np.searchsorted(self._buffer, end, side="left"))
        times, self._buffer = self._buffer[:split], self._buffer[split:]
        return times


class Renewal(_Buffered):
    """Independent, identically distributed gaps: Poisson when exponential, gamma for burstiness."""

    def __init__(self, gaps: Callable[[int], np.ndarray], rate: float, origin: float) -> None:
        super().__init__(origin)
        self._gaps = gaps
        self._rate = rate

    def _draw(self, end: float) -> np.ndarray:
        times = _running_times(
            self._horizon, self._gaps(_block_size((end - self._horizon) * self._rate))
        )
        self._horizon = float(times[-1])
        return times


def poisson(rate: float, origin: float, rng: np.random.Generator) -> Renewal:
    """Poisson arrivals: exponential gaps with mean 1/rate (CV 1)."""
    return Renewal(lambda n: rng.exponential(1.0 / rate, n), rate, origin)


def gamma(rate: float, shape: float, origin: float, rng: np.random.Generator) -> Renewal:
    """Gamma-distributed gaps with mean 1/rate and CV 1/sqrt(shape), as in vLLM's benchmark."""
    return Renewal(lambda n: rng.gamma(shape, 1.0 / (shape * rate), n), rate, origin)


class OnOff(_Buffered):
    """Poisson bursts of `on_s` separated by silences of `off_s`, starting with a burst.

    Arrivals form a Poisson process in "burst time" (the on-windows laid end to end), which
    is then mapped onto the clock, so no arrival can fall into a silence.
    """

    def __init__(
        self, rate: float, on_s: float, off_s: float, origin: float, rng: np.random.Generator
    ) -> None:
        super().__init__(origin)
        self._origin = origin
        self._on = on_s
        self._period = on_s + off_s
        self._burst_rate = rate * self._period / on_s
        self._rng = rng
        self._burst_horizon = 0.0  # the horizon, measured in burst time

    def _burst_time(self, elapsed: float) -> float:
        """Burst time that has passed `elapsed` seconds after the origin."""
        windows, into = divmod(elapsed, self._period)
        return windows * self._on + min(into, self._on)

    def _draw(self, end: float) -> np.ndarray:
        wanted = self._burst_time(end - self._origin) - self._burst_horizon
        gaps = self._rng.exponential(1.0 / self._burst_rate, _block_size(wanted * self._burst_rate))
        burst = _running_times(self._burst_horizon, gaps)
        self._burst_horizon = float(burst[-1])
        windows, into = np.divmod(burst, self._on)
        times = self._origin + windows * self._period + into
        self._horizon = float(times[-1])
        return times


class Thinned(_Buffered):
    """A Poisson process with a time-varying rate, by thinning (Lewis & Shedler).

    Candidates arrive at `rate_max`; one at time t is kept with probability rate(t)/rate_max.
    Candidates and coin flips come from separate streams so chunking cannot pair them anew.
    """

    def __init__(
        self,
        rate_at: Callable[[np.ndarray], np.ndarray],
        rate_max: float,
        origin: float,
        candidates: np.random.Generator,
        coins: np.random.Generator,
    ) -> None:
        super().__init__(origin)
        self._rate_at = rate_at
        self._rate_max = rate_max
        self._origin = origin
        self._candidates = candidates
        self._coins = coins

    def _draw(self, end: float) -> np.ndarray:
        n = _block_size((end - self._horizon) * self._rate_max)
        times = _running_times(self._horizon, self._candidates.exponential(1.0 / self._rate_max, n))
        self._horizon = float(times[-1])
        keep = self._coins.random(n) * self._rate_max < self._rate_at(times - self._origin)
        return times[keep]


def ramp(
    start_rps: float,
    end_rps: float,
    ramp_s: float,
    origin: float,
    candidates: np.random.Generator,
    coins: np.random.Generator,
) -> Thinned:
    """Poisson arrivals whose rate goes linearly from start_rps to end_rps in ramp_s, then holds."""

    def rate_at(elapsed: np.ndarray) -> np.ndarray:
        return start_rps + (end_rps - start_rps) * np.clip(elapsed / ramp_s, 0.0, 1.0)

    return Thinned(rate_at, max(start_rps, end_rps), origin, candidates, coins)


def sine(
    mean_rps: float,
    amplitude: float,
    period_s: float,
    origin: float,
    candidates: np.random.Generator,
    coins: np.random.Generator,
) -> Thinned:
    """Poisson arrivals at mean_rps*(1 + amplitude*sin(2*pi*t/period_s)), a diurnal cycle."""

    def rate_at(elapsed: np.ndarray) -> np.ndarray:
        return mean_rps * (1.0 + amplitude * np.sin(2.0 * np.pi * elapsed / period_s))

    return Thinned(rate_at, mean_rps * (1.0 + amplitude), origin, candidates, coins)


class SizeSampler:
    """Request sizes (e.g. tokens): all round(mean), or gamma with the given CV, rounded, >= 1."""

    def __init__(self, mean: float, cv: float, rng: np.random.Generator) -> None:
        self._mean = mean
        self._cv = cv
        self._rng = rng

    def draw(self, n: int) -> np.ndarray:
        """The next n sizes, int64; clipping at 1 lifts the mean slightly for a large CV."""
        if self._cv == 0.0:
            return np.full(n, min(max(1, round(self._mean)), _MAX_SIZE), dtype=np.int64)
        shape = 1.0 / self._cv**2
        sizes = np.rint(self._rng.gamma(shape, self._mean / shape, n))
        return np.clip(sizes, 1, _MAX_SIZE).astype(np.int64)
