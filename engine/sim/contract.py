"""The lane contract both runtimes keep: what a lane holds, how it checks a policy's answer,
and when it must ask the policy again.

The simulator (virtual time) and the live runtime (wall time) drive the same policies over
the same queue representation; everything they must agree on is here, so they cannot
drift apart. The checks are small functions that return what the caller needs next, so
the simulator's per-batch loop pays one call where it used to run the same lines inline.
"""

from __future__ import annotations

import math
from collections import deque

from batchtui.engine.policies import Policy, Wait
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.batch_log import BatchLog
from batchtui.engine.sim.queue_index import NEVER, shift_ranges


class PolicyContractError(RuntimeError):
    """A policy answered something the runtime cannot carry out (a bug in the policy)."""


class LaneState:
    """What every lane holds: its policy and device, the queue as an index range over the
    shared arrivals (``[head, tail)`` minus rejected gaps), and the batch log."""

    def __init__(
        self,
        name: str,
        policy: Policy,
        service: ServiceTime,
        arrivals: Arrivals,
        max_queue: int | None = None,
    ) -> None:
        if max_queue is not None and max_queue < 1:
            raise ValueError("max_queue must be >= 1")
        self.name = name
        self.policy = policy
        self.service = service
        self.arrivals = arrivals
        self.max_queue = max_queue
        self.log = BatchLog()
        self.rejected: list[tuple[int, int]] = []  # [start, end) arrival indices, in order
        self.head = 0  # oldest waiting request's arrival index
        self.tail = 0  # arrivals seen so far (waiting, dispatched or rejected)
        self.queued = 0  # requests waiting
        self.clock = 0.0
        self._gaps: deque[tuple[int, int]] = deque()  # rejected ranges not yet behind head
        self._wake_at = -math.inf  # when to ask the policy again (-inf: when a slot is free)
        self._wake_size = NEVER  # ...or when this many requests wait

    def batcher_json(self) -> dict[str, object]:
        """The policy as JSON: kind and current parameters."""
        return self.policy.to_json()

    def forget(self, arrivals: int, batches: int) -> None:
        """Drop the oldest ``batches`` log rows; the shared arrivals dropped their oldest
        ``arrivals``, so every index moves down by that much. Only what is behind the queue
        may go (a bounded session folds it into running totals first)."""
        if arrivals > self.head:
            raise ValueError(f"{self.name}: cannot forget arrivals that are still queued")
        self.log.forget(batches, arrivals)
        self.rejected = shift_ranges(self.rejected, arrivals)
        self._gaps = deque(shift_ranges(self._gaps, arrivals))
        self.head -= arrivals
        self.tail -= arrivals


def dispatched(name: str, size: int, queued: int) -> int:
    """The size of a Dispatch, checked: at least one request, no more than are queued."""
    if not 0 < size <= queued:
        raise PolicyContractError(f"{name}: policy dispatched {size} with {queued} queued")
    return size


def wake_for(name: str, decision: Wait, now: float, queued: int, max_queue: int) -> int:
    """The queue size at which to ask again after ``decision`` (NEVER if the bounded queue
    cannot reach it), checked: a Wait must be for a later time and a longer queue."""
    if decision.until <= now or decision.size <= queued:
        raise PolicyContractError(
            f"{name}: policy asked to wait for {decision.size} queued until "
            f"{decision.until:.6f} s with {queued} queued at {now:.6f} s"
        )
    return decision.size if decision.size <= max_queue else NEVER


def next_moment(
    times: list[float], tail: int, known: int, queued: int, wake_at: float, wake_size: int
) -> float:
    """The next moment that matters to the policy: with an empty queue, the next arrival
    (inf if none is known yet); otherwise its deadline, or the arrival that brings the
    queue to the size it waits for, whichever is first."""
    if queued == 0:
        return times[tail] if tail < known else math.inf
    k = tail + wake_size - queued - 1
    if k < known and times[k] < wake_at:
        return times[k]
    return wake_at
