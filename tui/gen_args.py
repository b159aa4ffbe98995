"""The flags of a generative ``batchtui run``: the continuous lane's knobs, token SLOs, and
the scenario they build (``--model analytic-llm``), every problem named by its flag."""

from __future__ import annotations

import argparse
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.continuous import PARAMS as CONTINUOUS_PARAMS
from batchtui.engine.gen.run import DEFAULT_GEN_LANES, GEN_LANE_KINDS, GenScenario, batcher
from batchtui.engine.load.spec import GEN_FIELDS
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_KINDS
from batchtui.engine.params import Param, fmt
from batchtui.engine.scenario import LaneSpec
from batchtui.presets import Preset, resolve
from batchtui.tui.gen_preset import preset_model, preset_params, preset_slos, with_preset_lane
from batchtui.tui.model_args import model_from_args, model_kind_and_params
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.scenario_args import (
    GEN_RATE_RPS,
    SCENARIO_FLAGS,
    SEED,
    ScenarioDefaults,
    _parse_lanes,
    apply_lane_flags,
    batcher_flags,
    load_from_args,
)

SLO_TTFT_MS = Param(
    "slo_ttft_ms", float, None, 0.0, 3_600_000.0, "time-to-first-token SLO; reports goodput",
    above=True, unit="ms",
)  # fmt: skip
SLO_TPOT_MS = Param(
    "slo_tpot_ms", float, None, 0.0, 3_600_000.0, "time-per-output-token SLO; reports goodput",
    above=True, unit="ms",
)  # fmt: skip
GEN_PARAMS = (*CONTINUOUS_PARAMS, SLO_TTFT_MS, SLO_TPOT_MS)
GEN_FLAGS = {p.name: p.cli_flag for p in GEN_PARAMS}
NOT_READ = {
    "profile": "--profile",
    "compile": "--compile",
    **{name: flag for name, flag in SCENARIO_FLAGS.items() if name not in ("seed", "lanes")},
}
"""Scenario flags a generative run does not read (refused rather than ignored)."""


def add_gen_arguments(parser: argparse.ArgumentParser, unset: Any = None) -> None:
    """The continuous lane's knobs and the token SLOs, read with ``--model analytic-llm``;
    a flag left out is ``unset`` in the parsed args. ``--rate`` and ``--lanes`` (added before)
    then also say the generative defaults."""
    generative = {
        "rate_rps": (" req/s)", f" req/s; generative models: {fmt(GEN_RATE_RPS)} req/s)"),
        "lanes": (
            ", plus a preset's kind)",
            f", plus a preset's kind; generative models also take continuous, default: "
            f"{','.join(DEFAULT_GEN_LANES)})",
        ),
    }
    for action in parser._actions:
        if action.dest in generative and action.help:
            action.help = action.help.replace(*generative[action.dest])
    g = parser.add_argument_group("generative models (--model analytic-llm)")
    for param in GEN_PARAMS:
        if param.kind is bool:  # on by default, so the flag must be able to turn it off
            g.add_argument(
                param.cli_flag,
                dest=param.name,
                action=argparse.BooleanOptionalAction,
                default=unset,
                help=f"continuous: {param.help} (default: on)",
            )
            continue
        prefix = "continuous: " if param in CONTINUOUS_PARAMS else ""
        add_param_flag(g, param, default=param.default, help=prefix + param.help, unset=unset)


def is_generative(args: argparse.Namespace) -> bool:
    """Whether ``--model`` names a generative model (or, without ``--model``, ``--preset``
    a generative preset)."""
    model = getattr(args, "model", None)  # the dashboard leaves unset flags out
    if not model:
        preset = getattr(args, "preset", None)
        return bool(preset) and resolve(preset).generative
    return model_kind_and_params(model)[0] in GENERATIVE_KINDS


def refuse_gen_flags(args: argparse.Namespace) -> None:
    """A request-level run given a generative flag: one line naming it."""
    for param in GEN_PARAMS:
        if getattr(args, param.name, None) is not None:
            raise ConfigError(
                param.cli_flag, "is read by generative runs only (add --model analytic-llm)"
            )


def gen_scenario_from_args(
    args: argparse.Namespace, defaults: ScenarioDefaults, fitted: ModelSpec | None = None
) -> GenScenario:
    """The generative scenario the flags describe, validated. ``fitted``: the analytic-llm
    model that stands for a generative torch model (tiny-gpt) with ``--profile`` read."""
    mode = getattr(args, "mode", "sim")  # the dashboard has no --mode: it simulates
    reads = {"profile"} if fitted is not None else set()
    if mode == "live":
        reads.add("device")  # the live model's device
    for name, flag in NOT_READ.items():
        if name in reads:
            continue
        if getattr(args, name, None) not in (None, False):
            if name == "profile" and mode == "live":
                raise ConfigError(
                    flag, "is not read by live runs (they time the model itself); leave out "
                    "--mode live to simulate from the profile",
                )  # fmt: skip
            raise ConfigError(flag, "is not read by generative runs (--model analytic-llm)")
    preset = resolve(args.preset) if args.preset else None
    load = load_from_args(args, preset.run_load() if preset else defaults.load)
    if fitted is not None:
        model = fitted
    elif preset is not None and not args.model:
        model = preset_model(args, preset)
    else:
        model = model_from_args(args, "analytic-llm")
    slos = {p.name: checked(p, getattr(args, p.name)) for p in (SLO_TTFT_MS, SLO_TPOT_MS)
            if getattr(args, p.name) is not None}  # fmt: skip
    scenario = GenScenario(
        load=load,
        model=model,
        lanes=_lanes(args, preset),
        seed=checked(SEED, SEED.default if args.seed is None else args.seed),
        **{**preset_slos(preset), **slos},
    )
    try:
        scenario.validate(mode)
    except ConfigError as e:
        if e.where == "kind":  # a torch model where only analytic-llm simulates: the dashboard
            raise _needs_analytic(args, model.kind) from None
        flags = {**{name: "--" + name.replace("_", "-") for name in GEN_FIELDS}, **GEN_FLAGS}
        flags["mode"] = "--mode"
        raise e.at(flags.get(e.where, e.where)) from None
    return scenario


def _needs_analytic(args: argparse.Namespace, kind: str) -> ConfigError:
    """The dashboard given tiny-gpt (or gen-factory), by ``--model`` or a preset: it simulates
    analytic-llm only; ``batchtui run`` fits or serves the real model."""
    said = (
        "the dashboard simulates analytic-llm"
        if not hasattr(args, "mode")
        else ("a generative simulation runs on analytic-llm")
    )
    if args.model:
        return ConfigError(
            "--model", f"{said}, not {kind}; use 'batchtui run --model {kind}' for the real decoder"
        )
    return ConfigError(
        f"--preset {args.preset}: model.kind",
        f"{said}, not {kind}; use 'batchtui run --preset {args.preset}' for the real decoder",
    )


def _lanes(args: argparse.Namespace, preset: Preset | None) -> tuple[LaneSpec, ...]:
    """``--lanes`` (any batcher or continuous), with batcher flags, knobs and ``--set``."""
    text = args.lanes if args.lanes is not None else ",".join(DEFAULT_GEN_LANES)
    lanes = with_preset_lane(_parse_lanes(text, GEN_LANE_KINDS), preset, args.lanes is not None)
    params: dict[str, dict[str, Any]] = {lane.name: preset_params(lane, preset) for lane in lanes}
    flags = {**batcher_flags(), **{p.name: p.cli_flag for p in CONTINUOUS_PARAMS}}
    apply_lane_flags(args, lanes, params, flags, _param_names)
    out = []
    for lane in lanes:
        spec = LaneSpec(lane.name, lane.kind, params[lane.name])
        try:
            batcher(spec)
        except ConfigError as e:
            by_set = any(s.startswith(f"{lane.name}.{e.where}=") for s in args.set)
            flag = f"--set {lane.name}.{e.where}" if by_set else flags.get(e.where, e.where)
            raise e.at(flag) from None
        out.append(spec)
    return tuple(out)


def _param_names(kind: str) -> set[str]:
    return {p.name for p in batcher(LaneSpec(kind, kind)).PARAMS}
