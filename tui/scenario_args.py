"""The scenario flags ``batchtui run`` and the dashboard share: one definition, one set of errors.

Load and batcher flags are built from the engine's ``Param`` declarations (``LOAD_PARAMS``,
each policy's ``PARAMS``, the analytic model's table), and so is the map that turns an
engine setting name in an error back into the flag the user typed.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.patterns import PATTERNS, readers
from batchtui.engine.load.spec import LOAD_PARAMS, MAX_RATE_RPS, load_params
from batchtui.engine.models import MODEL_KINDS, ModelSpec
from batchtui.engine.params import Param
from batchtui.engine.policies import POLICIES
from batchtui.engine.scenario import DEFAULT_LANES, LIMIT_PARAMS, SLO_MS, LaneSpec, Scenario
from batchtui.engine.service import load_profile
from batchtui.presets import Preset, resolve
from batchtui.tui.model_args import add_model_arguments, model_flag, model_from_args
from batchtui.tui.model_args import model_kind_and_params as _model_kind
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.shipped_traces import NAMES_HELP, resolve_trace

GEN_RATE_RPS = 4.0
"""The arrival rate of a generative run (and dashboard) left without --rate: a few requests a
second, where the four lanes differ and the continuous one keeps up (not the request-level
default, which saturates every token-level lane)."""
SEED = Param("seed", int, 0, 0, 2**32 - 1, "seed of every random stream")
ANALYTIC_PARAMS: tuple[Param, ...] = MODEL_KINDS["analytic"]


def batcher_params() -> tuple[Param, ...]:
    """Every knob of every registered policy, once each, in registry order (asked each time,
    so a policy registered after import has its flags too)."""
    seen: dict[str, Param] = {}
    for policy in POLICIES.values():
        for param in policy.PARAMS:
            seen.setdefault(param.name, param)
    return tuple(seen.values())


LOAD_FLAGS = {p.name: p.cli_flag for p in LOAD_PARAMS}


def load_flags() -> dict[str, str]:
    """Every load setting's name -> its CLI flag, registered patterns' own knobs included."""
    return {p.name: p.cli_flag for p in load_params()}


def batcher_flags() -> dict[str, str]:
    """Every registered policy knob's engine name -> its CLI flag."""
    return {p.name: p.cli_flag for p in batcher_params()}


SCENARIO_FLAGS = {
    **{p.name: p.cli_flag for p in (*ANALYTIC_PARAMS, *LIMIT_PARAMS, SEED)},
    "service": "--service",
    "device": "--device",
    "lanes": "--lanes",
}
"""Engine setting name -> flag, for every setting a scenario flag gives (errors name the flag)."""


@dataclass(frozen=True)
class ScenarioDefaults:
    """What a command runs when a flag is left out (the dashboard starts on a real model)."""

    model: str = "analytic"
    load: LoadSpec = field(default_factory=LoadSpec)
    slo_ms: float | None = None
    max_queue: int | None = None


def add_scenario_arguments(
    parser: argparse.ArgumentParser, defaults: ScenarioDefaults, unset: Any = None
) -> None:
    """Every scenario flag, in groups; a flag left out is ``unset`` in the parsed args."""
    g = parser.add_argument_group("scenario")
    g.add_argument(
        "--lanes",
        default=unset,
        help="comma-separated batchers, each KIND or NAME=KIND (kinds: "
        f"{', '.join(POLICIES)}; default: {','.join(DEFAULT_LANES)}, plus a preset's kind)",
    )
    add_param_flag(g, SEED, default=SEED.default, unset=unset)
    g.add_argument(
        "--preset",
        metavar="NAME|PATH",
        default=unset,
        help="start from a preset's load, model, SLO and batcher settings (for every lane of "
        "its batcher kind); flags override them (see 'batchtui presets')",
    )

    g = parser.add_argument_group("load")
    for param in load_params():
        default = None if param.name == "ramp_to_rps" else defaults.load.setting(param.name)
        add_param_flag(g, param, default=default, help=_load_help(param), unset=unset)

    g = parser.add_argument_group("batchers (apply to every lane that has the parameter)")
    for param in batcher_params():
        add_param_flag(g, param, default=param.default, help=_batcher_help(param), unset=unset)
    g.add_argument(
        "--set",
        action="append",
        default=[] if unset is None else unset,
        metavar="LANE.PARAM=VALUE",
        help="one lane's parameter, e.g. --set static.max_wait_ms=2 or "
        "--set continuous.chunked_prefill=false (a number, or true/false; repeatable)",
    )

    g = parser.add_argument_group("model (what serves the batches)")
    add_model_arguments(g, defaults.model, unset)
    g.add_argument(
        "--service",
        choices=("real", "profile"),
        default=unset,
        help="torch models in sim mode: real runs every batch on the device (default); "
        "profile measures t(n) once, then simulates from that table (fast what-if)",
    )
    for param in ANALYTIC_PARAMS:
        add_param_flag(g, param, default=param.default, help=f"analytic: {param.help}", unset=unset)
    g.add_argument(
        "--profile",
        metavar="PATH",
        default=unset,
        help="a measured t(n) table (from 'batchtui profile --json')",
    )

    g = parser.add_argument_group("limits")
    for param in LIMIT_PARAMS:
        default = getattr(defaults, param.name, param.default)
        add_param_flag(g, param, default=default, unset=unset)


def _load_help(param: Param) -> str:
    """A load knob's help, prefixed with the patterns that read it when only some do."""
    if param.name == "trace":
        return f"{param.help}, or a shipped trace: {NAMES_HELP}; implies --pattern trace"
    if param.name == "ramp_to_rps":
        return "ramp: final rate (default: twice --rate, or the preset's)"
    reading = readers(param.name)
    prefix = f"{', '.join(reading)}: "
    if param.name == "pattern" or len(reading) > 2 or param.help.startswith(prefix[:-2]):
        return param.help
    return prefix + param.help


def _batcher_help(param: Param) -> str:
    """A batcher knob's help, prefixed with the policies that have it when only some do."""
    kinds = [kind for kind, policy in POLICIES.items() if param in policy.PARAMS]
    prefix = "" if len(kinds) == len(POLICIES) else f"{', '.join(kinds)}: "
    return prefix + param.help


@functools.cache
def _blank() -> dict[str, Any]:
    """Every scenario flag's value when not given, for args parsed with ``unset=SUPPRESS``."""
    parser = argparse.ArgumentParser(add_help=False)
    add_scenario_arguments(parser, ScenarioDefaults())
    return vars(parser.parse_args([]))


def flag_for(where: str, model_kind: str = "analytic") -> str:
    """The flag behind an engine setting name (the name itself if none is)."""
    known = {**SCENARIO_FLAGS, **load_flags()}
    if where in known:
        return known[where]
    if where in ("path", "target", "kind", "heads") or where in _model_names():
        return model_flag(where, model_kind)
    return where


@functools.cache
def _model_names() -> frozenset[str]:
    return frozenset(p.name for table in MODEL_KINDS.values() for p in table)


def scenario_from_args(args: argparse.Namespace, defaults: ScenarioDefaults) -> Scenario:
    """A validated Scenario, every problem reported by the flag that caused it."""
    args = argparse.Namespace(**{**_blank(), **vars(args)})
    preset = resolve(args.preset) if args.preset else None
    if preset is not None and preset.generative:
        raise ConfigError("--preset", generative_preset_refusal(preset, args.preset))
    load = _load_from_args(args, preset, defaults.load)
    model = _model_from_args(args, preset.run_model() if preset else None, defaults.model)
    lanes = _lanes_from_args(args, preset)
    if args.slo_ms is not None:
        slo_ms = checked(SLO_MS, args.slo_ms)
    else:
        slo_ms = (preset.slo_p99_ms if preset else None) or defaults.slo_ms
    scenario = Scenario(
        load=load,
        model=model,
        lanes=lanes,
        max_queue=defaults.max_queue if args.max_queue is None else args.max_queue,
        max_inflight=1 if args.max_inflight is None else args.max_inflight,
        slo_ms=slo_ms,
        seed=checked(SEED, SEED.default if args.seed is None else args.seed),
        device=args.device or (preset.device if preset else "auto"),
        service=args.service or "auto",
        compile=bool(args.compile),
    )
    try:
        scenario.validate()
    except ConfigError as e:
        raise e.at(flag_for(e.where, model.kind)) from None
    return scenario


def generative_preset_refusal(preset: Preset, named: str) -> str:
    """Why a request-level scenario (a run on a request-level model, or the request-level
    dashboard's load dialog) cannot start from a generative preset, and what opens it."""
    return (
        f"{named} is a generative preset (model {preset.model.kind}): run it with "
        f"'batchtui run --preset {named}' or open it with 'batchtui --preset {named}'; "
        "request-level models and dashboards do not run generative scenarios"
    )


def load_from_args(args: argparse.Namespace, base: LoadSpec) -> LoadSpec:
    """The load the flags give over ``base`` (no preset), errors named by flag."""
    return _load_from_args(argparse.Namespace(**{**_blank(), **vars(args)}), None, base)


def _load_from_args(args: argparse.Namespace, preset: Preset | None, base: LoadSpec) -> LoadSpec:
    """The preset's (or the command's) load with the load flags over it.

    ``--trace`` implies the trace pattern; a flag the pattern does not read is refused rather
    than ignored; a ramp's target defaults to twice its start, so it never ramps down unasked.
    """
    given = {p.name: getattr(args, p.name, None) for p in load_params()}
    given = {name: value for name, value in given.items() if value is not None}
    if preset is not None:
        base = preset.run_load()
    if "trace" in given:
        given["trace"] = resolve_trace(given["trace"])
        if given.setdefault("pattern", "trace") != "trace":
            raise ConfigError(
                "--trace", f"only --pattern trace replays a trace, not --pattern {given['pattern']}"
            )
    pattern = given.get("pattern", base.pattern)
    for name in given:
        if name != "pattern" and name not in PATTERNS[pattern].reads:
            reading = readers(name)
            raise ConfigError(
                load_flags()[name],
                f"--pattern {pattern} does not read it; it is for --pattern {' or '.join(reading)}",
            )
    if pattern == "ramp" and "ramp_to_rps" not in given and base.pattern != "ramp":
        rate = given.get("rate_rps", base.rate_rps)
        if isinstance(rate, float) and rate > 0:
            given["ramp_to_rps"] = min(2.0 * rate, MAX_RATE_RPS)
    try:
        load = base.replace(**given)
    except ConfigError as e:
        if e.where == "trace" and "trace" in given and not Path(given["trace"]).exists():
            raise ConfigError("--trace", f"{e.message} (shipped traces: {NAMES_HELP})") from None
        raise e.at(load_flags().get(e.where, e.where)) from None
    return load


def _model_from_args(
    args: argparse.Namespace, preset_model: ModelSpec | None, default: str
) -> ModelSpec:
    """The model the flags name; analytic flags alone mean the analytic model."""
    given = {p.name: getattr(args, p.name) for p in ANALYTIC_PARAMS}
    given = {name: value for name, value in given.items() if value is not None}
    if (
        preset_model is not None
        and not (args.model or args.profile or args.model_param)
        and (not given or preset_model.kind == "analytic")  # analytic flags tune an analytic preset
    ):
        return ModelSpec(preset_model.kind, {**preset_model.params, **given})
    kind = _model_kind(args.model)[0] if args.model else None
    kind = kind or ("profile" if args.profile else "analytic" if given else None)
    kind = kind or _model_kind(default)[0]
    if given and kind != "analytic":
        flags = ", ".join(SCENARIO_FLAGS[k] for k in given)
        raise ConfigError(flags, f"belongs to the analytic model, not --model {args.model or kind}")
    if args.profile and kind != "profile":
        raise ConfigError(  # 'profile' is the kind --profile implies; no flag names it
            "--profile",
            "stands in for the model (the table is its measured cost): leave out "
            f"--model {args.model}, or keep it and add --service profile to measure it first",
        )
    if kind == "profile" and not args.profile:
        raise ConfigError("--profile", "is required with --model profile")
    extra = {name: (SCENARIO_FLAGS[name], value) for name, value in given.items()}
    if args.profile:
        extra["path"] = ("--profile", args.profile)
    spec = model_from_args(args, kind, extra)
    if kind == "profile":
        try:
            load_profile(args.profile)
        except ConfigError as e:
            raise e.at("--profile") from None
    return spec


def _lanes_from_args(args: argparse.Namespace, preset: Preset | None) -> tuple[LaneSpec, ...]:
    """The lanes of ``--lanes`` (or the default three), each with its batcher settings.

    A preset's batcher settles every lane of its kind; with ``--lanes`` left out, a preset
    whose kind is in none of the default lanes gets a lane of its own.
    """
    lanes = _parse_lanes(args.lanes) if args.lanes is not None else _default_lanes()
    if preset is not None and all(lane.kind != preset.batcher_kind for lane in lanes):
        if args.lanes is not None:
            raise ConfigError(
                "--lanes",
                f"no lane runs the preset's batcher ({preset.batcher_kind}); add "
                f"{preset.batcher_kind} to --lanes, or leave --lanes out",
            )
        lanes.append(LaneSpec(preset.batcher_kind, preset.batcher_kind, {}))

    from_preset = dict(preset.batcher_params) if preset else {}
    params: dict[str, dict[str, Any]] = {  # the preset's batcher settles its kind's lanes
        lane.name: dict(from_preset) if preset and preset.batcher_kind == lane.kind else {}
        for lane in lanes
    }
    apply_lane_flags(args, lanes, params, batcher_flags(), _param_names)
    out = []
    for lane in lanes:
        try:
            POLICIES[lane.kind](**params[lane.name])
        except ConfigError as e:
            given_by_set = any(s.startswith(f"{lane.name}.{e.where}=") for s in args.set)
            flag = f"--set {lane.name}.{e.where}" if given_by_set else batcher_flags().get(e.where)
            if not given_by_set and preset and getattr(args, e.where, None) is None:
                flag = f"--preset {args.preset}: batcher.{e.where}"
            raise e.at(flag or e.where) from None
        out.append(LaneSpec(lane.name, lane.kind, params[lane.name]))
    return tuple(out)


def apply_lane_flags(
    args: argparse.Namespace,
    lanes: list[LaneSpec],
    params: dict[str, dict[str, Any]],
    flags: dict[str, str],
    names_of: Callable[[str], set[str]],
) -> None:
    """Put each knob flag given (engine name -> flag) into every lane whose kind has it
    (``names_of(kind)``), then each ``--set LANE.PARAM=VALUE``, into ``params``."""
    for name, flag in flags.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        takers = [lane for lane in lanes if name in names_of(lane.kind)]
        if not takers:
            kinds = ", ".join(sorted({lane.kind for lane in lanes}))
            raise ConfigError(flag, f"no lane in --lanes ({kinds}) has this parameter")
        for lane in takers:
            params[lane.name][name] = value
    for item in args.set:
        lane_name, param, value = _parse_set(item, params)
        params[lane_name][param] = value


def _default_lanes() -> list[LaneSpec]:
    return [LaneSpec(kind, kind, {}) for kind in DEFAULT_LANES]


def _parse_lanes(text: str, kinds: Collection[str] = POLICIES) -> list[LaneSpec]:
    """``KIND`` or ``NAME=KIND`` entries, each named and of a registered kind."""
    lanes: list[LaneSpec] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise ConfigError("--lanes", f"has an empty entry in {text!r}")
        name, _, kind = item.partition("=") if "=" in item else (item, "", item)
        name, kind = name.strip(), kind.strip()
        if not name:
            raise ConfigError("--lanes", f"{item!r} has no lane name; write NAME=KIND or KIND")
        if kind not in kinds:
            raise ConfigError(
                "--lanes", f"unknown batcher {kind!r}; expected one of {', '.join(kinds)}"
            )
        lanes.append(LaneSpec(name, kind, {}))
    return lanes


def _param_names(kind: str) -> set[str]:
    return {p.name for p in POLICIES[kind].PARAMS}


_BOOLS = {"true": True, "false": False}
"""How ``--set`` spells an on/off knob (``--set continuous.chunked_prefill=false``)."""


def _parse_set(item: str, params: dict[str, dict[str, Any]]) -> tuple[str, str, float | bool]:
    target, eq, raw = item.partition("=")
    lane_name, dot, param = target.partition(".")
    if not eq or not dot or not param:
        raise ConfigError("--set", f"expected LANE.PARAM=VALUE, got {item!r}")
    if lane_name not in params:
        raise ConfigError("--set", f"no lane {lane_name!r} in --lanes ({', '.join(params)})")
    if raw.strip().lower() in _BOOLS:
        return lane_name, param, _BOOLS[raw.strip().lower()]
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"--set {target}", f"must be a number (or true/false for an on/off knob), got {raw!r}"
        ) from None
    whole = value.is_integer() and "." not in raw and "e" not in raw.lower()
    return lane_name, param, int(value) if whole else value
