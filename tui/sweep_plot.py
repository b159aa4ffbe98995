"""Pictures of a sweep: p99 against offered load per lane, in the terminal and as a file."""

from __future__ import annotations

import io
import re
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.engine.tune.sweep import Sweep
from batchtui.presets.storage import write_bytes_atomically

PLOT_MISSING = "--plot needs matplotlib: pip install 'batchtui[plot]'"
PLOT_SUFFIXES = (".png", ".svg")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check_plot_path(path: Path) -> None:
    """Refuse before any work a plot path of another kind, or a machine without matplotlib."""
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ConfigError("--plot", f"name a .png or .svg file, got {str(path)!r}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError("--plot", PLOT_MISSING.removeprefix("--plot ")) from None


def terminal_chart(result: Sweep, width: int = 78, height: int = 18) -> str:
    """p99 (ms, log scale) against offered load, one line per lane, SLO as a level line."""
    import plotext  # here, not at the top: every batchtui command imports this module

    plotext.clf()
    plotext.theme("clear")
    plotext.limit_size(False, False)
    plotext.plotsize(width, height)
    for lane in result.lanes():
        rows = [r for r in result.rows if r.lane == lane and r.p99_ms is not None]
        if rows:
            plotext.plot(
                [r.rate_rps for r in rows], [r.p99_ms for r in rows], label=lane, marker="braille"
            )
    if result.slo_ms is not None:
        plotext.hline(result.slo_ms)
    plotext.yscale("log")
    plotext.title("p99 latency (ms) against offered load (req/s)")
    return _ANSI.sub("", plotext.build())


def save_plot(result: Sweep, path: Path) -> None:
    """p99 and throughput against offered load, knees marked, as PNG or SVG (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    for lane in result.lanes():
        rows = [r for r in result.rows if r.lane == lane]
        (line,) = top.plot(
            [r.rate_rps for r in rows], [r.p99_ms or float("nan") for r in rows], "o-", label=lane
        )
        bottom.plot([r.rate_rps for r in rows], [r.throughput_rps for r in rows], "o-")
        knee = result.knees[lane]
        if knee is not None:
            top.axvline(knee, color=line.get_color(), linestyle=":", linewidth=1)
    if result.slo_ms is not None:
        top.axhline(result.slo_ms, color="grey", linestyle="--", label="SLO")
    top.set_yscale("log")
    top.set_ylabel("p99 latency (ms)")
    top.legend()
    bottom.set_ylabel("throughput (req/s)")
    bottom.set_xlabel("offered load (req/s); dotted: each lane's knee")
    fig.tight_layout()
    image = io.BytesIO()  # drawn whole first, then written as every output is (0644, atomic)
    fig.savefig(image, format=path.suffix[1:].lower())
    plt.close(fig)
    write_bytes_atomically(path, image.getvalue(), overwrite=True)
