"""The comparison strip: one row per lane (p50, p99, req/s, goodput, drops) and which is best.

"Best" follows `verdict.best_lane`: the most goodput among lanes whose p99 is within the
SLO with nothing dropped; figures that disqualify a lane are shown in red.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt
from batchtui.tui.overload import saturated
from batchtui.tui.verdict import best_lane, goodput

HEADERS = ("p50 ms", "p99 ms", "req/s", "goodput/s", "drops/s")
BAD = "bold red"


class ComparisonStrip(Static):
    """Lanes side by side over the recent window, the best one starred, the verdict below."""

    def __init__(self) -> None:
        super().__init__("", id="comparison")

    def show(self, lanes: Sequence[LaneStats], slo_ms: float | None) -> None:
        verdict = best_lane(lanes, slo_ms)
        table = Table.grid(padding=(0, 2))
        table.add_column()
        for _ in HEADERS:
            table.add_column(justify="right")
        table.add_row(Text("lane", style="dim"), *[Text(h, style="dim") for h in HEADERS])
        for s in lanes:
            table.add_row(*_row(s, slo_ms, s.name == verdict.best))
        style = "bold green" if verdict.best else "bold yellow"
        reason = Text(verdict.reason, style=style)  # wraps rather than be cut
        self.update(Group(table, reason))


def _row(s: LaneStats, slo_ms: float | None, best: bool) -> list[Text]:
    p99 = s.latency.p99
    late = slo_ms is not None and p99 is not None and p99 > slo_ms
    drops = (s.rejected + s.failed) / max(s.span_s, 1e-9)
    name = Text(("★ " if best else "  ") + s.name, style="bold green" if best else "bold")
    return [
        name,
        Text(fmt.ms(s.latency.p50)),
        Text(fmt.ms(p99), style=BAD if late else ""),
        Text(fmt.rate(s.throughput_rps), style="bold yellow" if saturated(s) else ""),
        Text(fmt.rate(goodput(s)) if slo_ms is not None else "-"),
        Text(fmt.rate(drops), style=BAD if drops else ""),
    ]
