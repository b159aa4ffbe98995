"""A headless generative run: every lane on the same requests, as a ``batchtui.run/2`` report.

Request-level runs keep writing ``batchtui.run/1``; a generative run writes ``run/2``, whose
lanes carry token-level figures (engine/gen/figures.py) instead of batch latencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.continuous_lane import kernel_name, run_continuous_fast
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.vllm_rules import check_vllm_rules
from batchtui.engine.gen.workload import (
    DEFAULT_OUTPUT_TOKENS,
    DEFAULT_PROMPT_TOKENS,
    GenRequests,
    check_token_columns,
    gen_requests,
    lognormal_lengths,
)
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_TORCH_KINDS
from batchtui.engine.policies import POLICIES, make_policy
from batchtui.engine.scenario import LaneSpec

GEN_RUN_FORMAT = "batchtui.run/2"
GEN_POLICIES: dict[str, type[Continuous]] = {Continuous.kind: Continuous}
"""Iteration-level batchers, beside the request-level POLICIES."""
GEN_LANE_KINDS = (*POLICIES, *GEN_POLICIES)
DEFAULT_GEN_LANES = ("static", "dynamic", "predictive", "continuous")


@dataclass(frozen=True)
class GenScenario:
    """What a generative run needs: requests, the step cost, lanes and the token SLOs."""

    load: LoadSpec = field(default_factory=LoadSpec)
    model: ModelSpec = field(default_factory=lambda: ModelSpec("analytic-llm"))
    lanes: tuple[LaneSpec, ...] = tuple(LaneSpec(k, k) for k in DEFAULT_GEN_LANES)
    seed: int = 0
    slo_ttft_ms: float | None = None
    slo_tpot_ms: float | None = None
    max_context: int | None = None
    """The longest prompt + output the model takes (tiny-gpt, gen-factory), checked against
    every request as the live runtime does; None: no limit (analytic-llm)."""

    def validate(self, mode: str = "sim") -> None:
        """ConfigError naming the first bad setting; ``mode`` live needs a model that runs."""
        self.load.validate()
        check_token_columns(self.load)
        if mode == "live":
            if self.model.kind not in GENERATIVE_TORCH_KINDS:
                known = ", ".join(sorted(GENERATIVE_TORCH_KINDS))
                raise ConfigError(
                    "mode", f"live runs need a torch model ({known}), not {self.model.kind}"
                )
        elif self.model.kind != "analytic-llm":
            raise ConfigError("kind", f"a generative run needs analytic-llm, not {self.model.kind}")
        self.model.validate()
        if not self.lanes:
            raise ConfigError("lanes", "at least one lane is needed")
        for lane in self.lanes:
            policy = batcher(lane)
            if isinstance(policy, Continuous):
                check_vllm_rules(policy.params)
                check_some_prompt_fits(policy, self.load)
        for name in ("slo_ttft_ms", "slo_tpot_ms"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(name, f"must be > 0, got {value!r}")


def batcher(lane: LaneSpec) -> Any:
    """A fresh batcher for ``lane``: a Continuous scheduler or a request-level policy."""
    if lane.kind in GEN_POLICIES:
        return GEN_POLICIES[lane.kind](**lane.params)
    if lane.kind not in POLICIES:
        known = ", ".join(GEN_LANE_KINDS)
        raise ConfigError("lanes", f"unknown batcher {lane.kind!r}; expected one of {known}")
    return make_policy(lane.kind, **lane.params)


def check_fits_context(requests: GenRequests, max_context: int, where: str) -> None:
    """ConfigError (named ``where``) unless every request's prompt + output fits the model."""
    total = requests.prompt + requests.output
    if len(total) == 0 or int(total.max()) <= max_context:
        return
    i = int(np.argmax(total))
    raise ConfigError(
        where,
        f"request {i} needs {int(requests.prompt[i])} prompt + {int(requests.output[i])} output "
        f"tokens, more than the model's max_context of {max_context}; raise max_context or "
        "lower --prompt-tokens / --output-tokens",
    )


def shortest_sequence(load: LoadSpec) -> int | None:
    """The fewest tokens (prompt + output - 1, what a recompute prefills) any request of a
    synthetic load has when its prompts are all one length; None when they vary (or a trace)."""
    if load.pattern == "trace" or load.prompt_cv:
        return None
    one = np.random.default_rng(0)
    prompt = int(lognormal_lengths(load.prompt_tokens or DEFAULT_PROMPT_TOKENS, 0.0, 1, one)[0])
    if load.output_cv:
        return prompt  # an output may be one token long
    output = int(lognormal_lengths(load.output_tokens or DEFAULT_OUTPUT_TOKENS, 0.0, 1, one)[0])
    return prompt + output - 1


def check_some_prompt_fits(policy: Continuous, load: LoadSpec) -> None:
    """Without chunked prefill a request must be prefilled in one step: refuse a load none of
    whose requests fits the token budget (they would all be rejected)."""
    shortest = shortest_sequence(load)
    if policy.chunked or shortest is None:
        return
    need = min(shortest, policy.threshold) if policy.threshold else shortest
    if need > policy.budget:
        raise ConfigError(
            "max_num_batched_tokens",
            f"is {policy.budget:,} tokens, but without chunked prefill a request is prefilled "
            f"in one step and every one here needs {need:,} (prompt + output - 1, what a "
            "recompute prefills); none could ever be scheduled: raise --max-num-batched-tokens "
            f"to {need:,} or more, or drop --no-chunked-prefill",
        )


def over_budget(policy: Any, requests: GenRequests, rejected: np.ndarray) -> int:
    """How many of the rejected requests fit the KV cache but not, unchunked, one step's token
    budget (Continuous.fits' second reason); 0 for a request-level lane."""
    if not isinstance(policy, Continuous) or policy.chunked:
        return 0
    longest = requests.prompt + requests.output - 1
    fits_kv = -(-longest // policy.block_size) <= policy.total_blocks
    return int(np.count_nonzero(rejected & fits_kv))


def serve(lane: LaneSpec, cost: StepCost, requests: GenRequests) -> tuple[dict[str, Any], Timeline]:
    """Run one lane over the requests: its batcher's description and its timeline."""
    policy = batcher(lane)
    if isinstance(policy, Continuous):
        return policy.to_json(), run_continuous_fast(policy, cost, requests)
    return policy.to_json(), run_request_level(policy, cost, requests)


def run_generative(scenario: GenScenario, duration_s: float) -> dict[str, Any]:
    """Requests arriving over ``duration_s``, every lane drained: the run/2 report."""
    scenario.validate()
    if not duration_s > 0:
        raise ConfigError("duration", f"must be > 0 seconds, got {duration_s!r}")
    requests = gen_requests(scenario.load, duration_s, scenario.seed)
    if scenario.max_context is not None:
        check_fits_context(requests, scenario.max_context, "max_context")
    cost = StepCost.from_spec(scenario.model)
    lanes = []
    kinds = [lane.kind for lane in scenario.lanes]
    for lane in scenario.lanes:
        described, timeline = serve(lane, cost, requests)
        figures = lane_figures(
            lane.name, described, requests, timeline, scenario.slo_ttft_ms, scenario.slo_tpot_ms
        )
        figures["rejected_over_budget"] = over_budget(batcher(lane), requests, timeline.rejected)
        lanes.append(figures)
    kernel = kernel_name() if any(k in GEN_POLICIES for k in kinds) else None
    return gen_report(scenario, duration_s, "sim", cost.to_json(), requests, lanes, kernel)


def gen_report(
    scenario: GenScenario,
    duration_s: float,
    mode: str,
    model: dict[str, Any],
    requests: GenRequests,
    lanes: list[dict[str, Any]],
    kernel: str | None = None,
) -> dict[str, Any]:
    """The ``batchtui.run/2`` report around the lanes' figures (simulated or live);
    ``kernel``: which loop simulated the continuous lanes (None: none, or a live run)."""
    return {
        "format": GEN_RUN_FORMAT,
        "mode": mode,
        "kernel": kernel,
        "duration_s": duration_s,
        "seed": scenario.seed,
        "load": scenario.load.to_dict(),
        "model": model,
        "slo_ttft_ms": scenario.slo_ttft_ms,
        "slo_tpot_ms": scenario.slo_tpot_ms,
        "requests": len(requests),
        "prompt_tokens": int(requests.prompt.sum()),
        "lanes": lanes,
    }
