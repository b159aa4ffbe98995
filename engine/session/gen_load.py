"""Generative arrivals for an open-ended session: times with prompt and output tokens, pulled
in chunks of virtual time, the load changeable from the cursor on (a slider moved).

The same sources as a headless run (``engine/gen/workload.py``): synthetic arrival times with
lognormal lengths, or a trace read twice, once per token column, replayed in lock step. A
change of a trace's speed carries on from where the replay was (not from the trace's start).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from batchtui.engine.gen.workload import (
    DEFAULT_OUTPUT_TOKENS,
    DEFAULT_PROMPT_TOKENS,
    _token_traces,
    check_token_columns,
    lognormal_lengths,
)
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.load.patterns import arrival_times
from batchtui.engine.load.replay import TraceReplay

Chunk = tuple[np.ndarray, np.ndarray]
"""Arrival times (seconds, ascending) and per arrival its prompt and output tokens (int64)."""


class _Synthetic:
    def __init__(self, spec: LoadSpec, origin: float, seeds: list[np.random.SeedSequence]) -> None:
        times_seed, prompt_seed, output_seed = seeds
        self._times = arrival_times(spec, origin, times_seed)
        self._prompt = (spec.prompt_tokens or DEFAULT_PROMPT_TOKENS, spec.prompt_cv or 0.0)
        self._output = (spec.output_tokens or DEFAULT_OUTPUT_TOKENS, spec.output_cv or 0.0)
        self._prompt_rng = np.random.default_rng(prompt_seed)
        self._output_rng = np.random.default_rng(output_seed)

    def until(self, end: float) -> Chunk:
        times = self._times.until(end)
        n = len(times)
        prompt = lognormal_lengths(*self._prompt, n, self._prompt_rng)
        return times, np.column_stack(
            (prompt, lognormal_lengths(*self._output, n, self._output_rng))
        )


class _Trace:
    """A trace's two token columns replayed in lock step from ``origin``; or, given the
    replay it follows on the same trace (its speed changed), from where that one was."""

    def __init__(self, spec: LoadSpec, origin: float, after: _Trace | None = None) -> None:
        prompts, outputs = _token_traces(spec)
        self.spec = spec
        self._period = prompts.loop_period if spec.loop else math.inf  # in trace seconds
        start = origin
        if after is not None and dataclasses.replace(after.spec, speed=spec.speed) == spec:
            start = origin - after.position(origin) / spec.speed
        self.origin = start
        self._prompts = TraceReplay(prompts, spec.speed, spec.loop, start)
        self._outputs = TraceReplay(outputs, spec.speed, spec.loop, start)
        if start < origin:
            self.until(origin)  # replayed already, at the earlier speed

    def position(self, at: float) -> float:
        """How far into the trace (its own seconds, within the pass) the replay is at ``at``."""
        elapsed = (at - self.origin) * self.spec.speed
        return elapsed % self._period if self._period > 0 else elapsed

    def until(self, end: float) -> Chunk:
        times, prompt = self._prompts.until(end)
        _, output = self._outputs.until(end)  # the same rows: the same times
        return times, np.column_stack((prompt, output)).astype(np.int64)


class GenLoad(LoadGenerator):
    """LoadGenerator's seeded, chunk-invariant stream, each arrival's size being its
    (prompt, output) tokens: ``sizes`` has two columns."""

    def set_spec(self, spec: LoadSpec, at: float | None = None) -> None:
        """Arrivals follow ``spec`` from ``at`` (default: the cursor); ConfigError if its
        token columns cannot be read."""
        check_token_columns(spec)
        super().set_spec(spec, at)

    def _open(self, spec: LoadSpec, origin: float) -> _Synthetic | _Trace:
        # Three streams per spec, spawned in order: the first spec's are gen_requests' own,
        # so a session sees the very requests a headless run of the same seed does.
        seeds = self._seeds.spawn(3)
        if spec.pattern == "trace":
            previous = getattr(self, "_source", None)  # a speed change resumes the replay
            return _Trace(spec, origin, previous if isinstance(previous, _Trace) else None)
        return _Synthetic(spec, origin, seeds)
