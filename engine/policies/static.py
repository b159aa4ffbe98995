"""Static batching: a fixed size limit and a fixed wait, the rule every server ships."""

from __future__ import annotations

from batchtui.engine.policies.base import Policy
from batchtui.engine.policies.common import MAX_BATCH_SIZE, MAX_WAIT_MS
from batchtui.engine.policies.decisions import FULL, TIMEOUT, Decision, Dispatch, QueueView, Wait


class Static(Policy):
    """Dispatch when ``max_batch_size`` requests are queued, or when the oldest queued
    request has waited ``max_wait_ms`` since its arrival, whichever comes first.

    This is Triton's dynamic batcher with one preferred size, Ray Serve's
    ``@serve.batch`` and TorchServe's ``batchSize``/``maxBatchDelay``. The wait clock
    starts at each request's arrival (not at dequeue), and the deadline is always
    computed from the request that is oldest *now*, so a timer can never fire for a
    batch that was already sent.
    """

    kind = "static"
    PARAMS = (MAX_BATCH_SIZE, MAX_WAIT_MS)
    SERVER_NOTE = None  # every server's batcher is this one

    def _apply(self) -> None:
        self._max_batch = int(self._params["max_batch_size"])
        self._max_wait = self._params["max_wait_ms"] / 1000.0

    def decide(self, now: float, queue: QueueView) -> Decision:
        if queue.length >= self._max_batch:
            return Dispatch(self._max_batch, FULL)
        deadline = queue.oldest + self._max_wait
        if now >= deadline:
            return Dispatch(queue.length, TIMEOUT)
        return Wait(deadline, self._max_batch)
