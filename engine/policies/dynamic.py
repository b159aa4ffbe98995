"""Dynamic batching: follow the load, hold small batches only within budget, AIMD the ceiling."""

from __future__ import annotations

from typing import Any

from batchtui.engine.policies.base import Policy, require_at_most
from batchtui.engine.policies.common import (
    MAX_BATCH_SIZE,
    MAX_WAIT_MS,
    MIN_BATCH_SIZE,
    TARGET_LATENCY_MS,
)
from batchtui.engine.policies.decisions import (
    FULL,
    IDLE_DEVICE,
    Decision,
    Dispatch,
    QueueView,
)
from batchtui.engine.policies.hold import hold

ADDITIVE_STEP = 1.0  # Clipper: grow the ceiling by one request per batch that met the target
DECREASE_FACTOR = 0.9  # Clipper: shrink it by 10% after a batch that missed
SERVICE_EWMA = 0.2  # weight of the newest batch in the service-time estimate


class Dynamic(Policy):
    """When the device frees up, send what is queued, up to an adaptive ceiling.

    - ``full``: at least *ceiling* requests wait; send *ceiling* of them.
    - ``idle-device``: at least ``min_batch_size`` wait; send them all, do not hold.
    - otherwise hold the under-sized batch, but only until the oldest request has
      waited ``max_wait_ms`` (``timeout``) or until waiting longer would push it past
      ``target_latency_ms`` given the recent batch service time (``budget``).

    The ceiling moves by AIMD against the observed batch service time (Clipper):
    +1 after a batch that finished within ``target_latency_ms``, x0.9 after one that
    did not, always within [``min_batch_size``, ``max_batch_size``]. Unlike the seed
    article's sketch, the threshold is never the current queue length, so the batch
    size follows the load instead of collapsing to one.
    """

    kind = "dynamic"
    SERVER_NOTE = (
        "batchtui's dynamic batcher has no server equivalent: it sends what is queued as soon "
        "as the device is free (holding batches under min_batch_size={min_batch_size} only "
        "within its wait budget) and moves its batch ceiling by AIMD against "
        "target_latency_ms={target_latency_ms:g}."
    )
    PARAMS = (MIN_BATCH_SIZE, MAX_BATCH_SIZE, MAX_WAIT_MS, TARGET_LATENCY_MS)

    def _check_together(self, p: dict[str, Any]) -> None:
        require_at_most(p, "min_batch_size", "max_batch_size")

    def _apply(self) -> None:
        self._min_batch = int(self._params["min_batch_size"])
        self._max_batch = int(self._params["max_batch_size"])
        self._max_wait = self._params["max_wait_ms"] / 1000.0
        self._target = self._params["target_latency_ms"] / 1000.0
        if hasattr(self, "_ceiling"):
            self._ceiling = min(max(self._ceiling, self._min_batch), self._max_batch)

    def reset(self) -> None:
        self._ceiling = float(self._max_batch)
        self._service = 0.0  # recent batch service time, seconds (0 until the first batch)

    @property
    def ceiling(self) -> int:
        """The batch size limit AIMD has settled on so far."""
        return int(self._ceiling)

    def decide(self, now: float, queue: QueueView) -> Decision:
        q = queue.length
        cap = int(self._ceiling)
        if q >= cap:
            return Dispatch(cap, FULL)
        if q >= self._min_batch:
            return Dispatch(q, IDLE_DEVICE)
        slack = self._target - self._service
        return hold(now, queue.oldest, q, slack, self._max_wait, self._min_batch)

    def observe(self, now: float, size: int, service_s: float) -> None:
        if self._service == 0.0:
            self._service = service_s
        else:
            self._service += SERVICE_EWMA * (service_s - self._service)
        if service_s > self._target:
            self._ceiling = max(float(self._min_batch), self._ceiling * DECREASE_FACTOR)
        else:
            self._ceiling = min(float(self._max_batch), self._ceiling + ADDITIVE_STEP)
