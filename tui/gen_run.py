"""``batchtui run --model analytic-llm`` (or tiny-gpt, simulated with its fitted profile, or
served live with ``--mode live``): every lane token by token on the same requests."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import run_generative
from batchtui.engine.gen.run import check_fits_context
from batchtui.engine.gen.step_profile import GenProfile, load_gen_profile
from batchtui.engine.gen.workload import gen_requests
from batchtui.engine.load.volume import expected_arrivals
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_TORCH_KINDS
from batchtui.presets import resolve
from batchtui.tui.gen_args import gen_scenario_from_args
from batchtui.tui.gen_live import run_live
from batchtui.tui.gen_preset import preset_model, save_gen_preset
from batchtui.tui.gen_profile import (
    check_profile_model,
    fitted_model,
    largest_prefill,
    max_context,
    poor_fit_warning,
    quick_profile,
)
from batchtui.tui.gen_report import format_gen_report, gen_saturation_warnings
from batchtui.tui.model_args import model_from_args
from batchtui.tui.preset_target import preset_target
from batchtui.tui.run_output import finish_run, run_span
from batchtui.tui.scenario_args import GEN_RATE_RPS, ScenarioDefaults

MAX_GEN_REQUESTS = 2_000_000
"""Requests per run: the token-level lanes keep a few numbers per output token."""


def run_generative_command(
    args: argparse.Namespace, duration: float, json_path: Path | None, defaults: ScenarioDefaults
) -> int:
    """Build the generative scenario, run it, print the table and write the run/2 report."""
    # Without --rate (or a preset's), a few req/s: the request-level default saturates every lane.
    defaults = dataclasses.replace(
        defaults, load=dataclasses.replace(defaults.load, rate_rps=GEN_RATE_RPS)
    )
    if args.preset and not args.model:  # the preset's model (tiny-gpt is fitted, or live)
        spec = preset_model(args, resolve(args.preset))
    else:
        spec = model_from_args(args, "analytic-llm")
    torch_model = spec.kind in GENERATIVE_TORCH_KINDS
    fitted_from = None
    if args.mode == "live":  # the model itself serves (GenScenario.validate checks it can)
        scenario = gen_scenario_from_args(args, defaults)
    else:
        # The cheap checks first (a placeholder stands for the fit); the measurement below.
        scenario = gen_scenario_from_args(
            args, defaults, ModelSpec("analytic-llm") if torch_model else None
        )
    lanes = [lane.name for lane in scenario.lanes]
    save = preset_target(args.save_preset, lanes) if args.save_preset is not None else None
    run_s, cut = run_span(scenario.load, duration)
    expected = expected_arrivals(scenario.load, run_s)
    if expected > MAX_GEN_REQUESTS:
        raise ConfigError(
            "--duration",
            f"with this load it would generate about {expected:,.0f} requests; keep that under "
            f"{MAX_GEN_REQUESTS:,} for a generative run (lower --rate or --duration)",
        )
    if torch_model and args.mode != "live":  # every cheap check passed: measure now
        requests = gen_requests(scenario.load, run_s, scenario.seed)
        limits: list[int] = []

        def fits(limit: int) -> None:  # before any profiling: refused at once, in one line
            limits.append(limit)
            try:
                check_fits_context(requests, limit, "max_context")
            except ConfigError as e:
                raise e.at(context_flag(spec)) from None

        longest = int(requests.prompt.max()) if len(requests) else 0
        profile = profile_for_run(args, spec, fits, longest)
        fitted, fitted_from = fitted_model(profile, args.profile)
        scenario = dataclasses.replace(scenario, model=fitted, max_context=limits[0])
    started = time.perf_counter()
    if args.mode == "live":
        report = run_live(scenario, run_s, args.device or "auto")
    else:
        report = run_generative(scenario, run_s)
    if fitted_from is not None:
        report["model"]["fitted_from"] = fitted_from
    report["wall_s"] = round(time.perf_counter() - started, 3)
    if cut is not None:
        report["duration_s"] = cut  # the arrivals' real span, not the nudge past the last one
    return finish_run(
        args,
        report,
        json_path,
        save,
        lambda lane, path: save_gen_preset(report, scenario, lane, path, report["duration_s"]),
        format_gen_report,
        gen_saturation_warnings(report),
    )


def context_flag(spec: ModelSpec) -> str:
    """Where a model's max_context is set, as a live run names it."""
    return "--model" if spec.kind == "gen-factory" else "--model-param max_context"


def profile_for_run(
    args: argparse.Namespace, spec: ModelSpec, fits: Callable[[int], None], longest_prompt: int
) -> GenProfile:
    """The ``--profile`` given (checked against the model named), or a quick one measured now
    up to the load's ``longest_prompt``; ``fits`` is told the model's max_context before
    anything is measured."""
    if args.profile is None:
        seed = args.seed or 0
        return quick_profile(
            spec, args.device or "auto", seed, lambda m: fits(m.max_context), longest_prompt
        )
    try:
        profile = load_gen_profile(args.profile)
    except ConfigError as e:
        raise e.at("--profile") from None
    given = {item.partition("=")[0].strip() for item in args.model_param or ()}
    check_profile_model(profile, spec, args.device, given)
    warning = poor_fit_warning(profile, f"--profile {args.profile}")
    if warning is not None:
        print(warning, file=sys.stderr)
    fits(max_context(spec, args.device or "auto", args.seed or 0))
    reach = largest_prefill(profile)
    if 0 < reach < longest_prompt:
        print(
            f"warning: --profile {args.profile} timed prefills up to {reach} tokens and this "
            f"load's prompts reach {longest_prompt}: longer ones are priced by extrapolating "
            f"its fit (profile again with --max-tokens {longest_prompt})",
            file=sys.stderr,
        )
    return profile
