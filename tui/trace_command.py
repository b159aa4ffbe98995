"""``batchtui trace FILE``: what a trace would replay, as a table, a rate plot and JSON.

The column flags come from the load declarations, as ``batchtui run``'s do, so a trace is
read the same way by the command that summarises it and the one that replays it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import load_trace
from batchtui.engine.load.spec import LOAD_PARAMS, TRACE_CHOICES
from batchtui.engine.load.trace_summary import TraceSummary, summarize
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.param_flags import add_param_flag
from batchtui.tui.shipped_traces import NAMES_HELP, resolve_trace

COLUMN_FLAGS = {p.name: p.cli_flag for p in LOAD_PARAMS if p.name in TRACE_CHOICES}
"""Trace-reading setting -> flag, for turning an engine error back into what the user typed."""

PLOT_HEIGHT = 12
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def add_column_arguments(group: argparse._ArgumentGroup) -> None:
    """The flags that choose a trace's time and size columns and its time format, built from
    the same declarations as ``run``'s."""
    for param in LOAD_PARAMS:
        if param.name in COLUMN_FLAGS:
            add_param_flag(group, param)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``trace`` and its flags."""
    p = commands.add_parser(
        "trace",
        help="summarise a request trace (CSV or JSONL): rows, span, rates, sizes, gaps, a plot",
        description=(
            "Read a trace the way 'batchtui run --pattern trace' replays it and print what it "
            "holds: rows, span, mean and peak rate (per second and per minute), the size "
            "distribution, the longest gap, and the rate over time."
        ),
    )
    p.set_defaults(handler=run)
    p.add_argument(
        "file",
        metavar="FILE",
        help=f"a trace file (CSV with a header, or JSON Lines) or a shipped trace: {NAMES_HELP}",
    )
    g = p.add_argument_group("columns")
    add_column_arguments(g)
    g = p.add_argument_group("output")
    g.add_argument("--json", metavar="PATH", help="also write the figures (batchtui.trace/1)")
    g.add_argument("--quiet", action="store_true", help="print nothing (with --json)")


def run(args: argparse.Namespace) -> int:
    """Check the output path, read the trace, print and save its figures."""
    if args.json is not None:
        check_output_path(args.json, "--json")
    try:
        path = resolve_trace(args.file, flag="trace")
        trace = load_trace(path, args.time_column, args.size_column, args.time_unit)
    except ConfigError as e:
        raise e.at(COLUMN_FLAGS.get(e.where, e.where)) from None
    summary = summarize(trace)
    if args.json is not None:
        write_json_atomically(Path(args.json), summary.to_dict())
    if not args.quiet:
        width = min(shutil.get_terminal_size((100, 24)).columns, 160)
        print(format_summary(summary))
        print()
        print(rate_plot(summary, width, PLOT_HEIGHT))
        if args.json is not None:
            print(f"figures written to {args.json}")
    return 0


def check_output_path(text: str, flag: str) -> None:
    """ConfigError under ``flag`` unless ``text`` names a file that can be written, before any
    work is done (a mistake found after reading a large trace wastes the reading)."""
    if not text.strip():
        raise ConfigError(flag, "needs a file path, got ''")
    path = Path(text).expanduser()
    if path.is_dir():
        raise ConfigError(flag, f"{text} is a folder; give a file path")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(flag, f"cannot write {text}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ConfigError(flag, f"cannot write {text}: the folder {folder} is not writable")


def format_summary(s: TraceSummary) -> str:
    """The figures as aligned lines for a terminal."""
    sizes = s.sizes
    if s.size_column is None:
        size_line = "none: every request counts as 1 token (choose one with --size-column)"
    else:
        size_line = s.size_column
    rows = [
        ("trace", s.source),
        ("times", f"{s.time_column}: {s.time_format}"),
        ("sizes from", size_line),
        ("rows", f"{s.rows:,}"),
        ("span", f"{_num(s.span_s)} s"),
        ("mean rate", _per(s.mean_rps, s.mean_rpm)),
        (
            "peak rate",
            f"{s.peak_rps:,} req/s (the second from {_num(s.peak_rps_at_s)} s), "
            f"{s.peak_rpm:,} req/min (the minute from {_num(s.peak_rpm_at_s)} s)",
        ),
        (
            "sizes",
            "  ".join(
                f"{name} {_num(sizes[name])}" for name in ("mean", "p50", "p90", "p99", "max")
            ),
        ),
        ("longest gap", _gap(s.longest_gap_s, s.longest_gap_at_s)),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def rate_plot(s: TraceSummary, width: int, height: int) -> str:
    """Requests per second over time, one point a bin, as plain text (no colours)."""
    import plotext  # here, not at the top: every batchtui command imports this module

    plotext.clf()
    plotext.theme("clear")
    plotext.limit_size(False, False)  # headless, plotext would shrink the figure to 80x24
    plotext.plotsize(width, height)
    xs = [i * s.bin_s for i in range(len(s.rate_rps))]
    plotext.plot(xs, list(s.rate_rps), marker="braille")
    plotext.title(f"requests/s over time ({_num(s.bin_s)} s bins)")
    plotext.xlabel("seconds from the first request")
    return _ANSI.sub("", plotext.build())


def _per(per_s: float | None, per_min: float | None) -> str:
    if per_s is None or per_min is None:
        return "- (all requests at one instant)"
    return f"{_num(per_s)} req/s ({_num(per_min)} req/min)"


def _gap(gap: float | None, at: float | None) -> str:
    if gap is None or at is None:
        return "- (one request)"
    return f"{_num(gap)} s (from {_num(at)} s)"


def _num(value: float) -> str:
    """A figure with about four significant digits, thousands separated: 3,501.7, 0.0523."""
    if value == 0 or abs(value) >= 1000:
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.4g}"
