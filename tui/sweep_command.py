"""``batchtui sweep``: each lane's latency–throughput curve across offered load, knee marked."""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.volume import expected_arrivals
from batchtui.engine.params import Param
from batchtui.engine.tune.sweep import COLUMNS, Sweep, linear_rates, sweep
from batchtui.presets.storage import write_text_atomically
from batchtui.tui.json_output import write_json_atomically
from batchtui.tui.output_path import check_output_path
from batchtui.tui.param_flags import add_param_flag, checked
from batchtui.tui.progress import stderr_progress
from batchtui.tui.rate_flags import parse_rates
from batchtui.tui.run_command import MAX_REQUESTS
from batchtui.tui.scenario_args import ScenarioDefaults, add_scenario_arguments, scenario_from_args
from batchtui.tui.sweep_plot import check_plot_path, save_plot, terminal_chart
from batchtui.tui.text_table import num, text_table

SECONDS = Param(
    "seconds",
    float,
    5.0,
    0.0,
    3600.0,
    "seconds of arrivals (virtual time) at each rate",
    above=True,
    unit="s",
)
DEFAULTS = ScenarioDefaults()


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``sweep`` and its flags."""
    p = commands.add_parser(
        "sweep",
        help="each lane's p50/p99 and throughput across offered load, and its knee",
        description=(
            "Run every lane at each offered load of --rates in the simulator and print, per "
            "lane and rate, p50/p99 latency, goodput and achieved throughput, with the knee: "
            "the highest rate the lane sustains within --slo-ms (without an SLO: while it "
            "completes 95%% of what is offered)."
        ),
    )
    p.set_defaults(handler=run)
    g = p.add_argument_group("sweep")
    g.add_argument(
        "--rates",
        required=True,
        metavar="LO:HI:STEPS",
        help="offered loads in req/s, STEPS evenly spaced from LO to HI, e.g. 500:5000:10",
    )
    add_param_flag(g, SECONDS, default=SECONDS.default, unset=SECONDS.default)
    g.add_argument("--json", metavar="PATH", help="write the sweep as JSON (batchtui.sweep/1)")
    g.add_argument("--csv", metavar="PATH", help="write one row per (lane, rate) as CSV")
    g.add_argument("--plot", metavar="PATH", help="draw the curves to a .png or .svg file")
    g.add_argument("--quiet", action="store_true", help="print no table or chart")
    add_scenario_arguments(p, DEFAULTS)


def run(args: argparse.Namespace) -> int:
    """Check every flag and output path, sweep, then print and write the results."""
    low, high, steps = parse_rates(args.rates, with_steps=True)
    seconds = checked(SECONDS, args.seconds)
    outputs = {
        flag: check_output_path(flag, text)
        for flag, text in (("--json", args.json), ("--csv", args.csv), ("--plot", args.plot))
        if text is not None
    }
    if "--plot" in outputs:
        check_plot_path(outputs["--plot"])
    scenario = scenario_from_args(args, DEFAULTS)
    if scenario.load.pattern == "trace":
        raise ConfigError("--rates", "a trace replays its own times; sweep a synthetic --pattern")
    top = expected_arrivals(scenario.load.replace(rate_rps=high), seconds)
    if top > MAX_REQUESTS:
        raise ConfigError(
            "--rates",
            f"HI for --seconds {seconds:g} would generate about {top:,.0f} requests "
            f"per lane; keep that under {MAX_REQUESTS:,} (lower HI or --seconds)",
        )
    result = sweep(scenario, linear_rates(low, high, steps), seconds, stderr_progress("sweeping"))
    if "--json" in outputs:
        write_json_atomically(outputs["--json"], result.to_json(scenario))
    if "--csv" in outputs:
        _write_csv(outputs["--csv"], result)
    if "--plot" in outputs:
        save_plot(result, outputs["--plot"])
    if not args.quiet:
        print(format_sweep(result))
        print()
        print(terminal_chart(result))
        for flag, path in outputs.items():
            print(f"{flag[2:]} written to {path}")
    return 0


def csv_text(result: Sweep) -> str:
    """The sweep as CSV: a header of COLUMNS, then one row per (lane, rate); empty for none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in result.rows:
        writer.writerow(["" if v is None else v for v in row.to_json().values()])
    return buffer.getvalue()


def _write_csv(path: Path, result: Sweep) -> None:
    try:
        write_text_atomically(path, csv_text(result), overwrite=True)
    except OSError as e:
        raise ConfigError("--csv", f"cannot write {str(path)!r}: {e.strerror or e}") from None


def format_sweep(result: Sweep) -> str:
    """One block per lane: a row per rate, the knee's row marked, then the knees."""
    headers = ("lane", "rate", "throughput", "goodput", "p50 ms", "p99 ms", "busy", "")
    rows = []
    for r in result.rows:
        mark = "< knee" if result.knees[r.lane] == r.rate_rps else ("" if r.sustained else "x")
        rows.append(
            (
                r.lane,
                num(r.rate_rps),
                num(r.throughput_rps),
                num(r.goodput_rps),
                num(r.p50_ms),
                num(r.p99_ms),
                f"{r.device_busy:.0%}",
                mark,
            )
        )
    table = text_table(headers, rows, (False, True, True, True, True, True, True, False))
    within = f"p99 within {result.slo_ms:g} ms" if result.slo_ms is not None else "95% completed"
    knees = ", ".join(
        f"{lane} {num(k) + ' req/s' if k is not None else 'none'}"
        for lane, k in result.knees.items()
    )
    return f"{table}\nx: not sustained ({within})\nknee (highest rate sustained): {knees}"
