"""The batcher's FIFO of waiting requests, where a cancelled caller leaves in O(1).

A cancelled request is only marked; it is dropped when it reaches the head, so the head is
always a live request and ``length`` counts live ones only.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

QUEUED, DISPATCHED, CANCELLED = 0, 1, 2


class Request:
    """One caller's item, the future its result goes to, and when it arrived."""

    __slots__ = ("arrival", "future", "item", "state")

    def __init__(self, item: Any, future: asyncio.Future[Any], arrival: float) -> None:
        self.item = item
        self.future = future
        self.arrival = arrival
        self.state = QUEUED


class RequestQueue:
    """Waiting requests, oldest first."""

    __slots__ = ("_q", "length")

    def __init__(self) -> None:
        self._q: deque[Request] = deque()
        self.length = 0

    def push(self, request: Request) -> None:
        self._q.append(request)
        self.length += 1

    @property
    def oldest(self) -> float:
        """Arrival time of the oldest waiting request (the queue must not be empty)."""
        return self._q[0].arrival

    def cancel(self, request: Request) -> None:
        """Take a waiting ``request`` out: it will never be dispatched."""
        request.state = CANCELLED
        self.length -= 1
        self._drop_cancelled_head()

    def take(self, n: int) -> list[Request]:
        """The ``n`` oldest live requests, marked dispatched (``n`` <= ``length``)."""
        q, out = self._q, []
        while len(out) < n:
            request = q.popleft()
            if request.state == QUEUED:
                request.state = DISPATCHED
                out.append(request)
        self.length -= n
        self._drop_cancelled_head()
        return out

    def _drop_cancelled_head(self) -> None:
        q = self._q
        while q and q[0].state == CANCELLED:
            q.popleft()
