"""Fit the analytic-llm coefficients to measured steps: non-negative, least relative error.

Step times span orders of magnitude (one decode vs a 1k-token prefill), so each point is
weighted by 1/measured: the fit minimises relative, not absolute, error. Each kind of step
(prefill, decode, mixed) weighs the same in all, however many points it has: the few mixed
steps, which pay a second call's overhead, are priced by their own term, ``mixed_step_ms``
(a mixed step is two model calls, each with its fixed cost): without it the fit split that
second cost between the kinds and priced a lone prefill too high and a mixed step too low.
Likewise a prefill's attention, which grows with the square of its prompt, has its own term
(``prefill_ms_per_token_sq``): a line through short prompts priced long ones at half.
The coefficients are kept non-negative (a negative cost per token would make longer steps
cheaper): with six of them, the exact non-negative solution is the best of the 63 supports'
unconstrained fits that come out non-negative.
"""

from __future__ import annotations

import itertools
from collections import Counter
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


TERMS = ("step_ms", "prefill_ms_per_token", "decode_ms_per_seq", "context_ms_per_token",
         "prefill_ms_per_token_sq", "mixed_step_ms")  # fmt: skip
"""The fitted StepCost fields, in ``features``' column order."""


def features(points: Sequence[StepPoint]) -> np.ndarray:
    """One row per point: 1, prefill tokens, decoding sequences, their context tokens, the
    prefill's tokens times those they attend to, and 1 if it both prefills and decodes."""
    return np.array(
        [
            [1.0, p.prefill_tokens, p.decode_seqs, p.context_tokens, p.prefill_sq,
             float(p.prefill_tokens > 0 and p.decode_seqs > 0)]
            for p in points
        ],
        dtype=float,
    )  # fmt: skip


def fit_step_cost(points: Sequence[StepPoint], mixed: bool = True, square: bool = True) -> StepFit:
    """The non-negative analytic-llm coefficients that best price ``points`` (median times).
    ``mixed=False`` leaves mixed_step_ms at 0, ``square=False`` prefill_ms_per_token_sq: the
    fit as it was before each (bench A/B)."""
    if len(points) < 4:  # the later terms need no point of their own: without one they are 0
        raise ConfigError(
            "points", f"fitting the coefficients needs >= 4 points, got {len(points)}"
        )
    off = {"mixed_step_ms": not mixed, "prefill_ms_per_token_sq": not square}
    names = [name for name in TERMS if not off.get(name)]
    x = features(points)[:, [TERMS.index(name) for name in names]]
    terms = len(names)
    y = np.array([p.median_ms for p in points], dtype=float)
    if not np.all(y > 0):
        raise ConfigError("points", "every measured step must take > 0 ms")
    per_kind = Counter(p.kind for p in points)
    w = 1.0 / (y * np.sqrt([per_kind[p.kind] for p in points]))
    best: tuple[float, np.ndarray] | None = None
    for size in range(1, terms + 1):
        for support in itertools.combinations(range(terms), size):
            cols = list(support)
            solution, *_ = np.linalg.lstsq(x[:, cols] * w[:, None], y * w, rcond=None)
            if np.any(solution < 0):
                continue
            coef = np.zeros(terms)
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
        cost=StepCost(**{name: float(c) for name, c in zip(names, coef, strict=True)}),
        r2=r2,
        worst_relative_error=float(np.max(np.abs(fitted - y) / y)),
        fitted_ms=tuple(float(f) for f in fitted),
    )
