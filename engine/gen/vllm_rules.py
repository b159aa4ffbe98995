"""The knob combinations vLLM refuses to start with, so no run, tune or preset proposes one.

vLLM's ``SchedulerConfig._verify_args`` (vllm/config/scheduler.py) refuses
``max_num_batched_tokens < max_num_seqs`` whether or not prefill is chunked: a step could not
give every sequence it admits one token. Its other rule, ``max_num_batched_tokens >=
max_model_len`` without chunked prefill, is met by the vLLM export setting ``--max-model-len``
to the token budget (presets/exporters/vllm.py), so it is no refusal here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.continuous import PARAMS

_DEFAULTS = {p.name: p.default for p in PARAMS}


def vllm_refusal(params: Mapping[str, Any]) -> ConfigError | None:
    """Why vLLM would refuse these continuous-lane knobs (named by the knob), or None."""
    p = {**_DEFAULTS, **params}
    seqs, budget = int(p["max_num_seqs"]), int(p["max_num_batched_tokens"])
    if budget < seqs:
        return ConfigError(
            "max_num_batched_tokens",
            f"is {budget:,} tokens, below max_num_seqs ({seqs:,}); vLLM refuses that (every "
            f"sequence of a step needs a token): raise it to {seqs:,} or lower --max-num-seqs",
        )
    return None


def check_vllm_rules(params: Mapping[str, Any]) -> None:
    """ConfigError when vLLM would refuse these continuous-lane knobs."""
    refusal = vllm_refusal(params)
    if refusal is not None:
        raise refusal
