"""Online fit of batch cost ``t(n) = a + b*n`` from observed batches, forgetting old ones."""

from __future__ import annotations


class CostFit:
    """Exponentially weighted least squares over (batch size, service time) pairs.

    The weights decay per observation so the fit follows a device whose speed drifts
    (thermal throttling, another tenant). Until two distinct sizes have been seen the
    slope is unknown and the fit treats the whole cost as fixed overhead, which errs
    towards larger batches, the safe side for throughput.
    """

    __slots__ = ("_decay", "_sn", "_snn", "_snt", "_st", "_w", "a", "b", "count")

    def __init__(self, decay: float = 0.97) -> None:
        self._decay = decay
        self._w = self._sn = self._snn = self._st = self._snt = 0.0
        self.a = 0.0  # fixed cost per batch, seconds
        self.b = 0.0  # cost per request, seconds
        self.count = 0

    def add(self, n: int, t: float) -> None:
        """Take one observed batch of ``n`` requests that took ``t`` seconds."""
        d = self._decay
        self._w = self._w * d + 1.0
        self._sn = self._sn * d + n
        self._snn = self._snn * d + n * n
        self._st = self._st * d + t
        self._snt = self._snt * d + n * t
        self.count += 1
        w = self._w
        mean_n, mean_t = self._sn / w, self._st / w
        var = self._snn / w - mean_n * mean_n
        if var > 1e-9 * max(1.0, mean_n * mean_n):
            b = (self._snt / w - mean_n * mean_t) / var
            a = mean_t - b * mean_n
            if b < 0.0:  # noise can tilt the line; cost never falls with size
                a, b = mean_t, 0.0
            elif a < 0.0:
                a, b = 0.0, mean_t / mean_n
        else:
            a, b = mean_t, 0.0
        self.a, self.b = a, b

    def predict(self, n: int) -> float:
        """Predicted service time of a batch of ``n``, in seconds."""
        return self.a + self.b * n
