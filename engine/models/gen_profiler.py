"""Measure a generative model's steps on the device and fit the analytic-llm coefficients.

Three kinds of step are timed: prefills over several token counts (one sequence, and four
sharing the tokens), decodes over several (sequences, context) points, and mixed steps run
as the live runtime runs them: a prefill call, then a decode call. Shapes are interleaved
round by round, so a slow spell of the machine spreads over all of them; each timed step
follows ``lead_decodes`` untimed one-sequence decodes, as a live step follows the running
sequences' decodes (timed right after another shape, a 256-token prefill, a lone decode read
13-17% slower than it runs live, where decodes follow decodes; after the larger shapes and
one decode, still 12% slower; after three, as live: bench/RESULTS.md). Then ``idle_repeats``
prefills of each size are timed right after the device idled ``idle_gap_ms``, each followed by
the same prefill back to back: what the first takes beyond the fit's price (medians) is the
idle restart (StepCost.idle_restart_ms), charged to steps that follow more than
``idle_after_ms`` of idle. The first is timed as a live lane pays it: from when its sleep was
to end, through the runtime's own slice and inference-mode entry. Its tokens are made
before the idle, as the live runtime's are: made after it, they woke the CPU before the timer
started and hid part of the restart.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost, attended
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.step_fit import fit_step_cost
from batchtui.engine.gen.step_profile import GenProfile, IdlePoint, StepPoint, price_ms
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.models.generative import GenerativeModel, load_generative
from batchtui.engine.models.reasons import reason
from batchtui.engine.models.spec import ModelSpec

CONTEXTS = (64, 256, 1024)
"""Context lengths of the decoding sequences measured (those the model's max_context allows)."""
MIXED_PREFILL_TOKENS = (64, 256)
"""Prefill chunks measured beside decodes in mixed steps."""
IDLE_PREFILL_TOKENS = (16, 64)
"""One-sequence prefills timed after idle: a request arriving at an idle lane starts so."""
IDLE_AFTER_DECODES = 8
"""Decode steps run before each idle gap, as a lane's idle follows a generation's decodes."""


@dataclass(frozen=True)
class GenMeasurement:
    """How much to measure: timings per shape, the largest prefill and decode batch."""

    repeats: int = 7
    max_tokens: int = 512
    max_seqs: int = 32
    idle_gap_ms: float = 100.0
    """How long the device idles before each step timed after idle (0: none timed)."""
    after_decode: bool = True
    """Time each step right after untimed one-sequence decodes (False: right after the
    previous shape, as before)."""
    lead_decodes: int = 3
    """How many untimed decodes lead each timed step (one until 2026-12-03: after the
    profile's larger shapes, a lone decode timed after one read 12% above its live speed,
    after three within 1%: bench/gen_step_order.py; kept for the A/B in
    bench/gen_live_vs_sim.py)."""
    idle_after_ms: float = 1.0
    """The threshold written with the fitted restart: a step after more idle pays it (1 ms:
    far above the live runtime's own gaps between back-to-back steps, ~40 us)."""
    idle_repeats: int = 8
    """Paired after-idle / back-to-back timings per prefill size (a median of 2 x 2 moved
    0-2.8 ms between profiles minutes apart; the pairs cost ``idle_gap_ms`` each)."""
    idle_as_live: bool = True
    """Time the step after idle as a live lane pays it: from the moment its sleep was to
    end (``WallClock.sleep_until``'s target: a late wake counts), with the prompt sliced
    from the device's tokens and inference mode entered after the wake, as ``LiveModel``
    does (False: the module's call alone, as before; kept for the A/B in
    bench/gen_live_vs_sim.py)."""


@dataclass(frozen=True)
class _Shape:
    kind: str
    prefill: tuple[int, ...]  # chunk length of each new sequence
    decode_seqs: int
    context: int  # which pool of decoding sequences (their starting context)


def profile_generative(
    spec: ModelSpec,
    device: torch.device,
    measurement: GenMeasurement,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    model: GenerativeModel | None = None,
) -> GenProfile:
    """Time the steps of ``spec`` on ``device`` and fit the coefficients to the medians.
    ``model``: ``spec`` already loaded on ``device`` (else it is loaded here)."""
    if model is None:
        model = load_generative(spec, device, seed)
    try:
        # The idle timings sleep idle_gap_ms before each: give them half the bar, so the
        # bar does not sit at 100% while they run.
        share = 0.5 if measurement.idle_gap_ms > 0 and progress is not None else 1.0
        points = measure_steps(model, device, measurement, seed, _scaled(progress, 0.0, share))
        idle = measure_idle_steps(
            model, device, measurement, seed, _scaled(progress, share, 1.0 - share)
        )
    except ConfigError:
        raise
    except Exception as e:  # the person's module, or the device running out of memory
        where, label = (
            ("target", spec.params["target"])
            if spec.kind == "gen-factory"
            else ("model", spec.kind)
        )
        raise ConfigError(where, f"{label}: a measured step failed ({reason(e)})") from None
    fit = fit_step_cost(points)
    return GenProfile(
        model=spec.to_dict(),
        device=str(device),
        points=points,
        cost=with_idle_restart(fit.cost, idle, measurement.idle_after_ms),
        r2=fit.r2,
        worst_relative_error=fit.worst_relative_error,
        measured_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seed=seed,
        fitted_ms=fit.fitted_ms,
        idle_points=idle,
        idle_gap_ms=measurement.idle_gap_ms if idle else 0.0,
        torch_threads=torch.get_num_threads() if device.type == "cpu" else None,
    )


def _scaled(
    progress: Callable[[float], None] | None, start: float, share: float
) -> Callable[[float], None] | None:
    """``progress`` told a phase's fraction as its part of the whole."""
    if progress is None or share <= 0:
        return None
    return lambda fraction: progress(start + share * fraction)


def with_idle_restart(cost: StepCost, idle: tuple[IdlePoint, ...], after_ms: float) -> StepCost:
    """``cost`` charging past ``after_ms`` the median of what the steps timed after idle took
    beyond ``cost``'s own price of them (never below 0; unchanged if none were timed). Priced
    against the fit, not the paired back-to-back step: on a shared CPU that one is the slow
    step as often as not (the median of 2 x 2 pairs moved 0-2.8 ms), while the fit comes from
    every shape's interleaved medians, and it is what the simulator adds the restart to."""
    if not idle:
        return cost
    restart = max(0.0, statistics.median(p.median_ms - price_ms(cost, p) for p in idle))
    return dataclasses.replace(cost, idle_restart_ms=restart, idle_after_ms=after_ms)


@torch.inference_mode()
def measure_idle_steps(
    model: GenerativeModel,
    device: torch.device,
    measurement: GenMeasurement,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    clock: WallClock | None = None,
    sizes: Sequence[int] = IDLE_PREFILL_TOKENS,
) -> tuple[IdlePoint, ...]:
    """``measurement.idle_repeats`` timings of one-sequence prefills (of ``sizes`` tokens,
    within --max-tokens), each right after the device idled ``idle_gap_ms`` and then once more
    back to back: paired, so the machine's drift over the profile does not count as a
    surcharge. Both chunks are on the device before the idle. With ``idle_as_live`` the
    first is timed as a live lane pays it, from its wake's target; else the prefill alone."""
    if measurement.idle_gap_ms <= 0 or measurement.idle_repeats <= 0:
        return ()
    clock = clock or WallClock()  # the live lanes' own sleeps (``clock``: tests)
    if measurement.idle_as_live:
        tighten_timer_slack()  # as a live lane does before it serves
    longest = min(measurement.max_tokens, model.max_context)
    tokens = [t for t in sizes if t <= longest] or [longest]
    g = torch.Generator().manual_seed(seed + 1)
    after_idle: dict[int, list[float]] = {t: [] for t in tokens}
    back_to_back: dict[int, list[float]] = {t: [] for t in tokens}

    def chunk(n: int) -> torch.Tensor:
        return torch.randint(0, model.vocab, (n,), generator=g).to(device)

    def timed(tokens: torch.Tensor) -> tuple[float, list[Any]]:
        synchronize(device)
        started = time.perf_counter()
        states = _states(model.prefill([tokens], [None]), 1, "prefill")
        synchronize(device)
        return (time.perf_counter() - started) * 1000.0, states

    # The live runtime's own model object: its token slice and inference-mode entry, cold
    # after the idle (0.14 ms on a 2-core VM, bench/RESULTS.md), are part of what a lone
    # request pays, and so is a late wake. One request per size, its tokens laid out now.
    live = (
        LiveModel(model, device, GenRequests(np.zeros(len(tokens)), np.array(tokens),
                                             np.ones(len(tokens), dtype=np.int64)), seed)
        if measurement.idle_as_live
        else None
    )  # fmt: skip

    def as_live(live: LiveModel, rid: int, n: int, wake_at: float) -> float:
        """What a live lane's first step after the idle takes from the wake it slept for."""
        clock.sleep_until(wake_at)
        live.prefill([(rid, 0, n)], [None])
        live.sync()
        return (time.perf_counter() - wake_at) * 1000.0

    rounds = measurement.idle_repeats
    generated: list[Any] = []  # the sequence the last back-to-back prefill started
    for round_ in range(rounds):
        for index, t in enumerate(tokens):
            second = chunk(t)
            # A live lane idles after a generation, not after a lone prefill: decode first
            # (after decodes the prefill that follows idle is slower still, bench/RESULTS.md).
            for _ in range(min(IDLE_AFTER_DECODES, model.max_context - t) if generated else 0):
                generated = _states(model.decode(generated), 1, "decode")
            synchronize(device)
            if live is not None:
                wake_at = time.perf_counter() + measurement.idle_gap_ms / 1000.0
                ms = as_live(live, index, t, wake_at)
            else:
                first = chunk(t)  # made before the idle, as the live runtime's are
                time.sleep(measurement.idle_gap_ms / 1000.0)
                ms, _ = timed(first)
            after_idle[t].append(ms)
            ms, generated = timed(second)
            back_to_back[t].append(ms)
            if progress is not None:
                progress((round_ * len(tokens) + index + 1) / (rounds * len(tokens)))
    return tuple(_idle_point(t, after_idle[t], statistics.median(back_to_back[t])) for t in tokens)


def _idle_point(tokens: int, ms: list[float], back_to_back_ms: float) -> IdlePoint:
    return IdlePoint(
        kind="prefill", prefill_tokens=tokens, prefill_seqs=1, decode_seqs=0, context_tokens=0,
        median_ms=statistics.median(ms), min_ms=min(ms), max_ms=max(ms), repeats=len(ms),
        prefill_sq=attended(tokens), back_to_back_ms=back_to_back_ms,
    )  # fmt: skip


@torch.inference_mode()  # a person's module may not turn autograd off itself
def measure_steps(
    model: GenerativeModel,
    device: torch.device,
    measurement: GenMeasurement,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> tuple[StepPoint, ...]:
    """Median (and range) of ``measurement.repeats`` timings of every step shape, after one
    untimed round of warm-up."""
    shapes, contexts = _shapes(model.max_context, measurement)
    g = torch.Generator().manual_seed(seed)

    def prompt(n: int) -> torch.Tensor:
        return torch.randint(0, model.vocab, (n,), generator=g).to(device)

    pools = {c: _prefilled(model, prompt, c, measurement) for c in contexts}
    lengths = {c: [c] * measurement.max_seqs for c in contexts}
    lead = _LeadDecode(model, prompt, contexts[0]) if measurement.after_decode else None
    samples: dict[_Shape, list[tuple[float, int]]] = {s: [] for s in shapes}
    total = (measurement.repeats + 1) * len(shapes)
    for round_ in range(measurement.repeats + 1):
        for index, shape in enumerate(shapes):
            chunks = [prompt(n) for n in shape.prefill]
            n = shape.decode_seqs
            pool, length = pools.get(shape.context, []), lengths.get(shape.context, [])
            context = sum(length[:n])
            if lead is not None:
                for _ in range(measurement.lead_decodes):
                    lead.step()
            synchronize(device)
            started = time.perf_counter()
            if chunks:
                _states(model.prefill(chunks, [None] * len(chunks)), len(chunks), "prefill")
            if n:
                pool[:n] = _states(model.decode(pool[:n]), n, "decode")
            synchronize(device)
            ms = (time.perf_counter() - started) * 1000.0
            length[:n] = [k + 1 for k in length[:n]]
            if round_:  # the first round warms up
                samples[shape].append((ms, context))
            if progress is not None:
                progress((round_ * len(shapes) + index + 1) / total)
    return tuple(_point(shape, timings) for shape, timings in samples.items())


class _LeadDecode:
    """One sequence, decoded untimed before each timed step; re-prefilled (untimed) before
    its context reaches the model's limit."""

    def __init__(
        self, model: GenerativeModel, prompt: Callable[[int], torch.Tensor], context: int
    ) -> None:
        self._model, self._prompt = model, prompt
        self._context = max(1, min(context, model.max_context // 2))
        self._state: list[Any] = []
        self._length = model.max_context  # prefilled at the first step

    def step(self) -> None:
        if self._length >= self._model.max_context - 1:
            prefill = self._model.prefill([self._prompt(self._context)], [None])
            self._state, self._length = _states(prefill, 1, "prefill"), self._context
        self._state = _states(self._model.decode(self._state), 1, "decode")
        self._length += 1


def _states(out: object, n: int, method: str) -> list[Any]:
    """What ``method`` returned, if it is one state per sequence given."""
    if not isinstance(out, list | tuple) or len(out) != n:
        got = f"{len(out)} states" if isinstance(out, list | tuple) else type(out).__name__
        raise ValueError(f"{method} returned {got} for {n} sequences; expected a list of {n}")
    return list(out)


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work: its clock time is only real after this."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _shapes(max_context: int, m: GenMeasurement) -> tuple[list[_Shape], list[int]]:
    token_counts = sorted(
        {t for t in (16, 32, 64, 128, 256, 512, 1024, 2048) if t < m.max_tokens} | {m.max_tokens}
    )
    seq_counts = sorted({n for n in (1, 4, 16, 64, 256) if n < m.max_seqs} | {m.max_seqs})
    prefills = [
        _Shape("prefill", (t // k,) * k, 0, 0)
        for t in token_counts
        for k in (1, 4)
        if 1 <= t // k <= max_context and (k == 1 or t // k >= 4)
    ]
    mixed_tokens = sorted({min(t, m.max_tokens, max_context) for t in MIXED_PREFILL_TOKENS})
    mixed_seqs = sorted({min(4, m.max_seqs), m.max_seqs})
    # Each use of a pool's sequences grows their context by one token: leave room for all.
    uses = (m.repeats + 1) * (len(seq_counts) + len(mixed_tokens) * len(mixed_seqs))
    room = max_context - uses
    contexts = [c for c in CONTEXTS if c <= room] or ([room] if room >= 1 else [])
    if not contexts or not prefills:
        raise ConfigError(
            "max_context",
            f"{max_context} is too short to profile with {m.repeats} repeats; it needs "
            f"at least {uses + 1} tokens (or fewer --repeats)",
        )
    decodes = [_Shape("decode", (), n, c) for c in contexts for n in seq_counts]
    middle = contexts[len(contexts) // 2]
    mixed = [_Shape("mixed", (t,), n, middle) for t in mixed_tokens for n in mixed_seqs]
    return prefills + decodes + mixed, contexts


def _prefilled(
    model: GenerativeModel,
    prompt: Callable[[int], torch.Tensor],
    context: int,
    m: GenMeasurement,
) -> list[Any]:
    """``m.max_seqs`` sequences with ``context`` tokens in their caches, prefilled in groups
    of about ``m.max_tokens`` tokens (so building them needs no more memory than a step)."""
    group = max(1, m.max_tokens // context)
    states: list[Any] = []
    while len(states) < m.max_seqs:
        k = min(group, m.max_seqs - len(states))
        states += _states(
            model.prefill([prompt(context) for _ in range(k)], [None] * k), k, "prefill"
        )
    return states


def _point(shape: _Shape, timings: list[tuple[float, int]]) -> StepPoint:
    ms = [t for t, _ in timings]
    return StepPoint(
        kind=shape.kind,
        prefill_tokens=sum(shape.prefill),
        prefill_seqs=len(shape.prefill),
        decode_seqs=shape.decode_seqs,
        context_tokens=round(statistics.fmean(c for _, c in timings)),
        median_ms=statistics.median(ms),
        min_ms=min(ms),
        max_ms=max(ms),
        repeats=len(ms),
        prefill_sq=sum(attended(n) for n in shape.prefill),  # fresh sequences: nothing cached
    )
