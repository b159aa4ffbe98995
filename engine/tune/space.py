"""The search space of a lane: every tunable knob its policy declares, over the knob's slider span.

The slider span (``SliderRange``) is the "comfortable" range a person would explore by hand,
so it is also where the tuner looks. Knobs the user fixed on the command line stay fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from batchtui.engine.params import Param
from batchtui.engine.policies import POLICIES

MS_CAP_X_SLO = 2.0
"""A wait or latency target beyond twice the SLO can only break it: the ms knobs stop there."""
MAX_SEARCHED_BATCH = 1024
"""Batch-size knobs are searched up to here (the sliders reach their full limits): a real
model is profiled up to the largest batch searched, and past 1,024 that takes minutes. A
larger size can still be fixed with its flag."""


@dataclass(frozen=True)
class Knob:
    """One searched dimension: a policy parameter between ``low`` and ``high``, or one of
    ``choices`` (an on/off knob such as chunked prefill)."""

    name: str
    low: float
    high: float
    integer: bool
    log: bool
    choices: tuple[Any, ...] = ()

    def grid(self, points: int) -> list[Any]:
        """Up to ``points`` values spread over the span (log-spaced on a log knob), distinct."""
        if self.choices:
            return list(self.choices[: max(1, points)])
        if points <= 1 or self.low == self.high:
            return [self._cast(self.low)]
        values: list[int | float] = []
        for i in range(points):
            f = i / (points - 1)
            if self.log:
                x = self.low * (self.high / self.low) ** f
            else:
                x = self.low + (self.high - self.low) * f
            v = self._cast(x)
            if v not in values:
                values.append(v)
        return values

    def size(self) -> float:
        """How many distinct values the knob can take (infinite for a float)."""
        if self.choices:
            return len(self.choices)
        return self.high - self.low + 1 if self.integer else float("inf")

    def _cast(self, x: float) -> int | float:
        return round(x) if self.integer else float(x)


def knob_from_param(param: Param, slo_ms: float | None) -> Knob | None:
    """The searched span of ``param``: its slider range inside its limits (None: not numeric)."""
    if param.kind not in (int, float) or param.slider is None:
        return None
    low = max(param.slider.low, param.minimum)
    high = min(param.slider.high, param.maximum)
    if param.kind is int:
        high = max(low, min(high, MAX_SEARCHED_BATCH))
    if param.unit == "ms" and slo_ms is not None:
        high = max(low, min(high, MS_CAP_X_SLO * slo_ms))
    return Knob(param.name, low, high, param.kind is int, param.slider.scale == "log")


def search_space(
    kind: str, fixed: Iterable[str] = (), slo_ms: float | None = None
) -> tuple[Knob, ...]:
    """Every knob of policy ``kind`` the tuner may move: declared, numeric, not ``fixed``."""
    fixed = set(fixed)
    knobs = (knob_from_param(p, slo_ms) for p in POLICIES[kind].PARAMS if p.name not in fixed)
    return tuple(k for k in knobs if k is not None and k.high > k.low)


def largest_batch(kind: str, fixed: Mapping[str, Any], slo_ms: float | None = None) -> int:
    """The largest batch a lane's search can send: how far a real model must be profiled."""
    space = search_space(kind, fixed, slo_ms)
    highs = [int(k.high) for k in space if k.name == "max_batch_size"]
    return max([*highs, int(fixed.get("max_batch_size", 1))])


def repaired(kind: str, params: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` over ``fixed``, nudged to satisfy constraints between knobs (a minimum batch
    above the maximum is lowered to it), so every sampled point is a valid policy."""
    out = {**fixed, **params}
    names = {p.name for p in POLICIES[kind].PARAMS}
    if {"min_batch_size", "max_batch_size"} <= names:
        low = out.get("min_batch_size", 1)
        high = out.get("max_batch_size", _default(kind, "max_batch_size"))
        if low > high:
            if "min_batch_size" in fixed:
                out["max_batch_size"] = low
            else:
                out["min_batch_size"] = high
    return out


def _default(kind: str, name: str) -> Any:
    return next(p.default for p in POLICIES[kind].PARAMS if p.name == name)
