"""How late a sleeping lane wakes on the machine a profile was measured on, for the simulator.

A live lane sleeps until the next arrival or its policy's deadline, and the operating system
sometimes wakes it milliseconds late; every request behind that wake pays it. A profile that
carries its machine's measured lateness lets the simulator charge it (``SimLane``), so what
it predicts is this machine, not an ideal one (bench/wakeup.py has the numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError

PROBABILITIES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 1.0)
"""Where a measured lateness distribution is kept: its quantiles at these probabilities."""
DRAWS = 1024  # lateness draws made at once (one numpy call per block, not per wake-up)
WAKEUP_SEED = 0x77616B65  # the lateness stream's own seed offset ("wake"): arrivals' untouched


@dataclass(frozen=True)
class WakeupLateness:
    """A lateness distribution, as quantiles (ms) at increasing probabilities from 0 to 1;
    drawn by inverse transform, linear between the kept quantiles."""

    quantiles_ms: tuple[float, ...]
    probabilities: tuple[float, ...] = PROBABILITIES

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float] | np.ndarray) -> WakeupLateness:
        """The distribution of measured lateness samples (negative ones count as on time)."""
        clipped = np.clip(np.asarray(samples_ms, dtype=float), 0.0, None)
        q = np.quantile(clipped, PROBABILITIES)
        return cls(tuple(round(float(x), 6) for x in q))

    @classmethod
    def from_json(cls, doc: object, where: str = "wakeup") -> WakeupLateness:
        """Read ``{"quantiles_ms": [...], "probabilities": [...]}``; ConfigError naming
        ``where`` when it is not a valid distribution."""
        if not isinstance(doc, Mapping):
            raise ConfigError("profile", f'{where} must be {{"quantiles_ms": [...], ...}}')
        q, p = doc.get("quantiles_ms"), doc.get("probabilities")
        for name, values in (("quantiles_ms", q), ("probabilities", p)):
            if not isinstance(values, list) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
                for v in values
            ):
                raise ConfigError("profile", f"{where}.{name} must be a list of numbers")
        assert isinstance(q, list) and isinstance(p, list)
        if len(q) != len(p) or len(p) < 2:
            raise ConfigError(
                "profile", f"{where}: quantiles_ms and probabilities need the same length, >= 2"
            )
        if p[0] != 0 or p[-1] != 1 or (np.diff(p) <= 0).any():
            raise ConfigError("profile", f"{where}.probabilities must rise from 0 to 1")
        if q[0] < 0 or (np.diff(q) < 0).any():
            raise ConfigError("profile", f"{where}.quantiles_ms must be >= 0 and not decrease")
        return cls(tuple(float(x) for x in q), tuple(float(x) for x in p))

    def to_json(self) -> dict[str, Any]:
        return {"quantiles_ms": list(self.quantiles_ms), "probabilities": list(self.probabilities)}

    def summary(self) -> str:
        """p50 / p99 / max in ms, for the one line a run prints when it charges them."""
        p50, p99 = np.interp([0.5, 0.99], self.probabilities, self.quantiles_ms)
        return f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {self.quantiles_ms[-1]:.3f} ms"

    def stream(self, seed: int = 0) -> Callable[[], float]:
        """A seeded source of lateness draws, in seconds: each call returns the next."""
        return _Draws(self, np.random.default_rng((WAKEUP_SEED, seed))).next


class _Draws:
    """Lateness draws made a block at a time, handed out one by one."""

    def __init__(self, lateness: WakeupLateness, rng: np.random.Generator) -> None:
        self._p = np.asarray(lateness.probabilities)
        self._q = np.asarray(lateness.quantiles_ms) / 1000.0
        self._rng = rng
        self._block: list[float] = []
        self._i = 0

    def next(self) -> float:
        if self._i == len(self._block):
            self._block = np.interp(self._rng.random(DRAWS), self._p, self._q).tolist()
            self._i = 0
        self._i += 1
        return self._block[self._i - 1]
