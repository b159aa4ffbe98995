"""Replaying a recorded trace as arrivals: from a start time, at a speed, once or looped."""

from __future__ import annotations

import math

import numpy as np

from batchtui.engine.load.trace import Trace


class TraceReplay:
    """A trace's requests, `speed` times faster, the first one at `origin`.

    With `loop`, pass p starts at origin + p * trace.loop_period / speed (the span plus the
    mean gap, so passes do not collide); without it the stream simply ends.
    """

    def __init__(self, trace: Trace, speed: float, loop: bool, origin: float) -> None:
        self._offsets = trace.times / speed
        self._sizes = trace.sizes
        self._origin = origin
        self._period = trace.loop_period / speed if loop else math.inf
        self._loop = loop
        self._pass = 0
        self._next = 0  # index of the next request of the current pass

    def until(self, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times before `end` not yet handed out, and their sizes."""
        count = len(self._offsets)
        times: list[np.ndarray] = []
        sizes: list[np.ndarray] = []
        while True:
            if self._next == count:
                if not self._loop:
                    break
                self._pass += 1
                self._next = 0
            start = self._origin + self._pass * self._period if self._pass else self._origin
            stop = self._stop(start, end)
            times.append(start + self._offsets[self._next : stop])
            sizes.append(self._sizes[self._next : stop])
            self._next = stop
            if stop < count:
                break
        if not times:
            return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)
        return np.concatenate(times), np.concatenate(sizes)

    def _stop(self, start: float, end: float) -> int:
        """Index of this pass's first request at or after `end`, judged on the times we return."""
        offsets = self._offsets
        stop = max(self._next, int(np.searchsorted(offsets, end - start, side="left")))
        # end - start rounds differently from start + offset; settle the boundary on the latter.
        while stop > self._next and start + offsets[stop - 1] >= end:
            stop -= 1
        while stop < len(offsets) and start + offsets[stop] < end:
            stop += 1
        return stop
