"""A throwaway policy with two knobs, registered the way a user's plugin would register one.

Named in ``BATCHTUI_PLUGINS`` (see engine/plugins.py), this module is imported by every
process that builds policies, the dashboard's spawned engine included.
"""

from __future__ import annotations

from batchtui.engine.params import Param, SliderRange
from batchtui.engine.policies import register_policy
from batchtui.engine.policies.base import Policy
from batchtui.engine.policies.common import MAX_BATCH_SIZE
from batchtui.engine.policies.decisions import FULL, TIMEOUT, Decision, Dispatch, QueueView, Wait

HOLD_MS = Param(
    "hold_ms",
    float,
    0.5,
    0.0,
    1000.0,
    "how long the oldest request is held for company",
    unit="ms",
    label="hold",
    slider=SliderRange(0.01, 1000.0, zero=True, rank=0),
)


class Greedy(Policy):
    """Send what is queued, up to the batch limit, once the oldest has been held ``hold_ms``."""

    kind = "greedy"
    PARAMS = (MAX_BATCH_SIZE, HOLD_MS)

    def _apply(self) -> None:
        self._max_batch = int(self._params["max_batch_size"])
        self._hold = self._params["hold_ms"] / 1000.0

    def decide(self, now: float, queue: QueueView) -> Decision:
        if queue.length >= self._max_batch:
            return Dispatch(self._max_batch, FULL)
        if now >= queue.oldest + self._hold:
            return Dispatch(queue.length, TIMEOUT)
        return Wait(queue.oldest + self._hold, self._max_batch)


register_policy(Greedy)
