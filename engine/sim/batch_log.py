"""Everything a lane did, one row per batch: the raw material of every metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BatchArrays:
    """The log as numpy arrays (a consistent copy up to some batch count)."""

    end: np.ndarray  # arrival index one past the batch's last request (spans tile the arrivals)
    size: np.ndarray
    dispatch: np.ndarray  # seconds
    finish: np.ndarray  # seconds
    depth: np.ndarray  # requests queued just before the dispatch
    reason: np.ndarray  # index into BatchLog.reasons
    failed: np.ndarray  # index into BatchLog.failures, -1 if the batch succeeded

    def __len__(self) -> int:
        return len(self.size)


class BatchLog:
    """Append-only batch rows, kept as Python lists for the hot loop.

    ``arrays()`` converts only the rows added since the last call, so a dashboard
    asking five times a second pays for what is new, not for the whole history.
    ``forget`` drops the oldest rows (a bounded session keeps only what its window needs);
    ``base_end`` is then where the first kept batch's span of arrivals begins.
    """

    COLUMNS = ("end", "size", "dispatch", "finish", "depth", "reason", "failed")
    _DTYPES = (np.int64, np.int64, np.float64, np.float64, np.int64, np.int16, np.int16)

    def __init__(self) -> None:
        self.end: list[int] = []
        self.size: list[int] = []
        self.dispatch: list[float] = []
        self.finish: list[float] = []
        self.depth: list[int] = []
        self.reason: list[int] = []
        self.failed: list[int] = []
        self.reasons: list[str] = []  # reason names by index
        self.reason_ids: dict[str, int] = {}  # read by the simulator's loop directly
        self.failures: list[str] = []  # failure messages by index
        self._failure_ids: dict[str, int] = {}
        self._arrays = [np.empty(1024, dtype=d) for d in self._DTYPES]
        self._converted = 0
        self.base_end = 0

    def reason_id(self, reason: str) -> int:
        """A small integer for ``reason`` (batches store ids, not strings)."""
        rid = self.reason_ids.get(reason)
        if rid is None:
            rid = self.reason_ids[reason] = len(self.reasons)
            self.reasons.append(reason)
        return rid

    def failure_id(self, message: str) -> int:
        """A small integer for a failure message."""
        fid = self._failure_ids.get(message)
        if fid is None:
            fid = self._failure_ids[message] = len(self.failures)
            self.failures.append(message)
        return fid

    def __len__(self) -> int:
        return len(self.size)

    def append(
        self, end: int, size: int, dispatch: float, finish: float, depth: int, reason: int,
        failed: int,
    ) -> None:  # fmt: skip
        """One batch's row (the simulator's loop appends to the columns directly, for speed)."""
        self.end.append(end)
        self.size.append(size)
        self.dispatch.append(dispatch)
        self.finish.append(finish)
        self.depth.append(depth)
        self.reason.append(reason)
        self.failed.append(failed)

    def forget(self, rows: int, shift: int) -> None:
        """Drop the first ``rows`` batches and move every arrival index down by ``shift``
        (the arrivals before it were dropped). Views handed out before stay valid."""
        if rows:
            self.base_end = self.end[rows - 1]
        self.base_end -= shift
        self.end = [e - shift for e in self.end[rows:]] if shift else self.end[rows:]
        for column in self.COLUMNS[1:]:
            setattr(self, column, getattr(self, column)[rows:])
        self._arrays = [np.empty(max(1024, len(self.size)), dtype=d) for d in self._DTYPES]
        self._converted = 0

    def arrays(self) -> BatchArrays:
        n = len(self.size)
        done = self._converted
        if n > done:
            if n > len(self._arrays[0]):  # grow by doubling: amortised O(1) per row
                cap = max(n, 2 * len(self._arrays[0]))
                self._arrays = [np.resize(a, cap) for a in self._arrays]
            for column, array in zip(self.COLUMNS, self._arrays, strict=True):
                array[done:n] = getattr(self, column)[done:n]
            self._converted = n
        views = []
        for array in self._arrays:
            view = array[:n]  # rows below n never change again, so a view is a safe snapshot
            view.flags.writeable = False
            views.append(view)
        return BatchArrays(*views)
