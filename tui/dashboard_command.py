"""``batchtui`` with no command: the dashboard, optionally from a preset or another model."""

from __future__ import annotations

import argparse

from batchtui.engine.errors import ConfigError
from batchtui.tui.cpu import keep_ui_on_first_core
from batchtui.tui.dashboard_scenario import dashboard_scenario
from batchtui.tui.model_args import check_device, model_kind_and_params

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
    from batchtui.tui.app import BatchTuiApp

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
    keep_ui_on_first_core()
    BatchTuiApp(
        scenario, preset_name=preset.name if preset else None, start_paused=args.paused
    ).run()
    return 0
