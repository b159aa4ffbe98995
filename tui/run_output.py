"""What both kinds of ``batchtui run`` do around the run itself: how long it covers, and
where its report goes (the JSON file, a preset, the table, the warnings)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from batchtui.engine.load import LoadSpec
from batchtui.engine.load.volume import trace_span_s
from batchtui.engine.params import fmt
from batchtui.tui.json_output import write_json_atomically


def run_span(load: LoadSpec, duration: float) -> tuple[float, float | None]:
    """``(run_s, cut)``: ``--duration``, or just past the last request of a trace that ends
    sooner (said on stderr); ``cut`` is that trace's span, the report's real duration."""
    span = trace_span_s(load)
    if span is None or span >= duration:
        return duration, None
    print(
        f"note: the trace ends after {fmt(round(span, 3))} s at --speed {fmt(load.speed)}, "
        f"so the run covers {fmt(round(span, 3))} s, not --duration {fmt(duration)} "
        "(add --loop to repeat it)",
        file=sys.stderr,
    )
    return math.nextafter(span, math.inf), span


def finish_run(
    args: argparse.Namespace,
    report: dict[str, Any],
    json_path: Path | None,
    save: tuple[str, Path] | None,
    save_preset: Callable[[str, Path], None],
    table: Callable[[dict[str, Any]], str],
    warnings: Iterable[str],
) -> int:
    """Write the JSON report and the lane's preset, print the table (unless ``--quiet``)
    and where the files went, then the warnings on stderr; the exit status."""
    if json_path is not None:
        write_json_atomically(json_path, report)
    if save is not None:
        save_preset(*save)
    if not args.quiet:
        print(table(report))
        if json_path is not None:
            print(f"report written to {args.json}")
        if save is not None:
            print(f"preset of lane {save[0]} written to {save[1]}")
    for warning in warnings:
        print(warning, file=sys.stderr)
    return 0
