"""``batchtui run``: a headless comparison of the lanes on one load, as a table and as JSON."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import MODES, Lab
from batchtui.engine.load import PATTERNS, LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import POLICIES
from batchtui.engine.scenario import DEFAULT_LANES, LaneSpec, Scenario
from batchtui.engine.service import load_profile
from batchtui.presets import Preset, resolve
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.model_args import add_model_arguments, model_from_args, model_kind_and_params
from batchtui.tui.progress import stage_progress, stderr_progress
from batchtui.tui.report_table import format_report, saturation_warnings

MAX_REQUESTS = 50_000_000  # per lane: about 2 GB of arrival and batch records

# CLI flag -> (engine setting, where it goes). The engine's ConfigError names the setting;
# this table turns it back into the flag the user typed.
LOAD_FLAGS = {
    "pattern": "--pattern",
    "rate_rps": "--rate",
    "burstiness": "--burstiness",
    "on_s": "--on-s",
    "off_s": "--off-s",
    "ramp_to_rps": "--ramp-to",
    "ramp_s": "--ramp-s",
    "amplitude": "--amplitude",
    "period_s": "--period-s",
    "trace": "--trace",
    "speed": "--speed",
    "loop": "--loop",
    "size": "--size",
    "size_cv": "--size-cv",
}
BATCHER_FLAGS = {
    "max_batch_size": "--max-batch-size",
    "max_wait_ms": "--max-wait-ms",
    "min_batch_size": "--min-batch-size",
    "target_latency_ms": "--target-latency-ms",
}
MODEL_FLAGS = {
    "base_ms": "--base-ms",
    "per_item_ms": "--per-item-ms",
    "noise_cv": "--noise-cv",
    "path": "--profile",
    "profile": "--profile",
    "model": "--model",
}
OTHER_FLAGS = {
    "max_queue": "--max-queue",
    "max_inflight": "--max-inflight",
    "slo_ms": "--slo-ms",
    "duration": "--duration",
    "service": "--service",
    "device": "--device",
    "mode": "--mode",
    "lanes": "--lanes",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``run`` and its flags."""
    p = commands.add_parser(
        "run",
        help="compare the batchers headless on one load; print a table, optionally write JSON",
        description=(
            "Run every lane on the same arrivals in the simulator (virtual time: as fast as "
            "the machine allows), drain, and print p50/p99 latency, throughput, mean batch "
            "size, device busy and rejected requests per lane."
        ),
    )
    p.set_defaults(handler=run)
    g = p.add_argument_group("run")
    g.add_argument(
        "--lanes",
        default=",".join(DEFAULT_LANES),
        help="comma-separated batchers, each KIND or NAME=KIND (kinds: "
        f"{', '.join(POLICIES)}; default: %(default)s)",
    )
    g.add_argument(
        "--duration",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="seconds of arrivals (virtual time); the run then drains (default: 10)",
    )
    g.add_argument(
        "--mode",
        choices=MODES,
        default="sim",
        help="sim: discrete-event simulation in virtual time (default); live: serve each lane "
        "in turn on the wall clock, latencies measured end to end",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of every random stream (default: 0)")
    g.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    g.add_argument("--quiet", action="store_true", help="print no table (with --json)")
    g.add_argument(
        "--preset",
        metavar="NAME|PATH",
        help="start from a preset's load, model, SLO and batcher settings (for the lane of its "
        "batcher kind); flags override them (see 'batchtui presets')",
    )

    g = p.add_argument_group("load")
    g.add_argument("--pattern", choices=PATTERNS, help="arrival pattern (default: poisson)")
    g.add_argument(
        "--rate", type=float, metavar="RPS", help="mean arrival rate, requests/s (default: 2000)"
    )
    g.add_argument(
        "--burstiness",
        type=float,
        help="gamma: shape of inter-arrival gaps; 1 = Poisson, < 1 burstier",
    )
    g.add_argument("--on-s", type=float, metavar="S", help="onoff: burst length, seconds")
    g.add_argument("--off-s", type=float, metavar="S", help="onoff: silence between bursts")
    g.add_argument("--ramp-to", type=float, metavar="RPS", help="ramp: final rate, requests/s")
    g.add_argument("--ramp-s", type=float, metavar="S", help="ramp: seconds to reach it")
    g.add_argument("--amplitude", type=float, help="sine: relative swing of the rate, 0..1")
    g.add_argument("--period-s", type=float, metavar="S", help="sine: period, seconds")
    g.add_argument(
        "--trace",
        metavar="PATH",
        help="trace: CSV (Azure LLM, TIMESTAMP) or JSONL (Mooncake, ms timestamps)",
    )
    g.add_argument("--speed", type=float, help="trace: replay speed factor (default: 1)")
    g.add_argument("--loop", action="store_true", default=None, help="trace: repeat at the end")
    g.add_argument("--size", type=float, help="mean request size, e.g. tokens (default: 1)")
    g.add_argument("--size-cv", type=float, help="variation of request sizes (default: 0)")

    g = p.add_argument_group("batchers (apply to every lane that has the parameter)")
    g.add_argument("--max-batch-size", type=int, metavar="N", help="largest batch (default: 32)")
    g.add_argument(
        "--max-wait-ms",
        type=float,
        metavar="MS",
        help="longest queue wait from arrival before a partial batch goes (default: 5)",
    )
    g.add_argument(
        "--min-batch-size",
        type=int,
        metavar="N",
        help="dynamic: hold smaller batches within the wait budget (default: 1)",
    )
    g.add_argument(
        "--target-latency-ms",
        type=float,
        metavar="MS",
        help="dynamic, predictive: latency target (default: 20)",
    )
    g.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="LANE.PARAM=VALUE",
        help="one lane's parameter, e.g. --set static.max_wait_ms=2 (repeatable)",
    )

    g = p.add_argument_group("model (what serves the batches)")
    add_model_arguments(g, "analytic")
    g.add_argument(
        "--service",
        choices=("real", "profile"),
        help="torch models in sim mode: real runs every batch on the device (default); "
        "profile measures t(n) once, then simulates from that table (fast what-if)",
    )
    g.add_argument(
        "--base-ms", type=float, metavar="MS", help="analytic: fixed cost per batch (default: 2)"
    )
    g.add_argument(
        "--per-item-ms", type=float, metavar="MS", help="analytic: cost per request (default: 0.05)"
    )
    g.add_argument(
        "--noise-cv",
        type=float,
        help="analytic: variation of service times; 0 fixed, 1 exponential",
    )
    g.add_argument(
        "--profile", metavar="PATH", help="a measured t(n) table (from 'batchtui profile --json')"
    )

    g = p.add_argument_group("limits")
    g.add_argument(
        "--max-queue",
        type=int,
        metavar="N",
        help="admission control: reject arrivals beyond N waiting (default: none)",
    )
    g.add_argument(
        "--max-inflight", type=int, metavar="N", help="batches on the device at once (default: 1)"
    )
    g.add_argument(
        "--slo-ms",
        type=float,
        metavar="MS",
        help="latency SLO; reports goodput (requests/s finished within it)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the scenario from the flags, run it, print and save the report."""
    if not args.duration > 0:
        raise ConfigError("--duration", f"must be > 0 seconds, got {args.duration:g}")
    scenario = scenario_from_args(args)
    expected = _expected_requests(scenario.load, args.duration)
    if expected > MAX_REQUESTS:
        raise ConfigError(
            "--duration",
            f"with this load it would generate about {expected:,.0f} requests per lane; keep "
            f"rate x duration under {MAX_REQUESTS:,} (lower --rate or --duration)",
        )
    try:
        lab = Lab(scenario, mode=args.mode, on_progress=stage_progress())
    except ConfigError as e:
        raise e.at(_flag_for(e.where)) from None
    label = "simulating" if args.mode == "sim" else "serving live"
    started = time.perf_counter()
    report = lab.run(
        args.duration, on_progress=stderr_progress(label), on_drain=stderr_progress("draining")
    )
    wall_s = time.perf_counter() - started
    report["wall_s"] = round(wall_s, 3)
    if args.mode == "sim":
        # Virtual seconds per wall second: how much faster (or, with a real model whose
        # batches take longer than their share of time, slower) than real time it went.
        report["pace"] = round(lab.clock / wall_s, 3) if wall_s > 0 else None
    if args.json:
        write_json_atomically(Path(args.json), report)
    if not args.quiet:
        print(format_report(report))
        if args.json:
            print(f"report written to {args.json}")
    for warning in saturation_warnings(report):
        print(warning, file=sys.stderr)
    return 0


def _expected_requests(load: LoadSpec, duration_s: float) -> float:
    """Roughly how many arrivals a run generates (the peak rate for time-varying patterns)."""
    if load.pattern == "trace":
        return 0.0  # bounded by the trace file, unless looped at a huge speed; not guarded
    peak = load.rate_rps
    if load.pattern == "ramp":
        peak = max(peak, load.ramp_to_rps)
    elif load.pattern == "sine":
        peak *= 1.0 + load.amplitude
    return peak * duration_s


def _flag_for(where: str) -> str:
    """The flag behind an engine setting name (the name itself if none is)."""
    return {**MODEL_FLAGS, **OTHER_FLAGS, **LOAD_FLAGS}.get(where, where)


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """A validated Scenario, every problem reported by the flag that caused it."""
    preset = resolve(args.preset) if args.preset else None
    load_changes = {
        field: getattr(args, flag.lstrip("-").replace("-", "_"))
        for field, flag in LOAD_FLAGS.items()
    }
    load_changes = {k: v for k, v in load_changes.items() if v is not None}
    try:
        load = dataclasses.replace(preset.run_load() if preset else LoadSpec(), **load_changes)
        load.validate()
    except ConfigError as e:
        raise e.at(LOAD_FLAGS.get(e.where, e.where)) from None

    model = _model_from_args(args, preset.run_model() if preset else None)
    lanes = _lanes_from_args(args, preset)
    scenario = Scenario(
        load=load,
        model=model,
        lanes=lanes,
        max_queue=args.max_queue,
        max_inflight=1 if args.max_inflight is None else args.max_inflight,
        slo_ms=args.slo_ms if args.slo_ms is not None or not preset else preset.slo_p99_ms,
        seed=args.seed,
        device=args.device or (preset.device if preset else "auto"),
        service=args.service or "auto",
        compile=args.compile,
    )
    try:
        scenario.validate()
    except ConfigError as e:
        raise e.at(_flag_for(e.where)) from None
    return scenario


def _model_from_args(args: argparse.Namespace, preset_model: ModelSpec | None) -> ModelSpec:
    analytic = {"base_ms": args.base_ms, "per_item_ms": args.per_item_ms, "noise_cv": args.noise_cv}
    given = {k: v for k, v in analytic.items() if v is not None}
    if (
        preset_model is not None
        and not (args.model or args.profile or args.model_param)
        and (not given or preset_model.kind == "analytic")  # analytic flags tune an analytic preset
    ):
        return ModelSpec(preset_model.kind, {**preset_model.params, **given})
    kind = model_kind_and_params(args.model)[0] if args.model else None
    kind = kind or ("profile" if args.profile else "analytic")
    if given and kind != "analytic":
        flags = ", ".join(MODEL_FLAGS[k] for k in given)
        raise ConfigError(flags, f"belongs to the analytic model, not --model {args.model}")
    if args.profile and kind != "profile":
        raise ConfigError("--profile", "needs --model profile (or leave --model out)")
    if kind == "profile" and not args.profile:
        raise ConfigError("--profile", "is required with --model profile")
    extra = {name: (MODEL_FLAGS[name], value) for name, value in given.items()}
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
    lanes: list[LaneSpec] = []
    for item in (part.strip() for part in args.lanes.split(",")):
        if not item:
            raise ConfigError("--lanes", f"has an empty entry in {args.lanes!r}")
        name, _, kind = item.partition("=") if "=" in item else (item, "", item)
        if kind not in POLICIES:
            raise ConfigError(
                "--lanes", f"unknown batcher {kind!r}; expected one of {', '.join(POLICIES)}"
            )
        lanes.append(LaneSpec(name.strip(), kind.strip(), {}))

    from_preset = dict(preset.batcher_params) if preset else {}
    params: dict[str, dict[str, Any]] = {  # the preset's batcher settles its kind's lanes
        lane.name: dict(from_preset) if preset and preset.batcher_kind == lane.kind else {}
        for lane in lanes
    }
    for field, flag in BATCHER_FLAGS.items():
        value = getattr(args, field)
        if value is None:
            continue
        takers = [lane for lane in lanes if field in _param_names(lane.kind)]
        if not takers:
            kinds = ", ".join(sorted({lane.kind for lane in lanes}))
            raise ConfigError(flag, f"no lane in --lanes ({kinds}) has this parameter")
        for lane in takers:
            params[lane.name][field] = value
    for item in args.set:
        lane_name, param, value = _parse_set(item, params)
        params[lane_name][param] = value

    out = []
    for lane in lanes:
        try:
            POLICIES[lane.kind](**params[lane.name])
        except ConfigError as e:
            given_by_set = any(s.startswith(f"{lane.name}.{e.where}=") for s in args.set)
            flag = f"--set {lane.name}.{e.where}" if given_by_set else BATCHER_FLAGS.get(e.where)
            if not given_by_set and preset and getattr(args, e.where, None) is None:
                flag = f"--preset {args.preset}: batcher.{e.where}"
            raise e.at(flag or e.where) from None
        out.append(LaneSpec(lane.name, lane.kind, params[lane.name]))
    return tuple(out)


def _param_names(kind: str) -> set[str]:
    return {p.name for p in POLICIES[kind].PARAMS}


def _parse_set(item: str, params: dict[str, dict[str, Any]]) -> tuple[str, str, float]:
    target, eq, raw = item.partition("=")
    lane_name, dot, param = target.partition(".")
    if not eq or not dot or not param:
        raise ConfigError("--set", f"expected LANE.PARAM=VALUE, got {item!r}")
    if lane_name not in params:
        raise ConfigError("--set", f"no lane {lane_name!r} in --lanes ({', '.join(params)})")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"--set {target}", f"must be a number, got {raw!r}") from None
    return lane_name, param, int(value) if value.is_integer() and "." not in raw else value
