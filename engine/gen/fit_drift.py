"""How far two fits of one generative model disagree, on the two prices a validation's
figures rest on: a lone request's prefill after the device idled (TTFT at light load) and
one sequence's decode step (TPOT).

A shared CPU's speed moves between minutes (bench/RESULTS.md: a decode's fitted price 2-3x
between fits 30 s apart), so a prediction made on a fit from minutes before can be off by
the machine's move alone; a second fit after the live runs shows how far it moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from batchtui.engine.gen.cost import StepCost, attended


@dataclass(frozen=True)
class LonePrices:
    """What a fit charges, in ms, for the two steps the figures rest on."""

    prefill_ms: float  # a lone ``prompt_tokens`` prefill after a long idle
    decode_ms: float  # one sequence's decode step with ``context_tokens`` in its cache

    @classmethod
    def of(cls, cost: StepCost, prompt_tokens: int, context_tokens: int) -> LonePrices:
        prefill = cost.step(prompt_tokens, 0, 0, attended(prompt_tokens))
        prefill += cost.restart_s(math.inf)
        return cls(1000.0 * prefill, 1000.0 * cost.step(0, 1, context_tokens))


def fit_drift(before: LonePrices, after: LonePrices) -> float:
    """The larger relative difference of the two prices, against their mean (0: the fits
    agree; 0.15: one price moved by 15%)."""
    pairs = ((before.prefill_ms, after.prefill_ms), (before.decode_ms, after.decode_ms))
    return max(apart(x, y) for x, y in pairs)


def apart(x: float, y: float) -> float:
    """How far two measurements of one price are apart, against their mean (0 for two 0s)."""
    return abs(x - y) / ((x + y) / 2.0) if x + y > 0 else 0.0
