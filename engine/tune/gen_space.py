"""The search space of a generative lane: the continuous lane's scheduling knobs, or a
request-level lane's knobs as the request-level tuner searches them.

The continuous lane's ``kv_cache_tokens`` and ``block_size`` are not searched: they describe
the hardware (how much GPU memory is left for the cache), and more cache only ever helps, so
a search would just pick the largest. Every point is repaired to one vLLM accepts
(engine/gen/vllm_rules.py), so the tuner never proposes a preset vLLM would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from batchtui.engine.gen.continuous import PARAMS as CONTINUOUS_PARAMS
from batchtui.engine.gen.run import GEN_POLICIES
from batchtui.engine.tune.space import Knob, knob_from_param, repaired, search_space

CONTINUOUS_SPANS = {
    "max_num_seqs": (1, 1024),
    "max_num_batched_tokens": (16, 65536),
    "long_prefill_token_threshold": (16, 65536),
}
"""Searched spans (log scale): the sliders' spans, ``max_num_seqs`` up to 1,024 as batch
sizes are. A chunk threshold at or above the token budget means "no limit" (0)."""
CHOICES = {"chunked_prefill": (True, False)}
DEFAULTS = {p.name: p.default for p in CONTINUOUS_PARAMS}


def gen_search_space(
    kind: str, fixed: Iterable[str] = (), slo_ms: float | None = None
) -> tuple[Knob, ...]:
    """Every knob of lane ``kind`` the tuner may move (``slo_ms`` caps a request-level lane's
    waits, as for request-level tuning: the TTFT SLO)."""
    if kind not in GEN_POLICIES:
        return search_space(kind, fixed, slo_ms)
    fixed = set(fixed)
    out = []
    for param in CONTINUOUS_PARAMS:
        if param.name in fixed:
            continue
        if param.name in CHOICES:
            out.append(Knob(param.name, 0, 1, False, False, CHOICES[param.name]))
        elif param.name in CONTINUOUS_SPANS:
            low, high = CONTINUOUS_SPANS[param.name]
            knob = knob_from_param(param, None)
            assert knob is not None
            out.append(Knob(param.name, low, high, True, knob.log))
    return tuple(out)


def gen_repaired(kind: str, params: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` over ``fixed`` as a valid setting: the token budget at least
    ``max_num_seqs`` (vLLM's rule; ``max_num_seqs`` comes down instead when the budget was
    fixed), and a chunk threshold that cannot bite written as 0 (no limit)."""
    if kind not in GEN_POLICIES:
        return repaired(kind, params, fixed)
    out = {**fixed, **params}
    seqs = int(out.get("max_num_seqs", DEFAULTS["max_num_seqs"]))
    budget = int(out.get("max_num_batched_tokens", DEFAULTS["max_num_batched_tokens"]))
    if budget < seqs:
        if "max_num_batched_tokens" in fixed and "max_num_seqs" not in fixed:
            out["max_num_seqs"] = budget
        else:
            out["max_num_batched_tokens"] = budget = seqs
    threshold = out.get("long_prefill_token_threshold")
    if threshold and "long_prefill_token_threshold" not in fixed and threshold >= budget:
        out["long_prefill_token_threshold"] = 0
    return out
