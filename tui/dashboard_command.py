"""``batchtui`` with no command: the dashboard, optionally from a preset or another model."""

from __future__ import annotations

import argparse
import sys

from batchtui.engine.errors import ConfigError
from batchtui.engine.scenario import Scenario
from batchtui.tui.cpu import keep_ui_on_first_core
from batchtui.tui.dashboard_scenario import dashboard_scenario
from batchtui.tui.engine_start import EngineStartFailed, start_engine
from batchtui.tui.model_args import check_device, model_kind_and_params
from batchtui.tui.progress import stage_progress
from batchtui.tui.run_command import flag_for

DASHBOARD_HELP = (
    "with no command, batchtui opens the dashboard: three batchers on one load, tuned live"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Top-level flags that shape the dashboard."""
    g = parser.add_argument_group("dashboard (no command)")
    g.add_argument(
        "--preset", metavar="NAME|PATH", help="start from a preset (see 'batchtui presets')"
    )
    g.add_argument(
        "--model",
        metavar="MODEL",
        help="mlp (default), transformer, conv, analytic, a .pt/.pt2 file, or "
        "package.module:factory",
    )
    g.add_argument("--device", help="auto (default), cpu, cuda, cuda:N, mps")
    g.add_argument("--paused", action="store_true", help="start paused")


def run(args: argparse.Namespace) -> int:
    """Open the dashboard; returns when the user quits."""
    from batchtui.engine.models import ModelSpec
    from batchtui.presets import resolve

    preset = None
    if args.preset:
        preset = resolve(args.preset)
    model = None
    if args.model:
        kind, params = model_kind_and_params(args.model)
        model = ModelSpec(kind, params)
        try:
            model.validate()
        except ConfigError as e:
            raise e.at("--model") from None
    if args.device:
        check_device(args.device)
    scenario = dashboard_scenario(preset, model, args.device)
    scenario.validate()
    return open_dashboard(scenario, preset.name if preset else None, paused=args.paused)


def open_dashboard(scenario: Scenario, preset_name: str | None, *, paused: bool = False) -> int:
    """Start the engine, wait until it serves (a model that cannot load is a ConfigError
    here, before any screen opens), then run the app; its exit status is ours."""
    from batchtui.tui.app import BatchTuiApp

    keep_ui_on_first_core()  # first: the engine process inherits the cores it leaves
    progress = stage_progress()
    try:
        engine, first = start_engine(scenario, paused=paused, on_status=progress)
    except EngineStartFailed as e:
        if progress is not None:
            print(file=sys.stderr)  # end the progress line before the error
        raise e.at(flag_for(e.where)) from None
    if progress is not None:
        progress("engine ready", 1.0)
    app = BatchTuiApp(
        scenario,
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
