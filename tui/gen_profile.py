"""``batchtui profile --model tiny-gpt`` (or gen-factory): time the model's prefill, decode and
mixed steps on the device, fit the analytic-llm coefficients, and print (and save) the fit."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Collection
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.step_profile import GEN_PROFILE_FORMAT, GenProfile, price_ms
from batchtui.engine.models import ModelSpec
from batchtui.engine.params import Param
from batchtui.tui.model_args import model_flag
from batchtui.tui.param_flags import add_param_flag

MAX_TOKENS = Param(
    "max_tokens", int, 512, 1, 1_048_576, "generative: largest prefill step measured, tokens"
)
MAX_SEQS = Param(
    "max_seqs", int, 32, 1, 4096, "generative: most decoding sequences in a measured step"
)
GEN_MEASUREMENT = (MAX_TOKENS, MAX_SEQS)
"""What only a generative profile reads (besides the shared --repeats and --seed)."""
POOR_FIT_R2 = 0.5
"""Below this R² the fit explains less than half of how the measured steps vary, so times
simulated from it can be far off: ``profile`` and ``run --profile`` warn on stderr."""
MIXED_DOMINATES = 0.5
"""Mixed steps are said to be the fit's error when they hold more than this share of it."""
QUICK = {"repeats": 3, "max_tokens": 256, "max_seqs": 8}
"""The measurement ``run`` makes when it is given a generative torch model without --profile
(``max_tokens`` at least: it reaches the load's longest prompt, ``prefill_reach``)."""
QUICK_REACH_CAP = 4096
"""The longest prefill a quick profile times (a 4,096-token prefill of the default tiny-gpt
took 0.43-0.51 s a timing on one thread of the 2-core Xeon VM); a longer prompt is priced by
the fit's square term."""


def quick_measurement(longest_prompt: int) -> dict[str, int]:
    """``QUICK`` timing prefills as far as ``prefill_reach`` says for the load."""
    return {**QUICK, "max_tokens": prefill_reach(longest_prompt)}


def prefill_reach(longest_prompt: int) -> int:
    """The largest prefill a quick profile times for a load whose longest prompt is
    ``longest_prompt``: a prefill's attention grows with its square, so a fit to short
    prompts alone prices long ones low (bench/RESULTS.md)."""
    return min(QUICK_REACH_CAP, max(QUICK["max_tokens"], longest_prompt))


def largest_prefill(profile: GenProfile) -> int:
    """The longest single prompt ``profile`` timed (0: none)."""
    return max((p.prefill_tokens for p in profile.points if p.prefill_seqs == 1), default=0)


def measure(
    spec: ModelSpec,
    device_name: str,
    seed: int,
    repeats: int,
    max_tokens: int,
    max_seqs: int,
    note: str | Callable[[Any], str] | None = None,
    loaded: Callable[[Any], None] | None = None,
) -> GenProfile:
    """Load ``spec`` on the device and profile it (progress on stderr); errors name flags.
    On the CPU it runs with the torch threads a live run serves with (``torch_threads``).
    ``loaded`` is shown the model first (it may refuse it, naming a flag), then ``note`` (or
    what it says of the model) is said on stderr."""
    from batchtui.engine.device import resolve_device
    from batchtui.engine.models.gen_profiler import GenMeasurement, profile_generative
    from batchtui.engine.models.generative import load_generative
    from batchtui.engine.tune.conditions import torch_threads
    from batchtui.tui.progress import stderr_progress

    try:
        device = resolve_device(device_name)
        model = load_generative(spec, device, seed)
        if loaded is not None:
            loaded(model)
        if note is not None:
            print(note(model) if callable(note) else note, file=sys.stderr)
        with torch_threads(str(device)):  # the count live runs serve with
            return profile_generative(
                spec,
                device,
                GenMeasurement(repeats, max_tokens, max_seqs),
                seed,
                stderr_progress(f"profiling {spec.kind}"),
                model,
            )
    except ConfigError as e:
        if e.where.startswith("--"):  # ``loaded`` named it
            raise
        flag = {"max_context": "--model-param max_context", "model": "--model"}.get(e.where)
        raise e.at(flag or model_flag(e.where, spec.kind)) from None


def quick_profile(
    spec: ModelSpec,
    device_name: str,
    seed: int,
    loaded: Callable[[Any], None] | None = None,
    longest_prompt: int = 0,
) -> GenProfile:
    """The short profile ``run`` takes first when no ``--profile`` is given, said on stderr,
    timing prefills up to the load's ``longest_prompt`` (``prefill_reach``); ``loaded`` as
    for ``measure``."""
    params = "".join(f" --model-param {k}={v}" for k, v in spec.params.items())
    reach = prefill_reach(longest_prompt)

    def note(model: Any) -> str:
        longest = min(reach, int(model.max_context))  # no longer prompt fits the model
        tokens = "" if reach == QUICK["max_tokens"] else f" --max-tokens {reach}"
        return (
            f"note: no --profile given, so {spec.kind} is profiled first ({QUICK['repeats']} "
            f"repeats, prompts up to {longest} tokens); keep one with 'batchtui profile "
            f"--model {spec.kind}{params}{tokens} --json FIT.json' and pass --profile FIT.json"
        )

    quick = quick_measurement(longest_prompt)
    return measure(spec, device_name, seed, **quick, note=note, loaded=loaded)


def refit(spec: ModelSpec, device_name: str, seed: int, longest_prompt: int = 0) -> StepCost:
    """The quick profile measured again after a tune's live runs: how far the machine's
    speed moved since the fit the search ran on (``gen_validation.Refit``)."""
    note = f"refitting {spec.kind} after the live runs, to see whether the machine's speed moved"
    return measure(spec, device_name, seed, **quick_measurement(longest_prompt), note=note).cost


def max_context(spec: ModelSpec, device_name: str, seed: int) -> int:
    """The longest prompt + output ``spec`` takes: tiny-gpt's model param, or what a
    gen-factory's module says (it is loaded to ask; errors name flags as ``measure`` does)."""
    if spec.kind != "gen-factory":
        return int(spec.validate()["max_context"])
    from batchtui.engine.device import resolve_device
    from batchtui.engine.models.generative import load_generative

    try:
        return int(load_generative(spec, resolve_device(device_name), seed).max_context)
    except ConfigError as e:
        raise e.at("--model" if e.where == "model" else model_flag(e.where, spec.kind)) from None


def check_profile_model(
    profile: GenProfile, spec: ModelSpec, device_name: str | None, given: Collection[str] = ()
) -> None:
    """A profile measured on another model (or device) than the flags name: one line saying
    which ``--model-param`` would match it (``given``: the model params the flags set)."""
    wanted = spec.to_dict()
    if profile.model.get("kind") != wanted["kind"]:
        raise ConfigError(
            "--profile", f"was measured on {profile.model.get('kind')}, not {wanted['kind']}"
        )
    differ = [(k, v, profile.model.get(k)) for k, v in wanted.items() if profile.model.get(k) != v]
    if differ:
        name, value, measured = differ[0]
        fix = " ".join(f"--model-param {k}={m}" for k, _, m in differ)
        verb = "use" if any(k in given for k, _, _ in differ) else "add"
        raise ConfigError(
            "--profile",
            f"was measured with {name}={measured!r}, not {value!r} ({verb} {fix} to run that "
            "model, or profile this one)",
        )
    if device_name not in (None, "auto") and not profile.device.startswith(device_name):
        raise ConfigError("--profile", f"was measured on {profile.device}, not {device_name}")


def format_gen_profile(profile: GenProfile) -> str:
    """The fitted coefficients, the fit's quality, and every measured step beside its fit."""
    c, model = profile.cost, profile.model
    params = " ".join(f"{k}={v}" for k, v in model.items() if k != "kind")
    lines = [
        f"batchtui profile · {model.get('kind')} ({params}) on {profile.device} · "
        f"median of {profile.points[0].repeats} runs · {GEN_PROFILE_FORMAT}",
        "",
        f"step_ms {c.step_ms:.4g} · prefill_ms_per_token {c.prefill_ms_per_token:.4g} · "
        f"decode_ms_per_seq {c.decode_ms_per_seq:.4g} · context_ms_per_token "
        f"{c.context_ms_per_token:.4g}"
        + (f" · mixed_step_ms {c.mixed_step_ms:.4g}" if c.mixed_step_ms else "")
        + (
            f" · prefill_ms_per_token_sq {c.prefill_ms_per_token_sq:.3g}"
            if c.prefill_ms_per_token_sq
            else ""
        ),
        f"fit: R² {profile.r2:.3f} · worst relative error {profile.worst_relative_error:.1%}",
        *idle_lines(profile),
        "",
        f"{'step':<8} {'prefill':>8} {'seqs':>5} {'decode':>6} {'context':>8} "
        f"{'median ms':>10} {'fitted ms':>10} {'error':>7}",
    ]
    for p, fitted in zip(profile.points, profile.fitted_ms, strict=True):
        lines.append(
            f"{p.kind:<8} {p.prefill_tokens:>8} {p.prefill_seqs:>5} {p.decode_seqs:>6} "
            f"{p.context_tokens:>8} {p.median_ms:>10.3f} {fitted:>10.3f} "
            f"{(fitted - p.median_ms) / p.median_ms:>+7.0%}"
        )
    mixed = mixed_error_share(profile)
    if mixed is not None and mixed > MIXED_DOMINATES:
        lines += ["", f"note: {_MIXED} ({mixed:.0%} of the squared relative error)"]
    return "\n".join(lines)


def idle_lines(profile: GenProfile) -> list[str]:
    """The idle restart fitted, and the steps it came from (none if it was not measured)."""
    if not profile.idle_points:
        return []
    c = profile.cost
    steps = ", ".join(
        f"{p.prefill_tokens}-token prefill {p.median_ms:.3f} ms vs {price_ms(c, p):.3f} "
        f"({p.back_to_back_ms:.3f} back to back)"
        for p in profile.idle_points
    )
    return [
        f"idle_restart_ms {c.idle_restart_ms:.4g} after idle_after_ms {c.idle_after_ms:g} "
        f"(steps after {profile.idle_gap_ms:g} ms idle vs the fit's price: {steps})"
    ]


_MIXED = (
    "mixed steps run as two calls (a prefill, then a decode), whose second call one constant "
    "(mixed_step_ms) prices only roughly, so most of the fit's error is theirs"
)


def mixed_error_share(profile: GenProfile) -> float | None:
    """The share of the fit's squared relative error in its mixed steps (None: not known)."""
    if not profile.fitted_ms:
        return None
    errors = [
        ((f - p.median_ms) / p.median_ms) ** 2
        for p, f in zip(profile.points, profile.fitted_ms, strict=True)
    ]
    total = sum(errors)
    if total <= 0:
        return None
    mixed = sum(e for p, e in zip(profile.points, errors, strict=True) if p.kind == "mixed")
    return mixed / total


def poor_fit_warning(profile: GenProfile, what: str) -> str | None:
    """One stderr line when ``what`` (the fit, or a --profile file) fits its steps poorly."""
    if not profile.r2 < POOR_FIT_R2:  # NaN (not recorded) says nothing
        return None
    line = (
        f"warning: {what} fits its measured steps poorly (R² {profile.r2:.2f}, below "
        f"{POOR_FIT_R2}; worst relative error {profile.worst_relative_error:.1%}), so times "
        "simulated from it can be far off; profile again (more --repeats, a quieter machine)"
    )
    mixed = mixed_error_share(profile)
    if mixed is not None and mixed > MIXED_DOMINATES:
        line += f"; {_MIXED}"
    return line


def fitted_model(profile: GenProfile, path: str | None) -> tuple[ModelSpec, dict[str, Any]]:
    """The analytic-llm model a run simulates with, and where its coefficients came from."""
    return ModelSpec("analytic-llm", dataclasses.asdict(profile.cost)), profile.source_json(path)


def add_gen_profile_arguments(group: argparse._ArgumentGroup) -> None:
    """``--max-tokens`` and ``--max-seqs``: what a generative profile measures."""
    for param in GEN_MEASUREMENT:
        add_param_flag(group, param, default=param.default)
