"""The contract of a service-time source, and how a batch reports that it failed."""

from __future__ import annotations

from typing import Any, Protocol


class BatchFailed(Exception):
    """The device could not run the batch (e.g. out of memory); its requests fail.

    ``elapsed_s`` is how long the attempt held the device before it failed.
    """

    def __init__(self, reason: str, elapsed_s: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.elapsed_s = elapsed_s


class ServiceTime(Protocol):
    """Tells each lane how long its batches take. One instance per lane: ``for_lane`` copies."""

    def duration(self, n: int) -> float:
        """Seconds the device spends on a batch of ``n``; raises BatchFailed if it fails."""
        ...

    def for_lane(self) -> ServiceTime:
        """A fresh copy whose random stream matches every other lane's (common random numbers)."""
        ...

    def describe(self) -> dict[str, Any]:
        """This source as JSON, the ``model`` entry of reports and presets."""
        ...
