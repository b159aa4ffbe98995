"""``batchtui run --model analytic-llm`` (or a torch model ``--mode live``): every lane token by
token on the same requests."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import run_generative
from batchtui.engine.load.volume import expected_arrivals, trace_span_s
from batchtui.engine.params import fmt
from batchtui.tui.gen_args import gen_scenario_from_args
from batchtui.tui.gen_live import run_live
from batchtui.tui.gen_report import format_gen_report
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.scenario_args import ScenarioDefaults

MAX_GEN_REQUESTS = 2_000_000
"""Requests per run: the token-level lanes keep a few numbers per output token."""


def run_generative_command(
    args: argparse.Namespace, duration: float, json_path: Path | None, defaults: ScenarioDefaults
) -> int:
    """Build the generative scenario, run it, print the table and write the run/2 report."""
    scenario = gen_scenario_from_args(args, defaults)
    span = trace_span_s(scenario.load)
    run_s = duration
    if span is not None and span < duration:
        print(
            f"note: the trace ends after {fmt(round(span, 3))} s, so the run covers that, not "
            f"--duration {fmt(duration)} (add --loop to repeat it)",
            file=sys.stderr,
        )
        run_s = math.nextafter(span, math.inf)  # just past the last request
    expected = expected_arrivals(scenario.load, run_s)
    if expected > MAX_GEN_REQUESTS:
        raise ConfigError(
            "--duration",
            f"with this load it would generate about {expected:,.0f} requests; keep that under "
            f"{MAX_GEN_REQUESTS:,} for a generative run (lower --rate or --duration)",
        )
    started = time.perf_counter()
    if args.mode == "live":
        report = run_live(scenario, run_s, args.device or "auto")
    else:
        report = run_generative(scenario, run_s)
    report["wall_s"] = round(time.perf_counter() - started, 3)
    if run_s != duration:
        report["duration_s"] = span  # the arrivals' real span, not the nudge past the last one
    if json_path is not None:
        write_json_atomically(json_path, report)
    if not args.quiet:
        print(format_gen_report(report))
        if json_path is not None:
            print(f"report written to {args.json}")
    return 0
