"""Fit the analytic-llm coefficients to measured steps: non-negative, least relative error.

Step times span orders of magnitude (one decode vs a 1k-token prefill), so each point is
weighted by 1/measured: the fit minimises relative, not absolute, error. The coefficients
are kept non-negative (a negative cost per token would make longer steps cheaper): with four
coefficients, the exact non-negative solution is the best of the 15 supports' unconstrained
fits that come out non-negative.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.step_profile import StepPoint


@dataclass(frozen=True)
class StepFit:
    """Fitted coefficients and how well they price the measured steps."""

    cost: StepCost
    r2: float
    worst_relative_error: float
    fitted_ms: tuple[float, ...]
    """The fitted time of each measured point, in the points' order."""


def features(points: Sequence[StepPoint]) -> np.ndarray:
    """One row per point: 1, prefill tokens, decoding sequences, their context tokens."""
    return np.array(
        [[1.0, p.prefill_tokens, p.decode_seqs, p.context_tokens] for p in points], dtype=float
    )


def fit_step_cost(points: Sequence[StepPoint]) -> StepFit:
    """The non-negative analytic-llm coefficients that best price ``points`` (median times)."""
    if len(points) < 4:
        raise ConfigError(
            "points", f"fitting four coefficients needs >= 4 points, got {len(points)}"
        )
    x = features(points)
    y = np.array([p.median_ms for p in points], dtype=float)
    if not np.all(y > 0):
        raise ConfigError("points", "every measured step must take > 0 ms")
    w = 1.0 / y
    best: tuple[float, np.ndarray] | None = None
    for size in range(1, 5):
        for support in itertools.combinations(range(4), size):
            cols = list(support)
            solution, *_ = np.linalg.lstsq(x[:, cols] * w[:, None], y * w, rcond=None)
            if np.any(solution < 0):
                continue
            coef = np.zeros(4)
            coef[cols] = solution
            loss = float(np.sum(((x @ coef - y) * w) ** 2))
            if best is None or loss < best[0]:
                best = (loss, coef)
    assert best is not None  # the intercept alone is always a non-negative solution
    coef = best[1]
    fitted = x @ coef
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - fitted) ** 2)) / total if total > 0 else 1.0
    return StepFit(
        cost=StepCost(*(float(c) for c in coef)),
        r2=r2,
        worst_relative_error=float(np.max(np.abs(fitted - y) / y)),
        fitted_ms=tuple(float(f) for f in fitted),
    )
