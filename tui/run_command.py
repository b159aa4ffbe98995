"""``batchtui run``: a headless comparison of the lanes on one load, as a table and as JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import Lab
from batchtui.engine.load import PATTERNS, LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import POLICIES
from batchtui.engine.scenario import DEFAULT_LANES, LaneSpec, Scenario
from batchtui.engine.service import build_service
from batchtui.tui.report_table import format_report

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
        choices=("sim",),
        default="sim",
        help="sim: discrete-event simulation in virtual time (default)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of every random stream (default: 0)")
    g.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    g.add_argument("--quiet", action="store_true", help="print no table (with --json)")

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

    g = p.add_argument_group("model (batch service time)")
    g.add_argument(
        "--model",
        choices=("analytic", "profile"),
        help="analytic: t(n) = base + per_item*n; profile: a measured table",
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
    g.add_argument("--profile", metavar="PATH", help="profile JSON (batchtui.profile/1)")

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
    scenario = scenario_from_args(args)
    lab = Lab(scenario)
    if not args.duration > 0:
        raise ConfigError("--duration", f"must be > 0 seconds, got {args.duration:g}")
    started = time.perf_counter()
    report = lab.run(args.duration, on_progress=_progress_printer())
    report["wall_s"] = round(time.perf_counter() - started, 3)
    if args.json:
        write_json_atomically(Path(args.json), report)
    if not args.quiet:
        print(format_report(report))
        if args.json:
            print(f"report written to {args.json}")
    return 0


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """A validated Scenario, every problem reported by the flag that caused it."""
    load_changes = {
        field: getattr(args, flag.lstrip("-").replace("-", "_"))
        for field, flag in LOAD_FLAGS.items()
    }
    load_changes = {k: v for k, v in load_changes.items() if v is not None}
    try:
        load = LoadSpec(**load_changes)
        load.validate()
    except ConfigError as e:
        raise e.at(LOAD_FLAGS.get(e.where, e.where)) from None

    model = _model_from_args(args)
    lanes = _lanes_from_args(args)
    scenario = Scenario(
        load=load,
        model=model,
        lanes=lanes,
        max_queue=args.max_queue,
        max_inflight=1 if args.max_inflight is None else args.max_inflight,
        slo_ms=args.slo_ms,
        seed=args.seed,
    )
    try:
        scenario.validate()
    except ConfigError as e:
        flag = {**MODEL_FLAGS, **OTHER_FLAGS}.get(e.where, e.where)
        raise e.at(flag) from None
    return scenario


def _model_from_args(args: argparse.Namespace) -> ModelSpec:
    analytic = {"base_ms": args.base_ms, "per_item_ms": args.per_item_ms, "noise_cv": args.noise_cv}
    given = {k: v for k, v in analytic.items() if v is not None}
    kind = args.model or ("profile" if args.profile else "analytic")
    if kind == "profile" and given:
        flags = ", ".join(MODEL_FLAGS[k] for k in given)
        raise ConfigError(flags, "belongs to the analytic model, not --model profile")
    if kind == "analytic" and args.profile:
        raise ConfigError("--profile", "needs --model profile (or leave --model out)")
    spec = ModelSpec(kind, {"path": args.profile} if kind == "profile" else given)
    try:
        build_service(spec, args.seed)
    except ConfigError as e:
        raise e.at(MODEL_FLAGS.get(e.where, e.where)) from None
    return spec


def _lanes_from_args(args: argparse.Namespace) -> tuple[LaneSpec, ...]:
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

    params: dict[str, dict[str, Any]] = {lane.name: {} for lane in lanes}
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


def write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` via a temporary file and a rename: never a partial file."""
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ConfigError("--json", f"cannot write {str(path)!r}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise ConfigError("--json", f"cannot write {str(path)!r}: {e.strerror or e}") from None
        raise


def _progress_printer() -> Any:
    """A progress callback for long runs: a percentage on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def show(fraction: float) -> None:
        if time.perf_counter() - started > 0.5:
            end = "\n" if fraction >= 1.0 else ""
            print(f"\rsimulating... {fraction:4.0%}", end=end, file=sys.stderr, flush=True)

    return show
