"""``batchtui run``: a headless comparison of the lanes on one load, as a table and as JSON."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import MODES, Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.volume import expected_arrivals
from batchtui.engine.params import Param, fmt
from batchtui.engine.scenario import Scenario
from batchtui.presets import save_preset
from batchtui.presets.from_lane import device_label, lane_preset, measured_figures
from batchtui.tui.gen_args import add_gen_arguments, is_generative, refuse_gen_flags
from batchtui.tui.gen_run import run_generative_command
from batchtui.tui.output_path import check_output_path
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.preset_target import preset_name, preset_target
from batchtui.tui.progress import stage_progress, stderr_progress
from batchtui.tui.report_table import format_report, saturation_warnings
from batchtui.tui.run_output import finish_run, run_span
from batchtui.tui.scenario_args import (
    ScenarioDefaults,
    add_scenario_arguments,
    flag_for,
    scenario_from_args,
)
from batchtui.tui.wakeup_note import print_wakeup_note

MAX_REQUESTS = 50_000_000  # per lane: about 2 GB of arrival and batch records
DURATION = Param(
    "duration",
    float,
    10.0,
    0.0,
    1_000_000.0,  # 11.6 days of virtual time; even empty, its 1 s chunks take seconds
    "seconds of arrivals (virtual time); the run then drains",
    above=True,
    unit="s",
)
MAX_LIVE_WALL_S = 24 * 3600.0
"""Live mode serves the lanes one after another on the wall clock: refuse beyond a day."""
LIVE_NOTE_S = 60.0
"""Live runs longer than this say up front how long they will take."""
DEFAULTS = ScenarioDefaults()


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
    add_param_flag(g, DURATION, default=DURATION.default, unset=DURATION.default)
    g.add_argument(
        "--mode",
        choices=MODES,
        default="sim",
        help="sim: discrete-event simulation in virtual time (default); live: serve each lane "
        "in turn on the wall clock, latencies measured end to end",
    )
    g.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    g.add_argument("--quiet", action="store_true", help="print no table (with --json)")
    g.add_argument(
        "--save-preset",
        metavar="[LANE=]PATH",
        help="also save one lane's settings, this scenario and what was measured as a preset "
        "file (LANE may be left out when there is one lane); never overwrites",
    )
    add_scenario_arguments(p, DEFAULTS)
    add_gen_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Build the scenario from the flags, run it, print and save the report."""
    duration = checked(DURATION, args.duration)
    json_path = check_output_path("--json", args.json) if args.json is not None else None
    if is_generative(args):
        return run_generative_command(args, duration, json_path, DEFAULTS)
    refuse_gen_flags(args)
    scenario = scenario_from_args(args, DEFAULTS)
    lanes = [lane.name for lane in scenario.lanes]
    save = preset_target(args.save_preset, lanes) if args.save_preset is not None else None
    run_s, cut = run_span(scenario.load, duration)
    _check_size(scenario.load, run_s, args.mode, len(scenario.lanes))
    try:
        lab = Lab(scenario, mode=args.mode, on_progress=stage_progress())
    except ConfigError as e:
        run_flags = {"mode": "--mode", "duration": "--duration"}
        raise e.at(run_flags.get(e.where) or flag_for(e.where, scenario.model.kind)) from None
    if args.mode == "sim":
        print_wakeup_note(lab.service)
    label = "simulating" if args.mode == "sim" else "serving live"
    started = time.perf_counter()
    report = lab.run(
        run_s, on_progress=stderr_progress(label), on_drain=stderr_progress("draining")
    )
    wall_s = time.perf_counter() - started
    if cut is not None:
        report["duration_s"] = cut  # the arrivals' real span, not the nudge past the last one
    report["wall_s"] = round(wall_s, 3)
    if args.mode == "sim":
        # Virtual seconds per wall second: how much faster (or, with a real model whose
        # batches take longer than their share of time, slower) than real time it went.
        report["pace"] = round(lab.clock / wall_s, 3) if wall_s > 0 else None
    return finish_run(
        args,
        report,
        json_path,
        save,
        lambda lane, path: _save_preset(lab, scenario, lane, path),
        format_report,
        saturation_warnings(report),
    )


def _save_preset(lab: Lab, scenario: Scenario, lane: str, path: Path) -> None:
    """The lane's settings with the figures of the whole run, written through presets/."""
    stats = next(s for s in lab.snapshot().lanes if s.name == lane)
    preset = lane_preset(
        name=preset_name(path, lane),
        description=f"Saved by batchtui run: the {stats.batcher['kind']} lane {lane!r}.",
        batcher=stats.batcher,
        load=scenario.load,
        model=scenario.model,
        device=scenario.device,
        slo_ms=scenario.slo_ms,
        measured=measured_figures(stats, device=device_label(lab.model)),
    )
    try:
        save_preset(preset, path)
    except OSError as e:
        raise ConfigError("--save-preset", f"cannot write {path}: {e.strerror or e}") from None


def _check_size(load: LoadSpec, duration_s: float, mode: str, lanes: int) -> None:
    """Refuse, before any work, a run that would not fit in memory or would take days."""
    expected = expected_arrivals(load, duration_s)
    if expected > MAX_REQUESTS:
        raise ConfigError(
            "--duration",
            f"with this load it would generate about {expected:,.0f} requests per lane; keep "
            f"that under {MAX_REQUESTS:,} (lower --rate or --duration)",
        )
    if mode == "live":
        check_live_size(duration_s, lanes)


def check_live_size(duration_s: float, lanes: int) -> None:
    """Live lanes take turns on the wall clock: refuse beyond a day, note beyond a minute."""
    wall_s = duration_s * lanes
    if wall_s > MAX_LIVE_WALL_S:
        raise ConfigError(
            "--duration",
            f"live mode serves the {lanes} lanes one after another on the wall clock, "
            f"{_clock(wall_s)} in all; keep it under {_clock(MAX_LIVE_WALL_S)}",
        )
    if wall_s > LIVE_NOTE_S:
        print(
            f"note: live mode serves {lanes} lanes one after another: about {_clock(wall_s)} "
            "of wall clock",
            file=sys.stderr,
        )


def _clock(seconds: float) -> str:
    """A span a person can read: 50 s, 12 min, 3.5 h, 11.6 days."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size * (2 if unit == "days" else 1):
            return f"{fmt(round(seconds / size, 1))} {unit}"
    return f"{fmt(round(seconds, 1))} s"
