"""The comparison strip: one row per lane (p50, p99, req/s, goodput, drops) and which is best.

"Best" follows `verdict.best_lane`: the most goodput among lanes whose p99 is within the
SLO with nothing dropped; figures that disqualify a lane are shown in red. The columns are
aligned here rather than by a rich Table: the strip redraws five times a second, and a
table with auto height was measured drawing twice per update.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt
from batchtui.tui.verdict import best_lane, goodput
from batchtui.tui.widgets.flow_text import FlowText

HEADERS = ("lane", "p50 ms", "p99 ms", "req/s", "goodput/s", "drops/s")
BAD = "bold red"
GAP = "  "


class ComparisonStrip(FlowText):
    """Lanes side by side over the recent window, the best one starred, the verdict below
    (wrapped between words when the terminal is narrow)."""

    def __init__(self) -> None:
        super().__init__(sep=" ", id="comparison")

    def show(self, lanes: Sequence[LaneStats], slo_ms: float | None) -> None:
        verdict = best_lane(lanes, slo_ms)
        header = [Text(h, style="dim") for h in HEADERS]
        rates = [_rates(s, slo_ms) for s in lanes]
        columns = [fmt.rate_column(column) for column in zip(*rates, strict=True)]
        shown = list(zip(*columns, strict=True))
        rows = [
            _row(s, r, texts, s.name == verdict.best, slo_ms)
            for s, r, texts in zip(lanes, rates, shown, strict=True)
        ]
        table = aligned([header, *rows])
        style = "bold green" if verdict.best else "bold yellow"
        words = [Text(word, style=style) for word in verdict.reason.split(" ")]
        self.update([*([line] for line in table), words])


def aligned(rows: Sequence[Sequence[Text]]) -> list[Text]:
    """Each row as one line: the first column left-aligned, the others right-aligned."""
    widths = [max(row[i].cell_len for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        line = Text()
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - cell.cell_len)
            if i:
                line.append(GAP + pad)
                line.append_text(cell)
            else:
                line.append_text(cell)
                line.append(pad)
        lines.append(line)
    return lines


def _rates(s: LaneStats, slo_ms: float | None) -> tuple[float, float | None, float]:
    """A lane's req/s, goodput/s (None without an SLO) and drops/s."""
    drops = (s.rejected + s.failed) / max(s.span_s, 1e-9)
    return s.throughput_rps, goodput(s) if slo_ms is not None else None, drops


def _row(
    s: LaneStats,
    rates: tuple[float, float | None, float],
    shown: tuple[str, ...],
    best: bool,
    slo_ms: float | None,
) -> list[Text]:
    """One lane's cells; its rates as ``shown`` (formatted per column, one unit each)."""
    p99 = s.latency.p99
    late = slo_ms is not None and p99 is not None and p99 > slo_ms
    name = Text(("★ " if best else "  ") + s.name, style="bold green" if best else "bold")
    served, good, drops = shown
    return [
        name,
        Text(fmt.ms(s.latency.p50)),
        Text(fmt.ms(p99), style=BAD if late else ""),
        Text(served, style="bold yellow" if s.saturated else ""),
        Text(good),
        Text(drops, style=BAD if rates[2] else ""),
    ]
