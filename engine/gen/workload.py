"""Generative requests: arrival times with prompt and output token counts, from a LoadSpec.

Synthetic lengths are lognormal (mean and CV as given; a CV of 0 gives every request the
mean): LLM prompt and output lengths are right-skewed with a long tail, which a lognormal
fits and a gamma of the same CV under-weights. Traces read two token columns, by their
usual names (Azure: ContextTokens / GeneratedTokens; Mooncake: input_length /
output_length) or as chosen with ``prompt_column`` / ``output_column``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.patterns import arrival_times
from batchtui.engine.load.trace import Trace, load_trace

DEFAULT_PROMPT_TOKENS = 512.0
DEFAULT_OUTPUT_TOKENS = 128.0
OUTPUT_COLUMNS = (
    "generatedtokens", "output_length", "output_tokens", "completion_tokens",
    "response_length", "generated_tokens",
)  # fmt: skip
"""CSV headers / JSONL keys (any case) read as output tokens; the first found wins."""
_MAX_TOKENS = 10_000_000


@dataclass(frozen=True, eq=False)
class GenRequests:
    """Arrivals (seconds, ascending) and each request's prompt and output tokens (int64 >= 1)."""

    times: np.ndarray
    prompt: np.ndarray
    output: np.ndarray

    def __len__(self) -> int:
        return len(self.times)


def lognormal_lengths(mean: float, cv: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` token counts with this mean and CV before rounding; rounded, at least 1."""
    if cv == 0.0:
        return np.full(n, max(1, round(mean)), dtype=np.int64)
    sigma2 = math.log1p(cv * cv)
    draws = rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), n)
    return np.clip(np.rint(draws), 1, _MAX_TOKENS).astype(np.int64)


def gen_requests(spec: LoadSpec, duration_s: float, seed: int) -> GenRequests:
    """Every request arriving in ``[0, duration_s)``, seeded; ConfigError for a bad trace."""
    if spec.pattern == "trace":
        return _from_trace(spec, duration_s)
    times_seed, prompt_seed, output_seed = np.random.SeedSequence(seed).spawn(3)
    times = arrival_times(spec, 0.0, times_seed).until(duration_s)
    prompt = lognormal_lengths(
        spec.prompt_tokens or DEFAULT_PROMPT_TOKENS,
        spec.prompt_cv or 0.0,
        len(times),
        np.random.default_rng(prompt_seed),
    )
    output = lognormal_lengths(
        spec.output_tokens or DEFAULT_OUTPUT_TOKENS,
        spec.output_cv or 0.0,
        len(times),
        np.random.default_rng(output_seed),
    )
    return GenRequests(times, prompt, output)


def check_token_columns(spec: LoadSpec) -> None:
    """For a trace: ConfigError (by ``prompt_column``/``output_column``) unless both token
    columns can be read; the reads are cached, so the run itself reads nothing again."""
    if spec.pattern == "trace":
        _token_traces(spec)


def _token_traces(spec: LoadSpec) -> tuple[Trace, Trace]:
    """The trace read twice: with its prompt-token and with its output-token column."""
    prompts = _read(spec, spec.prompt_column or spec.size_column, "prompt_column")
    column = spec.output_column or _output_column(prompts)
    return prompts, _read(spec, column, "output_column")


def _from_trace(spec: LoadSpec, duration_s: float) -> GenRequests:
    """The trace's requests before ``duration_s`` at its speed (looped if asked)."""
    prompts, outputs = _token_traces(spec)
    offsets = prompts.times / spec.speed
    passes = 1
    if spec.loop:
        period = prompts.loop_period / spec.speed
        passes = max(1, math.ceil(duration_s / period))
        offsets = np.concatenate([offsets + p * period for p in range(passes)])
    times = offsets
    keep = times < duration_s
    prompt = np.tile(prompts.sizes, passes)[keep]
    output = np.tile(outputs.sizes, passes)[keep]
    return GenRequests(times[keep], prompt, output)


def _read(spec: LoadSpec, column: str | None, setting: str) -> Trace:
    """The trace read with ``column`` as its size column; a missing column named by setting."""
    assert spec.trace is not None
    try:
        trace = load_trace(spec.trace, spec.time_column, column, spec.time_unit)
    except ConfigError as e:
        raise e.at(setting) if e.where == "size_column" else e from None
    if trace.size_column is None:
        raise ConfigError(
            setting,
            f"{trace.source} has no prompt-token column; name one (found "
            f"{', '.join(trace.columns)})",
        )
    return trace


def _output_column(trace: Trace) -> str:
    """The trace's output-token column by its usual names, or a ConfigError listing columns."""
    lowered = {name.lower(): name for name in trace.columns}
    for name in OUTPUT_COLUMNS:
        if name in lowered:
            return lowered[name]
    raise ConfigError(
        "output_column",
        f"{trace.source} has no output-token column (GeneratedTokens, output_length, "
        f"output_tokens, ...); name one, found {', '.join(trace.columns)}",
    )
