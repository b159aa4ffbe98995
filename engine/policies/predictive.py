"""Predictive batching: learn the batch cost and the arrival rate, wait for the size that pays."""

from __future__ import annotations

import math

from batchtui.engine.policies.base import Policy
from batchtui.engine.policies.common import MAX_BATCH_SIZE, MAX_WAIT_MS, TARGET_LATENCY_MS
from batchtui.engine.policies.cost_fit import CostFit
from batchtui.engine.policies.decisions import (
    FULL,
    PREDICTED,
    Decision,
    Dispatch,
    QueueView,
)
from batchtui.engine.policies.hold import hold
from batchtui.engine.policies.rate_estimate import RateEstimate

UTILISATION_TARGET = 0.8  # aim for batches that keep the device at most 80% busy
RATE_TAU_S = 0.5  # time constant of the arrival-rate moving average


class Predictive(Policy):
    """Wait for the smallest batch that the device can sustain, predicted from history.

    It keeps an online fit of the batch cost ``t(n) = a + b*n`` (from completed
    batches) and a moving average of the arrival rate ``lambda``. The target size is
    the smallest ``n`` whose predicted utilisation ``lambda*t(n)/n`` stays under 80%:
    smaller batches would let the queue grow, larger ones only add waiting. With at
    least that many queued it sends them all (``predicted``, or ``full`` at
    ``max_batch_size``); with fewer it waits for the target, but never longer than
    ``max_wait_ms`` from the oldest request's arrival (``timeout``) nor past the point
    where ``target_latency_ms`` would be missed given ``t(target)`` (``budget``).

    Before it has history (no rate or no completed batch) the target is one request,
    so it sends whatever is queued when the device frees up and learns from that.
    Unlike the seed article's sketch, every wait is bounded: when traffic stops, the
    last requests leave within ``max_wait_ms``. BentoML's adaptive "cork" dispatcher
    is the model for this design.
    """

    kind = "predictive"
    SERVER_NOTE = (
        "batchtui's predictive batcher has no server equivalent: it learns the batch cost "
        "t(n) = a + b*n and the arrival rate, and waits only for the smallest batch the "
        "device can sustain, within target_latency_ms={target_latency_ms:g}."
    )
    PARAMS = (MAX_BATCH_SIZE, MAX_WAIT_MS, TARGET_LATENCY_MS)

    def _apply(self) -> None:
        self._max_batch = int(self._params["max_batch_size"])
        self._max_wait = self._params["max_wait_ms"] / 1000.0
        self._target = self._params["target_latency_ms"] / 1000.0

    def reset(self) -> None:
        self.cost = CostFit()
        self.rate = RateEstimate(tau_s=RATE_TAU_S)

    def target_size(self, rate: float) -> int:
        """The smallest batch the device sustains at ``rate`` req/s under the utilisation target."""
        if rate <= 0.0 or self.cost.count == 0:
            return 1
        spare = UTILISATION_TARGET - rate * self.cost.b
        if spare <= 0.0:
            return self._max_batch
        n = math.ceil(rate * self.cost.a / spare - 1e-9)
        return min(max(n, 1), self._max_batch)

    def decide(self, now: float, queue: QueueView) -> Decision:
        q = queue.length
        if q >= self._max_batch:
            return Dispatch(self._max_batch, FULL)
        want = self.target_size(self.rate.update(now, queue.arrived))
        if q >= want:
            return Dispatch(q, PREDICTED)
        slack = self._target - self.cost.predict(want)
        return hold(now, queue.oldest, q, slack, self._max_wait, want)

    def observe(self, now: float, size: int, service_s: float) -> None:
        self.cost.add(size, service_s)
