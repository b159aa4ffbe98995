"""``batchtui`` with no command: the dashboard, on the same scenario flags as ``batchtui run``."""

from __future__ import annotations

import argparse
import functools
import sys
from typing import Any

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import Scenario
from batchtui.tui.cpu import keep_ui_on_first_core
from batchtui.tui.dashboard_scenario import DEFAULT_MAX_QUEUE, DEFAULT_RATE_RPS, DEFAULT_SLO_MS
from batchtui.tui.engine_start import EngineStartFailed, start_engine
from batchtui.tui.gen_args import (
    GEN_FLAGS,
    add_gen_arguments,
    gen_scenario_from_args,
    is_generative,
    refuse_gen_flags,
)
from batchtui.tui.progress import stage_progress
from batchtui.tui.scenario_args import (
    GEN_RATE_RPS,
    ScenarioDefaults,
    _blank,
    add_scenario_arguments,
    flag_for,
    scenario_from_args,
)

DASHBOARD_HELP = (
    "with no command, batchtui opens the dashboard: three batchers on one load, tuned live "
    "(with --model analytic-llm: four, continuous batching beside them, token by token)"
)
DEFAULTS = ScenarioDefaults(
    model="mlp",
    load=LoadSpec(rate_rps=DEFAULT_RATE_RPS),
    slo_ms=DEFAULT_SLO_MS,
    max_queue=DEFAULT_MAX_QUEUE,
)
"""The dashboard starts on the local mlp at a moderate rate, with an SLO and a bounded queue."""


GEN_DEFAULTS = ScenarioDefaults(model="analytic-llm", load=LoadSpec(rate_rps=GEN_RATE_RPS))
"""A generative dashboard starts where the four lanes differ and the continuous one keeps up."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Top-level flags that shape the dashboard: every scenario flag of ``run`` (the
    generative ones too), and --paused.

    They are SUPPRESSed when left out, so the command line can tell a dashboard flag written
    before a command (a mistake) from one that was never given.
    """
    add_scenario_arguments(parser, DEFAULTS, unset=argparse.SUPPRESS)
    add_gen_arguments(parser, unset=argparse.SUPPRESS)
    g = parser.add_argument_group("dashboard (no command)")
    g.add_argument("--paused", action="store_true", default=argparse.SUPPRESS, help="start paused")


def dashboard_scenario_from_args(args: argparse.Namespace) -> Scenario | GenScenario:
    """The Scenario the dashboard opens on (a GenScenario with ``--model analytic-llm``),
    every problem reported by the flag at fault."""
    if is_generative(args):
        return gen_dashboard_scenario_from_args(args)
    refuse_gen_flags(args)
    return scenario_from_args(args, DEFAULTS)


def gen_dashboard_scenario_from_args(args: argparse.Namespace) -> GenScenario:
    """The GenScenario the dashboard opens on (``--model analytic-llm``), as ``run`` reads
    the same flags, every problem reported by the flag at fault."""
    blank = {**_blank(), **_gen_blank()}
    return gen_scenario_from_args(argparse.Namespace(**{**blank, **vars(args)}), GEN_DEFAULTS)


@functools.cache
def _gen_blank() -> dict[str, Any]:
    parser = argparse.ArgumentParser(add_help=False)
    add_gen_arguments(parser)
    return vars(parser.parse_args([]))


def run(args: argparse.Namespace) -> int:
    """Open the dashboard; returns when the user quits."""
    scenario = dashboard_scenario_from_args(args)
    preset = getattr(args, "preset", None)
    return open_dashboard(scenario, _preset_name(preset), paused=getattr(args, "paused", False))


def open_dashboard(
    scenario: Scenario | GenScenario, preset_name: str | None, *, paused: bool = False
) -> int:
    """Start the engine, wait until it serves (a model that cannot load is a ConfigError
    here, before any screen opens), then run the app; its exit status is ours. A
    GenScenario opens the generative dashboard."""
    from batchtui.tui.app import BatchTuiApp
    from batchtui.tui.gen_app import GenDashboardApp

    keep_ui_on_first_core()  # first: the engine process inherits the cores it leaves
    progress = stage_progress()
    try:
        engine, first = start_engine(scenario, paused=paused, on_status=progress)
    except EngineStartFailed as e:
        if progress is not None:
            print(file=sys.stderr)  # end the progress line before the error
        raise e.at(GEN_FLAGS.get(e.where) or flag_for(e.where, scenario.model.kind)) from None
    if progress is not None:
        progress("engine ready", 1.0)
    app_class = GenDashboardApp if isinstance(scenario, GenScenario) else BatchTuiApp
    app = app_class(
        scenario,  # type: ignore[arg-type]
        preset_name=preset_name,
        start_paused=paused,
        engine=engine,
        first_snapshot=first,
    )
    try:
        app.run()
    finally:
        app.stop_engine()
    return int(app.return_code or 0)


def _preset_name(preset: str | None) -> str | None:
    """The name the dashboard shows for ``--preset`` (the resolved preset's own name)."""
    if not preset:
        return None
    from batchtui.presets import resolve

    return resolve(preset).name
