"""``batchtui tune``: search every knob of each lane for the objective under the SLO, then prove it.

Flags are checked and output paths tried before any work; a torch model is measured once
and searched on its profile; ``--validate`` serves the winners on the real model
(``--validate-runs`` times each, to show the live runs' own spread beside the gap).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.params import Param
from batchtui.engine.scenario import Scenario
from batchtui.engine.tune import OBJECTIVES, SearchConfig, TuneRequest, chosen, tune_scenario
from batchtui.engine.tune.backends import BACKENDS, make_backend
from batchtui.engine.tune.cost_model import profiled
from batchtui.engine.tune.gen_tuner import GEN_OBJECTIVE_HELP
from batchtui.engine.tune.objectives import OBJECTIVE_HELP
from batchtui.engine.tune.refit import reprofiled_prediction
from batchtui.engine.tune.search import LaneTune, optuna_module
from batchtui.engine.tune.space import largest_batch
from batchtui.engine.tune.trial import TrialResult
from batchtui.engine.tune.validation import Validation, validate_runs, winner_scenario
from batchtui.tui.gen_args import GEN_FLAGS, add_gen_arguments, is_generative, refuse_gen_flags
from batchtui.tui.gen_tune import TuneFlags, run_gen_tune
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.output_path import check_output_path
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.progress import stage_progress
from batchtui.tui.rate_flags import parse_rates
from batchtui.tui.scenario_args import (
    ScenarioDefaults,
    add_scenario_arguments,
    batcher_flags,
    scenario_from_args,
)
from batchtui.tui.stop_request import StopRequest
from batchtui.tui.tune_preset import save_tuned, validated_figures
from batchtui.tui.tune_report import format_tune, stopped_json, tune_json
from batchtui.tui.validation_progress import VALIDATION_STOP, VALIDATION_STOPPED, run_progress
from batchtui.tui.wakeup_note import print_wakeup_note

TRIALS = Param(
    "trials", int, 40, 1, 100_000, "settings tried per lane (plus a quarter for the front)"
)
SECONDS = Param(
    "seconds",
    float,
    2.0,
    0.0,
    600.0,
    "seconds of arrivals per trial run (at most 20,000 requests a run), and of each live "
    "--validate run",
    above=True,
    unit="s",
)
WORKERS = Param("workers", int, 1, 1, 256, "trials run at once in local processes (or Ray tasks)")
VALIDATE_RUNS = Param(
    "validate_runs",
    int,
    1,
    1,
    100,
    "with --validate, live runs of each winner: the report gives their median and range",
)
DEFAULTS = ScenarioDefaults()
INTERRUPTED = 130


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``tune`` and its flags."""
    objectives = "; ".join(f"{k}: {v}" for k, v in OBJECTIVE_HELP.items())
    gen_objectives = "; ".join(f"{k}: {v}" for k, v in GEN_OBJECTIVE_HELP.items())
    p = commands.add_parser(
        "tune",
        help="search each lane's knobs in the simulator for the objective within --slo-ms "
        "(generative models: --slo-ttft-ms / --slo-tpot-ms)",
        description=(
            "Search every tunable knob of each lane's batcher (Optuna, seeded by --seed) in the "
            "simulator, on the model's measured profile, and report the best settings per lane, "
            "the Pareto front of p99 against capacity, and the closest achievable when the SLO "
            f"cannot be met. Objectives: {objectives}. Knobs given as flags stay fixed. "
            f"Generative models (--model analytic-llm, tiny-gpt) are tuned within --slo-ttft-ms "
            f"and/or --slo-tpot-ms (p99): {gen_objectives}; a continuous lane searches "
            "max_num_seqs, max_num_batched_tokens, chunked prefill and its threshold."
        ),
    )
    p.set_defaults(handler=run)
    g = p.add_argument_group("tune")
    g.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="latency",
        help="what to optimise (default: latency)",
    )
    g.add_argument(
        "--rates",
        metavar="LO:HI",
        help="latency/cost: pick the setting with the least worst regret across this load range; "
        "throughput: the range searched (default: 1%%-100%% of the model's peak)",
    )
    add_param_flag(g, TRIALS, default=TRIALS.default, unset=TRIALS.default)
    add_param_flag(g, SECONDS, default=SECONDS.default, unset=None)
    g.add_argument(
        "--validate",
        action="store_true",
        help="serve each winner on the real model "
        "on the wall clock; show predicted vs measured p50/p99/throughput",
    )
    add_param_flag(g, VALIDATE_RUNS, default=VALIDATE_RUNS.default, unset=None)
    g.add_argument(
        "-o",
        "--output",
        metavar="PRESET.json",
        help="write the best lane's preset (settings, scenario, SLO, and what --validate measured)",
    )
    g.add_argument("--json", metavar="PATH", help="write the results as JSON (batchtui.tune/1)")
    g = p.add_argument_group("scale-out")
    add_param_flag(g, WORKERS, default=WORKERS.default, unset=WORKERS.default)
    g.add_argument(
        "--storage",
        metavar="URL",
        help="an Optuna storage several tune processes "
        "share: journal:PATH (a journal file), sqlite:///PATH, postgresql://...",
    )
    g.add_argument(
        "--study",
        metavar="NAME",
        default="batchtui-tune",
        help="study name in --storage (one study per lane: NAME:LANE; default: batchtui-tune)",
    )
    g.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="local: processes on "
        "this machine (default); ray: Ray tasks, real-device runs one GPU each",
    )
    g.add_argument(
        "--address", metavar="ADDR", help="the Ray cluster to join (default: start a local Ray)"
    )
    add_scenario_arguments(p, DEFAULTS)
    add_gen_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Check the flags, search, validate, print and write; 130 after a Ctrl-C (best so far)."""
    trials = checked(TRIALS, args.trials)
    given_s = None if args.seconds is None else checked(SECONDS, args.seconds)
    seconds = SECONDS.default if given_s is None else given_s
    workers = checked(WORKERS, args.workers)
    runs = _validate_runs(args)
    low_high = None
    if args.rates is not None:
        low, high, _ = parse_rates(args.rates, with_steps=False)
        low_high = (low, high)
    preset_path = _check_preset_path(args.output) if args.output is not None else None
    json_path = check_output_path("--json", args.json) if args.json is not None else None
    if args.storage is not None and not args.storage.strip():
        raise ConfigError("--storage", "needs a URL, e.g. journal:tune.journal")
    if args.backend != "ray" and args.address:
        raise ConfigError("--address", "is for --backend ray")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", args.study):
        raise ConfigError(
            "--study", f"must be 1-64 letters, digits, '.', '_' or '-'; got {args.study!r}"
        )
    if is_generative(args):
        flags = TuneFlags(
            args.objective, trials, given_s, workers, low_high, preset_path, json_path, runs
        )
        return run_gen_tune(args, flags, DEFAULTS, _progress(), _fixed_knobs)
    refuse_gen_flags(args)
    scenario = scenario_from_args(args, DEFAULTS)
    if scenario.slo_ms is None:
        raise ConfigError("--slo-ms", "is required: the p99 latency target the tuner must keep")
    request = TuneRequest(args.objective, scenario.slo_ms, seconds, low_high)
    request.check(scenario)
    fixed = _fixed_knobs(args, scenario)
    optuna_module()  # the install hint before any work (after the flags: it takes a moment)
    config = SearchConfig(trials=trials, seed=scenario.seed, storage=args.storage, study=args.study)
    with tempfile.TemporaryDirectory(prefix="batchtui-tune-") as folder:
        reach = max(
            scenario.max_batch_size,
            *(
                largest_batch(lane.kind, fixed[lane.name], scenario.slo_ms)
                for lane in scenario.lanes
            ),
        )
        cost = profiled(scenario, reach, Path(folder), stage_progress())
        print_wakeup_note(cost.build_service())
        backend = make_backend(args.backend, workers, args.address)
        try:
            with StopRequest() as stop:
                results = tune_scenario(cost, request, fixed, config, backend, _progress(), stop)
            validations: dict[str, Validation] = {}
            stopped = False
            if args.validate and not any(r.interrupted for r in results):
                with StopRequest(VALIDATION_STOP) as stop:
                    validations, stopped = _validate(
                        scenario, cost, results, seconds, runs, backend, stop, reach
                    )
        finally:
            backend.close()
    pick = chosen(results)
    print(format_tune(scenario, request, results, validations, pick))
    if json_path is not None:
        doc = tune_json(scenario, request, results, validations, pick)
        write_json_atomically(json_path, stopped_json(doc) if stopped else doc)
    if preset_path is not None:
        if pick is None or pick.best is None:
            print(f"no preset written: no lane met --slo-ms {scenario.slo_ms:g}", file=sys.stderr)
        else:
            _save(preset_path, scenario, request, pick, validations.get(pick.lane))
            print(f"preset written to {preset_path}")
    if any(r.interrupted for r in results):
        print("interrupted: the results above are the best found so far", file=sys.stderr)
        return INTERRUPTED
    if stopped:
        print(VALIDATION_STOPPED, file=sys.stderr)
        return INTERRUPTED
    return 0 if pick is not None else 1


def _validate_runs(args: argparse.Namespace) -> int:
    """``--validate-runs``, checked: for --validate only."""
    if args.validate_runs is None:
        return VALIDATE_RUNS.default  # type: ignore[return-value]
    runs = checked(VALIDATE_RUNS, args.validate_runs)
    if not args.validate:
        raise ConfigError("--validate-runs", "is for --validate (add --validate)")
    return runs


def _check_preset_path(text: str) -> Path:
    path = check_output_path("-o", text)
    if path.exists():
        raise ConfigError(
            "-o", f"{text} exists; presets are never overwritten, choose another name"
        )
    return path


def _fixed_knobs(
    args: argparse.Namespace, scenario: Scenario | GenScenario
) -> dict[str, dict[str, Any]]:
    """Per lane, the knobs the user set by flag or --set: held as given, not searched."""
    names = [*batcher_flags(), *GEN_FLAGS]
    flagged = {name for name in names if getattr(args, name, None) is not None}
    out: dict[str, dict[str, Any]] = {}
    for lane in scenario.lanes:
        named = flagged | {
            item.partition("=")[0].partition(".")[2]
            for item in (args.set or [])
            if item.startswith(f"{lane.name}.")
        }
        out[lane.name] = {k: v for k, v in lane.params.items() if k in named}
    return out


def _progress() -> Any:
    """Trials done of the budget and the best so far, on one stderr line (terminals only)."""
    if not sys.stderr.isatty():
        return None

    def show(lane: str, done: int, budget: int, best: TrialResult | None) -> None:
        so_far = f"best score {best.score:.4g}" if best is not None else "SLO not met yet"
        end = "\n" if done >= budget else ""
        print(
            f"\rtuning {lane}: {done}/{budget} trials, {so_far}   ",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


def _validate(
    scenario: Scenario,
    cost: Scenario,
    results: list[LaneTune],
    seconds: float,
    runs: int,
    backend: Any,
    stop: StopRequest,
    reach: int,
) -> tuple[dict[str, Validation], bool]:
    """Each lane's winner served live ``runs`` times (the real model) beside its simulated
    prediction, then predicted again on the model profiled once more up to batch size
    ``reach`` (``refit``); and whether Ctrl-C cut it short (the runs that finished are
    kept)."""
    out = {}
    # A real model that may land on a GPU asks for one (Ray grants it only where there is one),
    # for each run: one task a run.
    gpu = scenario.model.is_torch and scenario.device.startswith(("auto", "cuda"))
    call = functools.partial(backend.call, gpu=gpu)
    for r in results:
        if r.best is None:
            continue
        lane = next(spec for spec in scenario.lanes if spec.name == r.lane)
        live = winner_scenario(scenario, lane, r.best.params)
        predicted_on = winner_scenario(cost, lane, r.best.params)
        v = validate_runs(
            live, predicted_on, seconds, runs, call=call, on_run=run_progress(), should_stop=stop
        )
        if v is not None:
            out[r.lane] = v
        if v is None or len(v.runs) < runs or stop():
            return out, True
        if not scenario.model.is_torch:
            continue  # a cost model's profile is itself: nothing can have moved
        try:  # the profile again, on the same device: has the machine moved since the search's?
            later = call(reprofiled_prediction, live, reach, seconds)
        except KeyboardInterrupt:
            return out, True  # the runs stand without it
        out[r.lane] = dataclasses.replace(v, refit=later)
    return out, False


def _save(
    path: Path, scenario: Scenario, request: TuneRequest, pick: LaneTune, check: Validation | None
) -> None:
    assert pick.best is not None
    lane = next(spec for spec in scenario.lanes if spec.name == pick.lane)
    measured = None
    if check is not None:
        measured = validated_figures(check)
    save_tuned(
        path,
        lane,
        pick.best.params,
        request.objective,
        f"p99 {request.slo_ms:g} ms",
        load=scenario.load,
        model=scenario.model,
        device=scenario.device,
        slo_ms=request.slo_ms,
        measured=measured,
    )
