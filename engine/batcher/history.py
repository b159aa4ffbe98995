"""The batches of the last ``keep_s`` seconds, one row each: what ``stats`` is computed from.

Rows are appended as batches finish, so they are in finish order and old ones leave from
the front; memory is bounded by the traffic of ``keep_s`` seconds, however long a service runs.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple


class BatchRow(NamedTuple):
    """One finished batch: when it was sent and done, why, and each request's queue wait."""

    dispatch: float
    finish: float
    size: int
    reason: str
    failure: str | None  # the error's summary, None if the batch succeeded
    depth: int  # requests queued just before the dispatch
    waits: list[float]  # seconds each request waited, dispatch - arrival, in queue order
    arrived: int  # requests arrived in all at the dispatch (for the offered rate)


class History:
    """Finished batches no older than ``keep_s`` (by their finish time)."""

    __slots__ = ("_rows", "keep_s")

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._rows: deque[BatchRow] = deque()

    def add(self, row: BatchRow) -> None:
        rows = self._rows
        rows.append(row)
        horizon = row.finish - self.keep_s
        while rows[0].finish < horizon:
            rows.popleft()

    def since(self, start: float) -> list[BatchRow]:
        """Rows of the batches that finished after ``start``, oldest first."""
        out = []
        for row in reversed(self._rows):
            if row.finish <= start:
                break
            out.append(row)
        out.reverse()
        return out
