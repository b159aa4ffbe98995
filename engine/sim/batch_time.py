"""How a profiled batch size's time spreads, for the simulator: the batch-time tail.

A live lane's batch now and then takes many times its median (its thread loses the core, a
cache went cold while it slept); a profile that prices each size by its median predicts none
of that, and a sub-millisecond winner's p99 is set by it (bench/batch_tail.py). A profile that
carries, per measured size, the quantiles of the batch times it timed lets ``SimLane`` draw
each batch's time from them instead, from its own seeded stream.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.sim.idle_shift import IdleShift
from batchtui.engine.sim.wakeup import DRAWS, PROBABILITIES, WakeupLateness

POOL_X = 2.0  # a size's tail pools the timings of every size that costs at most this much more
TAIL_SEED = 0x7461696C  # the batch-time stream's own seed offset ("tail"): others untouched


@dataclass(frozen=True)
class BatchTimes:
    """Per measured batch size, its batch time's quantiles (ms) at increasing probabilities
    from 0 to 1. A draw is one uniform ``u``: each size's quantile at ``u`` (linear between
    kept quantiles), linear in ``n`` between sizes as the medians are; below the smallest size
    its quantiles, beyond the largest they rise with the medians' last slope. ``after_idle``,
    when measured, is what a batch pays on top for the device's idle before it."""

    sizes: tuple[int, ...]
    quantiles_ms: tuple[tuple[float, ...], ...]  # one row per size, at ``probabilities``
    probabilities: tuple[float, ...] = PROBABILITIES
    after_idle: IdleShift | None = None

    @classmethod
    def from_samples(
        cls,
        samples_ms: Mapping[int, Sequence[float]],
        medians_ms: Mapping[int, float] | None = None,
    ) -> BatchTimes:
        """Each size's distribution: its median (``medians_ms``, else its samples') plus its
        samples' spread around their own median, except that above the median each quantile
        is at least the excess pooled over every size that costs at most ``POOL_X`` times as
        much (the smaller sizes, and larger ones of about the same cost).

        The stalls (the thread losing its core: milliseconds, in under one batch in a hundred)
        are too rare to show in one size's hundred timings, yet they hit a batch of any size;
        a much costlier size's spread never widens a cheap one's. A profile passes its
        back-to-back medians (``AfterSleepTimer`` says why)."""
        sizes = sorted(samples_ms)
        excess, medians = {}, {}
        for n in sizes:
            times = np.asarray(samples_ms[n], dtype=float)
            own_median = float(np.median(times))
            excess[n] = times - own_median
            medians[n] = own_median if medians_ms is None else float(medians_ms[n])
        upper = np.asarray(PROBABILITIES) >= 0.5
        rows = []
        for n in sizes:
            pool = [excess[m] for m in sizes if medians[m] <= POOL_X * medians[n]]
            own = np.quantile(excess[n], PROBABILITIES)
            pooled = np.quantile(np.concatenate(pool), PROBABILITIES)
            row = medians[n] + np.where(upper, np.maximum(own, pooled), own)
            row = np.maximum.accumulate(row)
            rows.append(tuple(round(float(x), 6) for x in np.clip(row, 1e-6, None)))
        return cls(tuple(sizes), tuple(rows))

    @classmethod
    def from_json(cls, doc: object, where: str = "batch_time") -> BatchTimes:
        """Read ``{"probabilities": [...], "quantiles_ms": {"1": [...], ...}}``; ConfigError
        naming ``where`` when a size's row is not a valid distribution of times > 0."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("quantiles_ms"), Mapping):
            raise ConfigError(
                "profile", f'{where} must be {{"probabilities": [...], "quantiles_ms": {{...}}}}'
            )
        rows: dict[int, tuple[float, ...]] = {}
        probabilities: tuple[float, ...] = ()
        for key, row in doc["quantiles_ms"].items():
            if not str(key).isdigit() or int(key) < 1:
                raise ConfigError("profile", f"{where}.quantiles_ms: {key!r} is not a batch size")
            one = WakeupLateness.from_json(
                {"quantiles_ms": row, "probabilities": doc.get("probabilities")},
                where=f"{where} (size {key})",
            )
            if one.quantiles_ms[0] <= 0:
                raise ConfigError("profile", f"{where}.quantiles_ms[{key!r}] must be > 0 ms")
            rows[int(key)] = one.quantiles_ms
            probabilities = one.probabilities
        if not rows:
            raise ConfigError("profile", f"{where}.quantiles_ms has no batch sizes")
        sizes = sorted(rows)
        shift = doc.get("after_idle")
        if shift is not None:
            shift = IdleShift.from_json(shift, where=f"{where}.after_idle")
        return cls(tuple(sizes), tuple(rows[n] for n in sizes), probabilities, shift)

    def to_json(self) -> dict[str, Any]:
        """The profile's ``batch_time`` object (``after_idle`` only when measured)."""
        return {
            "probabilities": list(self.probabilities),
            "quantiles_ms": {
                str(n): list(q) for n, q in zip(self.sizes, self.quantiles_ms, strict=True)
            },
            **({} if self.after_idle is None else {"after_idle": self.after_idle.to_json()}),
        }

    def quantiles_at(self, n: int) -> list[float]:
        """The quantiles (ms) of a batch of ``n``, interpolated between measured sizes."""
        sizes, rows = self.sizes, self.quantiles_ms
        if n <= sizes[0]:
            return list(rows[0])
        if n >= sizes[-1]:
            if len(sizes) == 1:
                return list(rows[-1])
            p = self.probabilities
            median = [float(np.interp(0.5, p, row)) for row in rows[-2:]]
            slope = max((median[1] - median[0]) / (sizes[-1] - sizes[-2]), 0.0)
            return [q + slope * (n - sizes[-1]) for q in rows[-1]]
        i = bisect_right(sizes, n)
        a, b = sizes[i - 1], sizes[i]
        w = (n - a) / (b - a)
        return [qa + w * (qb - qa) for qa, qb in zip(rows[i - 1], rows[i], strict=True)]

    def draw_ms(self, n: int, u: float) -> float:
        """The time (ms) of a batch of ``n`` at probability ``u``: the inverse transform."""
        return float(np.interp(u, self.probabilities, self.quantiles_at(n)))

    def summary(self) -> str:
        """The p99 over the median at the smallest and largest sizes, for the one line a run
        prints when it charges them."""
        parts = []
        for n in dict.fromkeys((self.sizes[0], self.sizes[-1])):
            p50, p99 = np.interp([0.5, 0.99], self.probabilities, self.quantiles_at(n))
            parts.append(f"size {n}: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
        if self.after_idle is not None:
            parts.append(self.after_idle.summary())
        return "; ".join(parts)

    def stream(self, seed: int = 0) -> Callable[[int], float]:
        """A seeded source of batch times: each call with a size returns the next batch's
        time in seconds."""
        return _Draws(self, np.random.default_rng((TAIL_SEED, seed))).next


class _Draws:
    """Uniforms drawn a block at a time, each turned into the segment of the quantile rows it
    falls in; a size's row (in seconds) is built on first use, so a draw is a few list reads."""

    def __init__(self, times: BatchTimes, rng: np.random.Generator) -> None:
        self._times = times
        self._p = np.asarray(times.probabilities)
        self._rng = rng
        self._rows: list[list[float]] = []  # by batch size, built up to the largest seen
        self._k: list[int] = []
        self._w: list[float] = []
        self._i = 0

    def _refill(self) -> None:
        u = self._rng.random(DRAWS)
        p = self._p
        k = np.clip(np.searchsorted(p, u, side="right") - 1, 0, len(p) - 2)
        self._k = k.tolist()
        self._w = ((u - p[k]) / (p[k + 1] - p[k])).tolist()
        self._i = 0

    def next(self, n: int) -> float:
        if self._i == len(self._k):
            self._refill()
        i = self._i
        self._i = i + 1
        k, w, rows = self._k[i], self._w[i], self._rows
        if n >= len(rows):
            quantiles = self._times.quantiles_at
            rows.extend([q / 1000.0 for q in quantiles(m)] for m in range(len(rows), n + 1))
        row = rows[n]
        return row[k] + w * (row[k + 1] - row[k])
