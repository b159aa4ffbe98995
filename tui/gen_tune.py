"""``batchtui tune`` for generative models (analytic-llm, tiny-gpt, a gen-factory, generative
presets): the same scenario flags as a generative ``batchtui run``, TTFT/TPOT SLOs, each
lane's declared knobs searched in the token-level simulator, the winner proved live.

A torch model is searched on its analytic-llm fit (``--profile FIT.json``, or a quick profile
measured first, as ``run`` does) and served live by ``--validate``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario, check_fits_context
from batchtui.engine.gen.workload import gen_requests
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_TORCH_KINDS
from batchtui.engine.tune import SearchConfig, chosen
from batchtui.engine.tune.backends import make_backend
from batchtui.engine.tune.gen_trial import TRIAL_REQUESTS
from batchtui.engine.tune.gen_tuner import GenTuneRequest, tune_gen_scenario
from batchtui.engine.tune.gen_validation import (
    GenValidation,
    gen_from_runs,
    gen_winner,
    predict_gen,
    refit_of,
    serve_gen_live,
)
from batchtui.engine.tune.search import LaneTune, OnTrial, optuna_module
from batchtui.engine.tune.validation import repeated_runs
from batchtui.presets import resolve
from batchtui.presets.from_lane import gen_measured_figures
from batchtui.tui.gen_args import gen_scenario_from_args
from batchtui.tui.gen_preset import preset_model
from batchtui.tui.gen_profile import fitted_model, refit
from batchtui.tui.gen_run import context_flag, profile_for_run
from batchtui.tui.gen_tune_report import format_gen_tune, gen_tune_json
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.model_args import model_from_args
from batchtui.tui.scenario_args import GEN_RATE_RPS, ScenarioDefaults
from batchtui.tui.stop_request import StopRequest
from batchtui.tui.tune_preset import repeated_figures, save_tuned
from batchtui.tui.tune_report import stopped_json
from batchtui.tui.validation_progress import VALIDATION_STOP, VALIDATION_STOPPED, run_progress

GEN_VALIDATE_S = 10.0
"""Seconds of arrivals a live --validate run serves when --seconds is not given."""
INTERRUPTED = 130


@dataclass(frozen=True)
class TuneFlags:
    """The tune flags ``batchtui tune`` checked before any work, for either kind of model."""

    objective: str
    trials: int
    seconds: float | None  # None: --seconds not given
    workers: int
    rates: tuple[float, float] | None
    preset_path: Path | None
    json_path: Path | None
    validate_runs: int = 1  # --validate-runs: live runs of each winner


def run_gen_tune(
    args: argparse.Namespace,
    flags: TuneFlags,
    defaults: ScenarioDefaults,
    progress: OnTrial | None,
    fixed_knobs: Any,
) -> int:
    """Build the generative scenario, search, validate, print and write; 130 after Ctrl-C.
    ``fixed_knobs(args, scenario)`` names the knobs the user held (tune_command's rule)."""
    if args.slo_ms is not None:
        raise ConfigError(
            "--slo-ms",
            "is the request-level p99 target; tune a generative model with --slo-ttft-ms "
            "and/or --slo-tpot-ms (p99 time to first token / per output token)",
        )
    defaults = dataclasses.replace(
        defaults, load=dataclasses.replace(defaults.load, rate_rps=GEN_RATE_RPS)
    )
    if args.preset and not args.model:
        spec = preset_model(args, resolve(args.preset))
    else:
        spec = model_from_args(args, "analytic-llm")
    torch_model = spec.kind in GENERATIVE_TORCH_KINDS
    device = args.device
    args.device = None  # read here (profile, --validate), not by the simulated scenario
    scenario = gen_scenario_from_args(
        args, defaults, ModelSpec("analytic-llm") if torch_model else None
    )
    request = GenTuneRequest(
        flags.objective, scenario.slo_ttft_ms, scenario.slo_tpot_ms, flags.seconds, flags.rates
    )
    request.check(scenario)
    if args.validate and not torch_model:
        raise ConfigError(
            "--validate",
            f"needs a real model to serve the winner (--model tiny-gpt or a gen-factory); "
            f"{spec.kind} is a formula, there is nothing to measure",
        )
    fixed = fixed_knobs(args, scenario)
    optuna_module()  # the install hint before any work
    fitted_from = None
    longest = 0  # the search's longest prompt: the refit times prefills as far
    if torch_model:
        scenario, fitted_from, longest = _fit(args, spec, scenario, device)
    config = SearchConfig(
        trials=flags.trials, seed=scenario.seed, storage=args.storage, study=args.study
    )
    backend = make_backend(args.backend, flags.workers, args.address)
    validations: dict[str, GenValidation] = {}
    stopped = False
    try:
        with StopRequest() as stop:
            results = tune_gen_scenario(scenario, request, fixed, config, backend, progress, stop)
        if args.validate and not any(r.interrupted for r in results):
            live = dataclasses.replace(scenario, model=spec)
            with StopRequest(VALIDATION_STOP) as stop:
                validations, stopped = _validate(
                    live, scenario, results, flags, device or "auto", backend, stop, longest
                )
    finally:
        backend.close()
    pick = chosen(results)
    print(format_gen_tune(scenario, request, results, validations, pick, fitted_from))
    if flags.json_path is not None:
        doc = gen_tune_json(scenario, request, results, validations, pick, fitted_from)
        write_json_atomically(flags.json_path, stopped_json(doc) if stopped else doc)
    if flags.preset_path is not None:
        if pick is None or pick.best is None:
            print("no preset written: no lane met the SLOs", file=sys.stderr)
        else:
            live_model = spec if torch_model else scenario.model
            check = validations.get(pick.lane)
            save_tuned_preset(flags.preset_path, scenario, live_model, request, pick, check)
            print(f"preset written to {flags.preset_path}")
    if any(r.interrupted for r in results):
        print("interrupted: the results above are the best found so far", file=sys.stderr)
        return INTERRUPTED
    if stopped:
        print(VALIDATION_STOPPED, file=sys.stderr)
        return INTERRUPTED
    return 0 if pick is not None else 1


def _validate(
    live: GenScenario,
    fitted: GenScenario,
    results: list[LaneTune],
    flags: TuneFlags,
    device: str,
    backend: Any,
    stop: StopRequest,
    longest_prompt: int,
) -> tuple[dict[str, GenValidation], bool]:
    """Each lane's winner served live ``flags.validate_runs`` times on the real model (each
    run one backend call: a Ray task with a GPU of its own, say) beside its prediction on the
    fit, then the model fitted again (``Refit``); and whether Ctrl-C cut it short (the runs
    that finished are kept)."""
    seconds = flags.seconds or GEN_VALIDATE_S
    runs = flags.validate_runs
    call = functools.partial(backend.call, gpu=device.startswith(("auto", "cuda")))
    out: dict[str, GenValidation] = {}
    for r in results:
        if r.best is None:
            continue
        lane = next(spec for spec in fitted.lanes if spec.name == r.lane)
        on_fit = gen_winner(fitted, lane, r.best.params)
        predicted = predict_gen(on_fit, seconds)
        winner = gen_winner(live, lane, r.best.params)
        done = repeated_runs(
            r.lane, runs, serve_gen_live, (winner, seconds, device), call=call,
            on_run=run_progress(), should_stop=stop,
        )  # fmt: skip
        if done:
            out[r.lane] = gen_from_runs(predicted, done, seconds, runs_asked=runs)
        if len(done) < runs or stop():
            return out, True
        try:  # the fit again, on the same device: has the machine moved since the search's?
            later = call(refit, live.model, device, live.seed, longest_prompt)
        except KeyboardInterrupt:
            return out, True  # the runs stand without it
        out[r.lane] = dataclasses.replace(out[r.lane], refit=refit_of(on_fit, later, seconds))
    return out, False


def _fit(
    args: argparse.Namespace, spec: ModelSpec, scenario: GenScenario, device: str | None
) -> tuple[GenScenario, dict[str, Any], int]:
    """The scenario on the torch model's analytic-llm fit (``--profile``, or measured now up
    to a trial's longest prompt, which comes back too), refused at once when a trial's
    requests would not fit the model's context."""
    rate = scenario.load.rate_rps or GEN_RATE_RPS
    sample = gen_requests(scenario.load, TRIAL_REQUESTS / rate, scenario.seed)
    limits: list[int] = []

    def fits(limit: int) -> None:
        limits.append(limit)
        try:
            check_fits_context(sample, limit, "max_context")
        except ConfigError as e:
            raise e.at(context_flag(spec)) from None

    args.device = device
    longest = int(sample.prompt.max()) if len(sample) else 0
    profile = profile_for_run(args, spec, fits, longest)
    fitted, fitted_from = fitted_model(profile, args.profile)
    return dataclasses.replace(scenario, model=fitted, max_context=limits[0]), fitted_from, longest


def save_tuned_preset(
    path: Path,
    scenario: GenScenario,
    model: ModelSpec,
    request: GenTuneRequest,
    pick: LaneTune,
    check: GenValidation | None,
) -> None:
    """The chosen lane as a ``batchtui.preset/2``: settings, scenario, SLOs, and what a live
    --validate measured (nothing measured otherwise: the simulator's figures are no
    measurement)."""
    assert pick.best is not None
    lane = next(spec for spec in scenario.lanes if spec.name == pick.lane)
    measured = None
    if check is not None:
        command = "batchtui tune --validate"
        if check.repeated:  # each figure's median over the runs, with their range
            command += f" --validate-runs {check.runs_asked}"
        each = [
            gen_measured_figures(
                run, duration_s=check.duration_s, device=check.device, command=command
            )
            for run in (check.runs if check.repeated else (check.live_lane,))
        ]
        measured = repeated_figures(each) if check.repeated else each[0]
    targets = " and ".join(
        f"{what} {v:g} ms"
        for what, v in (("TTFT", request.slo_ttft_ms), ("TPOT", request.slo_tpot_ms))
        if v is not None
    )
    save_tuned(
        path,
        lane,
        pick.best.params,
        request.objective,
        f"p99 {targets}",
        load=scenario.load,
        model=model,
        device="auto",
        slo_ms=None,
        slo_ttft_ms=request.slo_ttft_ms,
        slo_tpot_ms=request.slo_tpot_ms,
        measured=measured,
    )
