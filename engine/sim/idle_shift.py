"""How much longer a batch takes when the device idled before it, for the simulator.

A CPU that slept between batches (the live lane sleeps until the next arrival; it only spins
the last ``SPIN_S``) runs the next batch slower: mlp 512x2, size 1, 0.09 ms back to back,
+0.06 ms after an idle of 0.3 ms or more, nothing after 0.05 ms (bench/RESULTS.md). A
sub-millisecond latency winner meets that shift on nearly every batch, and a profile's
back-to-back medians never show it. A profile that measured it charges each batch
``shift_ms(n) * fraction(idle)``: each size's full shift (its after-sleep median over its
back-to-back one), times how much of it an idle of that length brings (one curve, measured on
the smallest size, rising from 0 to 1).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError

CURVE_GAPS_MS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 1.0)
"""The idles the profile times the smallest size after (and back to back, as 0)."""
PLATEAU_FROM_MS = 0.6  # the curve's full shift is the timings' excess from this idle on
MIN_SHIFT_MS, MIN_SHIFT_SHARE = 0.001, 0.02  # a plateau below both is noise: use the step


SIGN_TEST_ALPHA = 0.05
"""A size's after-sleep timings must sit above its back-to-back median more often than a coin
would put them there, at this level (a one-sided sign test), for its shift to count."""
EXACT_UP_TO = 500  # timings for which the binomial tail is summed exactly (floats hold 2**500)


def stands_out(after_sleep_ms: Sequence[float], median_ms: float) -> bool:
    """Whether the timings after a sleep are slower than ``median_ms`` beyond chance: without
    this, a size timed 7 times on a machine whose speed drifts by 20% read a shift of +85 ms
    on a 359 ms batch (bench/RESULTS.md), which the simulator then charged after every idle.
    With no real shift, each timing is above the median with probability 1/2."""
    k = len(after_sleep_ms)
    above = sum(1 for t in after_sleep_ms if t > median_ms)
    if k == 0 or above == 0:
        return False
    if k <= EXACT_UP_TO:
        tail = sum(math.comb(k, i) for i in range(above, k + 1)) / 2.0**k
    else:  # the normal approximation, with the continuity correction
        tail = 0.5 * math.erfc((above - 0.5 - k / 2.0) / math.sqrt(k / 2.0))
    return tail <= SIGN_TEST_ALPHA


@dataclass(frozen=True)
class IdleShift:
    """Each measured size's full after-idle shift (ms), and the share of it an idle brings:
    ``fraction`` at ``idle_ms`` (increasing; linear between, 0 at 0 idle, the last value
    beyond the last idle). Linear in ``n`` between sizes; beyond the largest, its shift."""

    sizes: tuple[int, ...]
    shift_ms: tuple[float, ...]
    idle_ms: tuple[float, ...]
    fraction: tuple[float, ...]

    @classmethod
    def fit(
        cls,
        after_sleep_ms: Mapping[int, Sequence[float]],
        medians_ms: Mapping[int, float],
        curve_ms: Mapping[float, Sequence[float]],
        spin_ms: float,
    ) -> IdleShift:
        """From each size's timings after a sleep (``after_sleep_ms``) against its
        back-to-back median, and the smallest size's timings after each idle of
        ``curve_ms`` (its key 0: back to back). A shift is never below 0, and 0 for a size
        whose timings do not stand out from its median (``stands_out``); a curve whose
        plateau is within noise becomes the live lane's own step: idles over ``spin_ms``
        (its spin window) sleep, shorter ones spin."""
        sizes = sorted(after_sleep_ms)
        shifts = [
            round(max(0.0, float(np.median(after_sleep_ms[n])) - medians_ms[n]), 6)
            if stands_out(after_sleep_ms[n], medians_ms[n])
            else 0.0
            for n in sizes
        ]
        gaps = sorted(g for g in curve_ms if g > 0)
        base = float(np.median(curve_ms[0.0]))
        long = [t for g in gaps if g >= PLATEAU_FROM_MS for t in curve_ms[g]]
        plateau = float(np.median(long)) - base if long else 0.0
        if plateau < max(MIN_SHIFT_MS, MIN_SHIFT_SHARE * base):
            fraction = [0.0 if g <= spin_ms else 1.0 for g in gaps]
        else:
            excess = [(float(np.median(curve_ms[g])) - base) / plateau for g in gaps]
            fraction = np.maximum.accumulate(np.clip(excess, 0.0, 1.0)).tolist()
            fraction[-1] = 1.0
        return cls(
            tuple(sizes),
            tuple(shifts),
            tuple(float(g) for g in gaps),
            tuple(round(float(f), 4) for f in fraction),
        )

    @classmethod
    def from_json(cls, doc: object, where: str = "after_idle") -> IdleShift:
        """Read ``{"idle_ms": [...], "fraction": [...], "shift_ms": {"1": ..., ...}}``;
        ConfigError naming ``where`` when it is not a valid shift."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("shift_ms"), Mapping):
            raise ConfigError(
                "profile",
                f'{where} must be {{"idle_ms": [...], "fraction": [...], "shift_ms": {{...}}}}',
            )
        idle, fraction = doc.get("idle_ms"), doc.get("fraction")
        for name, values in (("idle_ms", idle), ("fraction", fraction)):
            if not isinstance(values, list) or not values or not all(_number(v) for v in values):
                raise ConfigError("profile", f"{where}.{name} must be a list of numbers")
        assert isinstance(idle, list) and isinstance(fraction, list)
        if len(idle) != len(fraction):
            raise ConfigError("profile", f"{where}: idle_ms and fraction need the same length")
        if idle[0] <= 0 or (np.diff(idle) <= 0).any():
            raise ConfigError("profile", f"{where}.idle_ms must be > 0 and rise")
        if not all(0 <= f <= 1 for f in fraction) or (np.diff(fraction) < 0).any():
            raise ConfigError("profile", f"{where}.fraction must be 0 to 1 and not decrease")
        shifts: dict[int, float] = {}
        for key, value in doc["shift_ms"].items():
            if not str(key).isdigit() or int(key) < 1:
                raise ConfigError("profile", f"{where}.shift_ms: {key!r} is not a batch size")
            if not _number(value) or value < 0:
                raise ConfigError("profile", f"{where}.shift_ms[{key!r}] must be a number >= 0")
            shifts[int(key)] = float(value)
        if not shifts:
            raise ConfigError("profile", f"{where}.shift_ms has no batch sizes")
        sizes = sorted(shifts)
        return cls(
            tuple(sizes),
            tuple(shifts[n] for n in sizes),
            tuple(float(g) for g in idle),
            tuple(float(f) for f in fraction),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "idle_ms": list(self.idle_ms),
            "fraction": list(self.fraction),
            "shift_ms": {str(n): s for n, s in zip(self.sizes, self.shift_ms, strict=True)},
        }

    def shift_at(self, n: int) -> float:
        """The full shift (ms) of a batch of ``n``, interpolated between measured sizes."""
        return float(np.interp(n, self.sizes, self.shift_ms))

    def fraction_at(self, idle_ms: float) -> float:
        """The share of the full shift an idle of ``idle_ms`` brings."""
        return float(np.interp(idle_ms, (0.0, *self.idle_ms), (0.0, *self.fraction)))

    def summary(self) -> str:
        """The idle that brings half the shift, the smallest size's and the largest, for the
        note (or that none was measured)."""
        if not any(self.shift_ms):
            return (
                "no slower restart after an idle (no size's batches after a sleep stood out "
                "from its median)"
            )
        half = next((g for g, f in zip(self.idle_ms, self.fraction, strict=True) if f >= 0.5), 0)
        most = max(range(len(self.sizes)), key=lambda i: self.shift_ms[i])
        first = f"+{self.shift_ms[0]:.3f} ms at size {self.sizes[0]}"
        if most != 0:
            first += f", at most +{self.shift_ms[most]:.3f} ms (size {self.sizes[most]})"
        return f"after an idle of {half:g} ms or more, {first}"

    def seconds(self) -> Callable[[int, float], float]:
        """``f(n, idle_s)``: the seconds a batch of ``n`` after ``idle_s`` of idle pays."""
        return _Shift(self).seconds


class _Shift:
    """Each size's shift in seconds, built on first use, and the curve as two lists: a
    charge is a list read and, for an idle inside the curve, one bisection."""

    def __init__(self, shift: IdleShift) -> None:
        self._of = shift.shift_at
        self._rows: list[float] = []
        self._idle = [0.0, *(g / 1000.0 for g in shift.idle_ms)]
        self._fraction = [0.0, *shift.fraction]
        self._last_idle, self._last_fraction = self._idle[-1], self._fraction[-1]

    def seconds(self, n: int, idle_s: float) -> float:
        rows = self._rows
        if n >= len(rows):
            rows.extend(self._of(m) / 1000.0 for m in range(len(rows), n + 1))
        if idle_s >= self._last_idle:
            return rows[n] * self._last_fraction
        if idle_s <= 0.0:
            return 0.0
        idle, fraction = self._idle, self._fraction
        i = bisect_right(idle, idle_s)
        w = (idle_s - idle[i - 1]) / (idle[i] - idle[i - 1])
        return rows[n] * (fraction[i - 1] + w * (fraction[i] - fraction[i - 1]))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
