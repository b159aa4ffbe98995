"""The analytic cost model ``t(n) = base + per_item*n``, with optional random slowdowns."""

from __future__ import annotations

from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError

_NOISE_BLOCK = 4096  # draw noise in blocks: one numpy call per block, not per batch


class AnalyticCost:
    """Batch service time ``base_ms + per_item_ms*n``, times a gamma factor of mean 1.

    ``noise_cv`` is the coefficient of variation of that factor: 0 is deterministic,
    1 makes service times exponential (what M/M/1 assumes). Every lane draws the same
    sequence of factors, so lanes differ by their policy, not by their luck.
    """

    executes = False  # a cost model: it computes times, it runs nothing

    def __init__(
        self, base_ms: float = 2.0, per_item_ms: float = 0.05, noise_cv: float = 0.0, seed: int = 0
    ) -> None:
        for name, value in (("base_ms", base_ms), ("per_item_ms", per_item_ms)):
            if not np.isfinite(value) or value < 0:
                raise ConfigError(name, f"must be >= 0, got {value:g}")
        if base_ms + per_item_ms <= 0:
            raise ConfigError("per_item_ms", "base_ms and per_item_ms cannot both be 0")
        if not np.isfinite(noise_cv) or noise_cv < 0 or noise_cv > 10:
            raise ConfigError("noise_cv", f"must be between 0 and 10, got {noise_cv:g}")
        self.base_ms = float(base_ms)
        self.per_item_ms = float(per_item_ms)
        self.noise_cv = float(noise_cv)
        self.seed = seed
        self._base = base_ms / 1000.0
        self._per_item = per_item_ms / 1000.0
        self._rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5E41CE]))
        self._noise: list[float] = []

    def duration(self, n: int, first: int = 0) -> float:
        t = self._base + self._per_item * n
        if self.noise_cv == 0.0:
            return t
        if not self._noise:
            shape = 1.0 / (self.noise_cv * self.noise_cv)
            self._noise = self._rng.gamma(shape, 1.0 / shape, _NOISE_BLOCK).tolist()[::-1]
        return t * self._noise.pop()

    def mean_ms(self, n: int) -> float:
        """Expected service time of a batch of ``n``, in milliseconds."""
        return self.base_ms + self.per_item_ms * n

    def for_lane(self, arrivals: object = None) -> AnalyticCost:
        return AnalyticCost(self.base_ms, self.per_item_ms, self.noise_cv, self.seed)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "analytic",
            "base_ms": self.base_ms,
            "per_item_ms": self.per_item_ms,
            "noise_cv": self.noise_cv,
        }
