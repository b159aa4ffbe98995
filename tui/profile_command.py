"""``batchtui profile``: measure a model's batch cost t(n) on the device, as a reusable table."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.step_profile import GEN_PROFILE_FORMAT
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import ProfileTable
from batchtui.engine.models.spec import GENERATIVE_TORCH_KINDS
from batchtui.engine.params import Param
from batchtui.engine.policies.common import MAX_BATCH_SIZE
from batchtui.tui.gen_profile import (
    GEN_MEASUREMENT,
    MAX_SEQS,
    MAX_TOKENS,
    add_gen_profile_arguments,
    format_gen_profile,
    measure,
    poor_fit_warning,
)
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.model_args import add_model_arguments, model_flag, model_from_args
from batchtui.tui.output_path import check_output_path
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.progress import stderr_progress
from batchtui.tui.scenario_args import SEED

DEFAULT_MODEL = "mlp"
MEASUREMENT = (
    dataclasses.replace(MAX_BATCH_SIZE, help="largest batch size measured"),
    Param("repeats", int, 7, 1, 10_000, "timings per batch size; the median is reported"),
    Param("size", int, 1, 1, 10**9, "size of each request, e.g. tokens for the transformer"),
    Param(
        "idle_ms",
        float,
        0.0,
        0.0,
        10_000.0,
        "idle the device this long before each timed batch, as at moderate load; "
        "0 measures back to back, the offline peak",
        unit="ms",
    ),
    dataclasses.replace(SEED, help="seed of the model's weights and inputs"),
)
"""The measurement's knobs: limits and flags declared once, checked before the model loads."""
REQUEST_LEVEL_ONLY = ("max_batch_size", "size", "idle_ms")
"""Knobs of a batch-by-batch profile that a generative profile does not read."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``profile`` and its flags."""
    p = commands.add_parser(
        "profile",
        help="measure a model's batch service time t(n) for a range of batch sizes",
        description=(
            "Warm the model up, then time repeated batches of each size (interleaved, so a "
            "slow spell of the machine does not skew one size) and report the median and "
            "range. The JSON table is reusable: `batchtui run --profile PATH` simulates "
            "with it, fast."
        ),
    )
    p.set_defaults(handler=run)
    g = p.add_argument_group("model")
    add_model_arguments(g, DEFAULT_MODEL)
    g = p.add_argument_group("measurement")
    for param in MEASUREMENT:
        unset = None if param.name in REQUEST_LEVEL_ONLY else param.default
        add_param_flag(g, param, default=param.default, unset=unset)
    add_gen_profile_arguments(g)
    g.add_argument(
        "--json",
        metavar="PATH",
        help=f"write the table (batchtui.profile/1; {GEN_PROFILE_FORMAT} for tiny-gpt) to PATH",
    )


def run(args: argparse.Namespace) -> int:
    """Load, warm up, measure, print (and save) the table."""
    for param in (*MEASUREMENT, *GEN_MEASUREMENT):
        if getattr(args, param.name) is not None:
            setattr(args, param.name, checked(param, getattr(args, param.name)))
    json_path = check_output_path("--json", args.json) if args.json is not None else None
    spec = model_from_args(args, DEFAULT_MODEL)
    if spec.kind in GENERATIVE_TORCH_KINDS:
        return run_gen_profile(args, spec, json_path)
    for param in GEN_MEASUREMENT:
        if getattr(args, param.name) is not None:
            raise ConfigError(param.cli_flag, "is read by generative models only (tiny-gpt)")
    for param in MEASUREMENT:
        if getattr(args, param.name) is None:
            setattr(args, param.name, param.default)
    if not spec.is_torch:
        raise ConfigError("--model", f"profile measures torch models, not {spec.kind!r}")

    from batchtui.engine.models.profiler import profile_runner
    from batchtui.engine.models.runner import ModelRunner

    try:
        runner = ModelRunner(
            spec,
            device=args.device or "auto",
            seed=args.seed,
            max_batch_size=args.max_batch_size,
            compile=args.compile,
        )
        runner.warm_up(args.max_batch_size, progress=stderr_progress("warming up"))
    except ConfigError as e:
        raise e.at(model_flag(e.where, spec.kind)) from None
    table = profile_runner(
        runner,
        args.max_batch_size,
        repeats=args.repeats,
        request_size=args.size,
        idle_ms=args.idle_ms,
        progress=stderr_progress("profiling"),
    )
    return _show(json_path, table.to_json(), format_table(table))


def run_gen_profile(args: argparse.Namespace, spec: ModelSpec, json_path: Path | None) -> int:
    """Measure a generative model's steps, fit analytic-llm, print (and save) the profile."""
    by_name = {p.name: p for p in MEASUREMENT}
    for name in REQUEST_LEVEL_ONLY:
        if getattr(args, name) is not None:
            raise ConfigError(
                by_name[name].cli_flag,
                f"is not read for {spec.kind} (it reads --max-tokens, --max-seqs, --repeats)",
            )
    if args.compile:
        raise ConfigError("--compile", f"is not read for {spec.kind}")
    profile = measure(
        spec,
        args.device or "auto",
        args.seed,
        args.repeats,
        args.max_tokens or MAX_TOKENS.default,
        args.max_seqs or MAX_SEQS.default,
    )
    code = _show(json_path, profile.to_json(), format_gen_profile(profile))
    warning = poor_fit_warning(profile, "the fit")
    if warning is not None:
        print(warning, file=sys.stderr)
    return code


def _show(json_path: Path | None, document: dict[str, Any], table: str) -> int:
    """Save the document (whole or not at all) first, then print the table and where it went."""
    if json_path is not None:
        write_json_atomically(json_path, document)
    print(table)
    if json_path is not None:
        print(f"profile written to {json_path}")
    return 0


def format_table(table: ProfileTable) -> str:
    """One row per batch size: median and range of t(n), per-request cost, throughput."""
    model = table.model
    lines = [
        f"batchtui profile · {model.get('kind')} on {model.get('device', '?')} · "
        f"request size {table.request_size} · median of {table.points[0].repeats} runs"
        + (f" · {table.idle_ms:g} ms idle before each" if table.idle_ms else ""),
        "",
        f"{'batch':>5}  {'median ms':>9}  {'min..max ms':>15}  {'ms/request':>10}  {'req/s':>9}",
    ]
    peak = table.peak.batch_size
    for p in table.points:
        mark = "  * peak" if p.batch_size == peak else ""
        lines.append(
            f"{p.batch_size:>5}  {p.median_ms:>9.3f}  {p.min_ms:>7.3f}..{p.max_ms:<7.3f}  "
            f"{p.median_ms / p.batch_size:>10.4f}  {p.throughput_rps:>9,.0f}{mark}"
        )
    shift = None if table.batch_time is None else table.batch_time.after_idle
    if shift is not None:
        charged = " (the simulator charges it)" if any(shift.shift_ms) else ""
        lines += ["", f"restart after a sleep: {shift.summary()}{charged}"]
    return "\n".join(lines)
