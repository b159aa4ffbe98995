"""Real service: every batch runs the model on the device, and the measured time is its cost."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from batchtui.engine.models.reasons import reason
from batchtui.engine.service.base import BatchFailed
from batchtui.engine.sim.arrivals import Arrivals

if TYPE_CHECKING:  # the runner imports torch; this module must not, until it is used
    from batchtui.engine.models.runner import ModelRunner


class RealService:
    """Times batches by running them: the simulator advances a lane's clock by what the
    device really took, and the live runtime simply waits for the batch.

    Lanes share one runner (one model on one device) and take turns, so each lane's
    figures are those it would see with the device to itself. Request sizes (e.g. token
    counts) come from the shared arrivals. If a batch raises (out of memory, say), its
    requests fail with the error's text and the lane carries on.
    """

    executes = True

    def __init__(self, runner: ModelRunner, arrivals: Arrivals | None = None) -> None:
        self.runner = runner
        self.arrivals = arrivals

    def duration(self, n: int, first: int = 0) -> float:
        sizes = self.arrivals.sizes_array[first : first + n] if self.arrivals else None
        if sizes is None or len(sizes) < n:  # no sizes known (or cut short by a rejection gap)
            sizes = np.ones(n, dtype=np.int64)
        started = time.perf_counter()
        try:
            return self.runner.run(first, sizes)
        except Exception as e:
            raise BatchFailed(reason(e), time.perf_counter() - started) from e

    def for_lane(self, arrivals: Arrivals | None = None) -> RealService:
        return RealService(self.runner, arrivals or self.arrivals)

    def to_json(self) -> dict[str, Any]:
        return self.runner.to_json()
