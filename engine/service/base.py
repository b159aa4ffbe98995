"""The contract of a service-time source, and how a batch reports that it failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from batchtui.engine.sim.arrivals import Arrivals


class BatchFailed(Exception):
    """The device could not run the batch (e.g. out of memory); its requests fail.

    ``elapsed_s`` is how long the attempt held the device before it failed.
    """

    def __init__(self, reason: str, elapsed_s: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.elapsed_s = elapsed_s


class ServiceTime(Protocol):
    """Tells each lane how long its batches take. One instance per lane: ``for_lane`` copies.

    ``executes`` says whether ``duration`` really runs the batch (a torch model: the call
    takes that long) or only computes a time (a cost model: the live runtime then holds
    the device for that long itself).
    """

    executes: bool

    def duration(self, n: int, first: int = 0) -> float:
        """Seconds the device spends on a batch of ``n`` requests, the first of which has
        arrival index ``first`` (sizes may matter); raises BatchFailed if the batch fails."""
        ...

    def for_lane(self, arrivals: Arrivals | None = None) -> ServiceTime:
        """A fresh copy for one lane: its random stream matches every other lane's (common
        random numbers), and it reads request sizes from ``arrivals`` where sizes matter."""
        ...

    def to_json(self) -> dict[str, Any]:
        """This source as JSON, the ``model`` entry of reports and presets."""
        ...
