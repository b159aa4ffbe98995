"""What one step of a generative model costs: the analytic-llm model (DistServe's shape).

step time = step_ms + prefill_ms_per_token * (prefill tokens)
          + decode_ms_per_seq * (decoding sequences)
          + context_ms_per_token * (context tokens of the decoding sequences)
          [+ mixed_step_ms if the step both prefills and decodes]
          [+ prefill_ms_per_token_sq * (each prefill chunk's tokens x the tokens it attends
             to, summed: n * (cached + n); n**2 for a whole prompt)]

The defaults (engine/models/spec.py) are the linear terms of the fit DistServe's simulator
publishes for OPT-13B on one A100-80GB, TP=1, PP=1 (LLMServe/DistServe,
simdistserve/estimators/time_estimator.py: prefill 0.0948 ms/token + 18.9 ms, decode
0.000611 ms/context token + 0.0682 ms/sequence + 19.9 ms). We keep the decode intercept as
the step cost and drop the prefill fit's small quadratic term (4e-6 ms per token squared:
1 ms at a 512-token prompt), so one formula prices mixed prefill + decode steps.

Optionally (defaults 0: off) a step that starts after the device idled longer than
``idle_after_ms`` pays ``idle_restart_ms`` more: a CPU is measurably slower on the first
step after a rest (caches, clocks; bench/RESULTS.md), which back-to-back profiles miss.
And (default 0) a step that both prefills and decodes pays ``mixed_step_ms`` more: the live
runtime runs it as two model calls (the generative contract), each with its fixed cost.
And (default 0, as the defaults drop DistServe's) ``prefill_ms_per_token_sq`` prices a
prefill's attention, which grows with the square of a prompt: on a small model, where
attention outweighs the weights, it is most of a long prompt's cost (tiny-gpt on a CPU: a
2,048-token prefill 27x a 256-token one; bench/RESULTS.md), and a linear fit to short
prompts priced long ones at half.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from batchtui.engine.models import ModelSpec


@dataclass(frozen=True)
class StepCost:
    """The analytic-llm coefficients (ms, as declared) and the cost of one step in seconds."""

    step_ms: float = 19.88
    prefill_ms_per_token: float = 0.0948
    decode_ms_per_seq: float = 0.0682
    context_ms_per_token: float = 0.000611
    idle_restart_ms: float = 0.0
    """Extra cost of a step that starts after the device idled longer than idle_after_ms."""
    idle_after_ms: float = 0.0
    """How long the device must idle (strictly more) before a step pays idle_restart_ms."""
    mixed_step_ms: float = 0.0
    """Extra cost of a step with both prefill tokens and decoding sequences (a second call)."""
    prefill_ms_per_token_sq: float = 0.0
    """Per prefill token and token it attends to (its chunk's and those cached before it)."""

    @classmethod
    def from_spec(cls, model: ModelSpec) -> StepCost:
        """The cost of an ``analytic-llm`` model spec (validated here)."""
        return cls(**model.validate())

    def step(
        self, prefill_tokens: int, decode_seqs: int, context_tokens: int, prefill_sq: int = 0
    ) -> float:
        """Seconds of one step that prefills ``prefill_tokens`` and decodes ``decode_seqs``
        sequences holding ``context_tokens`` tokens in the KV cache between them;
        ``prefill_sq``: its prefill chunks' tokens times the tokens each attends to, summed
        (``attended``). (The later terms are added last, so at 0 every price is bit for bit
        what it was without them.)"""
        return (
            self.step_ms
            + self.prefill_ms_per_token * prefill_tokens
            + self.decode_ms_per_seq * decode_seqs
            + self.context_ms_per_token * context_tokens
            + (self.mixed_step_ms if prefill_tokens and decode_seqs else 0.0)
            + self.prefill_ms_per_token_sq * prefill_sq
        ) / 1000.0

    def restart_s(self, idle_s: float) -> float:
        """Seconds added to a step that starts after the device idled ``idle_s`` seconds:
        idle_restart_ms if that is more than idle_after_ms, else 0 (exactly: adding it
        changes nothing). The first step of a run follows an idle of ``inf``."""
        if self.idle_restart_ms > 0.0 and idle_s > self.idle_after_ms / 1000.0:
            return self.idle_restart_ms / 1000.0
        return 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``model`` object of generative reports (the idle and mixed terms only when
        charged, so reports without them read as before)."""
        out = {"kind": "analytic-llm", **dataclasses.asdict(self)}
        if not self.idle_restart_ms:
            del out["idle_restart_ms"], out["idle_after_ms"]
        if not self.mixed_step_ms:
            del out["mixed_step_ms"]
        if not self.prefill_ms_per_token_sq:
            del out["prefill_ms_per_token_sq"]
        return out


def attended(new: int, cached: int = 0) -> int:
    """A prefill chunk's ``new`` tokens times the tokens each attends to, the ``cached``
    ones before it and the chunk's own: what ``prefill_ms_per_token_sq`` prices."""
    return new * (cached + new)
