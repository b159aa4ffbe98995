"""What a policy answers and what it is shown: the vocabulary shared by both runtimes.

Decisions are NamedTuples rather than frozen dataclasses on purpose: the simulator
asks for one per batch, hundreds of thousands of times a second, and a NamedTuple is
built several times faster while staying an immutable value that compares by content.
"""

from __future__ import annotations

from typing import NamedTuple


class Dispatch(NamedTuple):
    """Send the ``size`` oldest queued requests to the device now, for ``reason``."""

    size: int
    reason: str


class Wait(NamedTuple):
    """Ask again at time ``until`` or as soon as ``size`` requests are queued, whichever is first.

    ``until`` is always finite: every policy bounds every request's wait.
    """

    until: float
    size: int


Decision = Dispatch | Wait

# Dispatch reasons, in the words a serving engineer uses.
FULL = "full"  # the queue reached the batch limit
TIMEOUT = "timeout"  # the oldest request reached its wait limit (max queue delay)
IDLE_DEVICE = "idle-device"  # the device is free and holding would not pay
PREDICTED = "predicted"  # the queue reached the size the cost model predicts is best
BUDGET = "budget"  # waiting longer would break the latency target
REASONS = (FULL, TIMEOUT, IDLE_DEVICE, PREDICTED, BUDGET)


class QueueView:
    """What a policy may know about the queue at a decision: a read-only view.

    The runtime owns one view per lane and updates it in place before each decision
    (allocating one per decision would cost more than the decision). Policies read it
    and never keep it.
    """

    __slots__ = ("arrived", "length", "oldest")

    def __init__(self, length: int = 0, oldest: float = 0.0, arrived: int = 0) -> None:
        self.length = length  # requests waiting (not yet dispatched)
        self.oldest = oldest  # arrival time of the oldest waiting request, in seconds
        self.arrived = arrived  # requests admitted so far in this lane, for rate estimates

    def __repr__(self) -> str:
        return f"QueueView(length={self.length}, oldest={self.oldest}, arrived={self.arrived})"
