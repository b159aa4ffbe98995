"""``batchtui run --model tiny-gpt --mode live``: the model on its device, every lane served
on it in turn, each problem one line naming the user's flag.

torch is imported only here, when a live run starts, so the rest of the CLI stays light.
"""

from __future__ import annotations

import sys
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.tui.model_args import model_flag

RUN_FLAGS = {"duration": "--duration", "device": "--device", "model": "--model"}


def run_live(scenario: GenScenario, run_s: float, device_name: str) -> dict[str, Any]:
    """The run/2 report of ``scenario`` served live for ``run_s`` seconds of arrivals."""
    from batchtui.engine.device import resolve_device
    from batchtui.engine.gen.live_run import run_generative_live
    from batchtui.engine.models.generative import load_generative
    from batchtui.engine.tune.conditions import torch_threads
    from batchtui.tui.run_command import check_live_size

    check_live_size(run_s, len(scenario.lanes))
    lanes = len(scenario.lanes)
    names = [lane.name for lane in scenario.lanes]

    def tell(name: str) -> None:
        if sys.stderr.isatty():
            print(f"serving {name} live ({names.index(name) + 1}/{lanes})", file=sys.stderr)

    try:
        device = resolve_device(device_name)
        with torch_threads(str(device)):  # as 'batchtui profile' measures (gen_profile.py)
            module = load_generative(scenario.model, device, scenario.seed)
            return run_generative_live(scenario, run_s, module, device, on_lane=tell)
    except ConfigError as e:
        kind = scenario.model.kind
        if e.where == "max_context" and kind == "gen-factory":
            raise e.at("--model") from None  # the factory's module sets it
        raise e.at(RUN_FLAGS.get(e.where) or model_flag(e.where, kind)) from None
