"""The load a simulation sees: a seeded stream of arrivals, pulled in chunks of virtual time."""

from __future__ import annotations

import math
import numbers
from typing import Protocol

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.patterns import arrival_times
from batchtui.engine.load.replay import TraceReplay
from batchtui.engine.load.spec import LoadSpec
from batchtui.engine.load.synthetic import SizeSampler


class _Source(Protocol):
    """Arrivals of one spec from the time it took effect."""

    def until(self, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times before `end` not yet handed out, and their sizes."""
        ...


class _Synthetic:
    """A synthetic arrival process with a size drawn for each arrival."""

    def __init__(self, spec: LoadSpec, origin: float, seed: np.random.SeedSequence) -> None:
        times_seed, sizes_seed = seed.spawn(2)
        self._times = arrival_times(spec, origin, times_seed)
        self._sizes = SizeSampler(spec.size, spec.size_cv, np.random.default_rng(sizes_seed))

    def until(self, end: float) -> tuple[np.ndarray, np.ndarray]:
        times = self._times.until(end)
        return times, self._sizes.draw(len(times))


class LoadGenerator:
    """Seeded, stateful stream of arrivals; the simulator pulls it in chunks of virtual time.

    For one seed and one history of set_spec calls the arrivals are the same however time is
    chunked. Each spec gets fresh random streams, spawned in order from the seed.
    """

    def __init__(self, spec: LoadSpec, seed: int = 0, start: float = 0.0) -> None:
        spec.validate()
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ConfigError("seed", f"must be a whole number >= 0, got {seed!r}")
        if not math.isfinite(start):
            raise ConfigError("start", f"must be a finite time, got {start}")
        self._seeds = np.random.SeedSequence(int(seed))
        self._cursor = float(start)
        self._spec = spec
        self._source = self._open(spec, self._cursor)
        self._pending: list[tuple[float, LoadSpec]] = []

    @property
    def spec(self) -> LoadSpec:
        """The spec in effect at the cursor (a change scheduled for later is not shown yet)."""
        return self._spec

    @property
    def cursor(self) -> float:
        """Every arrival before this time has been returned; the next chunk starts here."""
        return self._cursor

    def generate_until(self, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Arrivals with cursor <= t < end (float64, ascending) and their sizes (int64).

        Advances the cursor to `end`, switching spec on the way where set_spec asked.
        """
        end = float(end)
        if not end >= self._cursor:
            raise ValueError(f"end must be >= cursor {self._cursor}, got {end}")
        times: list[np.ndarray] = []
        sizes: list[np.ndarray] = []
        while self._pending and self._pending[0][0] < end:
            at, spec = self._pending.pop(0)
            self._take(at, times, sizes)
            self._switch(spec, at)
        self._take(end, times, sizes)
        self._apply_due()
        if len(times) == 1:
            return times[0], sizes[0]
        return np.concatenate(times), np.concatenate(sizes)

    def set_spec(self, spec: LoadSpec, at: float | None = None) -> None:
        """Change the load from time `at` (default: the cursor), e.g. when a slider moves.

        Time-varying patterns start their phase at `at`, and a trace starts from its first
        request. A change replaces any changes scheduled at or after its `at`.
        """
        spec.validate()
        at = self._cursor if at is None else float(at)
        if not at >= self._cursor:
            raise ValueError(f"at must be >= cursor {self._cursor}, got {at}")
        self._pending = [(t, s) for t, s in self._pending if t < at]
        self._pending.append((at, spec))
        self._apply_due()

    def _take(self, end: float, times: list[np.ndarray], sizes: list[np.ndarray]) -> None:
        """Collect the current source's arrivals up to `end` and move the cursor there."""
        chunk_times, chunk_sizes = self._source.until(end)
        times.append(chunk_times)
        sizes.append(chunk_sizes)
        self._cursor = end

    def _apply_due(self) -> None:
        """Switch to every scheduled spec whose time has come."""
        while self._pending and self._pending[0][0] <= self._cursor:
            at, spec = self._pending.pop(0)
            self._switch(spec, at)

    def _switch(self, spec: LoadSpec, at: float) -> None:
        self._spec = spec
        self._source = self._open(spec, at)

    def _open(self, spec: LoadSpec, origin: float) -> _Source:
        """A fresh source for `spec` whose phase starts at `origin`."""
        (seed,) = self._seeds.spawn(1)
        if spec.pattern == "trace":
            return TraceReplay(spec.read_trace(), spec.speed, spec.loop, origin)
        return _Synthetic(spec, origin, seed)
