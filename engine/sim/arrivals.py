"""The arrival sequence every lane shares (common random numbers), growing as time advances."""

from __future__ import annotations

import math

import numpy as np


class Arrivals:
    """Arrival times (seconds) and request sizes, appended in chunks, read by every lane.

    Lanes walk ``times`` (a Python list: indexing it is several times faster than a
    numpy array in the per-batch loop); metrics read ``times_array``/``sizes_array``.
    ``known_until`` is the promise that every arrival before it is present. A bounded
    session drops the oldest arrivals (``forget``); ``offset`` counts those, so index ``i``
    here is arrival number ``offset + i`` of the run.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self._times = np.empty(0, dtype=np.float64)
        self._sizes = np.empty(0, dtype=np.int64)
        self._count = 0
        self.offset = 0
        self.known_until = 0.0
        self.closed = False

    def extend(self, times: np.ndarray, sizes: np.ndarray, known_until: float) -> None:
        """Append arrivals (sorted, none before the last one held), valid up to ``known_until``."""
        n = len(times)
        if n:
            if self.times and times[0] < self.times[-1]:
                raise ValueError("arrivals must be appended in time order")
            need = self._count + n
            if need > len(self._times):
                cap = max(need, 2 * len(self._times), 1024)
                self._times = np.resize(self._times, cap)
                self._sizes = np.resize(self._sizes, cap)
            self._times[self._count : need] = times
            self._sizes[self._count : need] = sizes
            self._count = need
            self.times.extend(times.tolist())
        self.known_until = max(self.known_until, known_until)

    def forget(self, n: int) -> None:
        """Drop the ``n`` oldest arrivals: every lane must shift its indices down by ``n``."""
        if n <= 0:
            return
        keep = self._count - n
        del self.times[:n]
        self._times[:keep] = self._times[n : self._count].copy()
        self._sizes[:keep] = self._sizes[n : self._count].copy()
        self._count = keep
        self.offset += n

    def close(self) -> None:
        """No more arrivals will come: lanes may drain."""
        self.closed = True
        self.known_until = math.inf

    def __len__(self) -> int:
        return self._count

    @property
    def times_array(self) -> np.ndarray:
        return self._times[: self._count]

    @property
    def sizes_array(self) -> np.ndarray:
        return self._sizes[: self._count]
