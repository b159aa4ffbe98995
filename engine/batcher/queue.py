"""The batcher's FIFO of waiting requests, where a cancelled caller leaves in O(1).

A cancelled request is only marked; it is dropped when it reaches the head, so the head is
always a live request and ``length`` counts live ones only.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

QUEUED, DISPATCHED, CANCELLED = 0, 1, 2


class Request(asyncio.Future[Any]):
    """One caller's item, when it arrived, and its result: the request is the future its
    caller awaits (one object a request, not two, for the garbage collector to walk when
    thousands wait in a backlog; the collector's pauses hold the GIL the worker needs)."""

    __slots__ = ("arrival", "item", "state")

    arrival: float
    item: Any
    state: int


def new_request(item: Any, loop: asyncio.AbstractEventLoop) -> Request:
    """A queued request for ``item``, its result to be set on ``loop``."""
    request = Request(loop=loop)  # asyncio's Future on any loop; the loop's create_future unused
    request.item = item
    request.arrival = 0.0
    request.state = QUEUED
    return request


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
