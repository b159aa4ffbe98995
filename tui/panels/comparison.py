"""The comparison strip: every lane's p50, p99 and throughput side by side, best marked."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt


class ComparisonStrip(Static):
    """A compact table; the best value of each row is highlighted (lowest latency, most req/s)."""

    def __init__(self) -> None:
        super().__init__("", id="comparison")

    def show(self, lanes: tuple[LaneStats, ...]) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim")
        for _ in lanes:
            table.add_column(justify="right")
        table.add_row("", *[Text(lane.name, style="bold") for lane in lanes])
        rows = (
            ("p50 ms", [lane.latency.p50 for lane in lanes], min, fmt.ms),
            ("p99 ms", [lane.latency.p99 for lane in lanes], min, fmt.ms),
            ("req/s", [lane.throughput_rps for lane in lanes], max, fmt.rate),
        )
        for label, values, best_of, show in rows:
            known = [v for v in values if v is not None]
            best = best_of(known) if len(known) > 1 else None
            cells = [
                Text(show(v), style="bold green" if v is not None and v == best else "")
                for v in values
            ]
            table.add_row(label, *cells)
        self.update(table)
