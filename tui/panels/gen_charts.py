"""A generative lane's charts over the last two minutes: TTFT p99 and output tokens/s per
second, and for a lane with a KV-cache limit its peak use; drawn with the request-level
charts' plotext canvas (``charts._Area``), from the engine's per-second GenLaneStats
(``GenSnapshot.series``), so the newest point is the figure the panel read a second ago.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical

from batchtui.engine.session.gen_messages import GenLaneSeries
from batchtui.engine.session.gen_series import SERIES_POINTS
from batchtui.tui import format as fmt
from batchtui.tui.panels.gen_figures import latency, latency_unit, per_s, tokens
from batchtui.tui.widgets.charts import PlotextChart, _Area, _no_data, _peak_per_pixel, _title

CHART_INTERVAL_S = 1.0  # as the request-level charts: plotext costs milliseconds a draw


@dataclass(frozen=True)
class SeriesData:
    """What one chart draws: a figure per step (NaN: none in it), right-aligned in
    ``slots`` steps, scaled to ``top`` (None: its largest value), read as ``unit``."""

    title: str
    values: tuple[float, ...]
    slots: int
    step_s: float
    unit: str  # "latency" (ms or s), "rate" (per second) or "share" (of ``top``)
    top: float | None = None


def reading(value: float, data: SeriesData, unit_ms: str = "ms") -> str:
    """A value as the chart's title and scale say it: ``230 ms``, ``1.2k/s``, ``45%``."""
    if data.unit == "latency":
        return f"{latency(value, unit_ms)} {unit_ms}"
    if data.unit == "share":
        return fmt.percent(value / data.top) if data.top else tokens(int(value))
    return f"{per_s(value)}/s"


def series_lines(data: SeriesData | None, width: int, height: int) -> list[str]:
    """The chart as plain text lines: a title with the newest and largest values, then the
    values as a filled step plot over the last ``slots`` steps (newest at the right)."""
    if data is None:
        return _no_data("", width, height)
    shown = [v for v in data.values if not math.isnan(v)]
    peak = max(shown, default=0.0)
    if peak <= 0:
        return _no_data(data.title, width, height)
    unit_ms = latency_unit(peak) if data.unit == "latency" else "ms"
    top = data.top or peak
    span = data.slots * data.step_s
    title = _title(
        width,
        data.title,
        f"now {reading(shown[-1], data, unit_ms)}",
        f"max {reading(peak, data, unit_ms)}",
        f"last {span:g}s",
    )
    if height < 2 or width < 8:
        return [title][:height]
    top_label = reading(top, data, unit_ms).split(" ")[0]
    area = _Area.fit(width, height - 1, label_w=max(len(top_label), 2))
    px = area.pixels
    padded = [0.0] * max(data.slots - len(data.values), 0)
    padded += [0.0 if math.isnan(v) else v for v in data.values[-data.slots :]]
    heights = _peak_per_pixel(padded, px)  # type: ignore[arg-type]  # floats peak alike
    x_ticks = [(0.0, f"-{span:g}s"), ((px - 1) / 2, f"-{span / 2:g}s"), (px - 1.0, "now")]
    return [title, *area.draw(heights, top, ("0", top_label), x_ticks)]


class SeriesChart(PlotextChart[SeriesData]):
    """One figure of a lane over time."""

    def update_data(self, data: SeriesData) -> None:
        self._offer(data)

    def lines(self, data: SeriesData | None, width: int, height: int) -> list[str]:
        """See `series_lines`."""
        return series_lines(data, width, height)


def chart_data(series: GenLaneSeries) -> dict[str, SeriesData]:
    """The charts of a lane by their id's suffix: ttft, tokens and (with a KV limit) kv."""
    step, slots = series.step_s, SERIES_POINTS
    out = {
        "ttft": SeriesData("TTFT p99", series.ttft_p99_ms, slots, step, "latency"),
        "tokens": SeriesData("output tok/s", series.output_tokens_per_s, slots, step, "rate"),
    }
    if series.kv_capacity:
        kv = tuple(float(v) for v in series.kv_peak_tokens)
        out["kv"] = SeriesData("KV peak", kv, slots, step, "share", float(series.kv_capacity))
    return out


class GenLaneCharts(Vertical):
    """A lane's charts one above the other; hidden where the terminal is compact."""

    DEFAULT_CSS = """
    GenLaneCharts {
        height: 1fr;
    }
    GenLaneCharts SeriesChart {
        height: 1fr;
    }
    """

    def __init__(self, lane: str, with_kv: bool) -> None:
        super().__init__(id=f"charts-{lane}", classes="gen-charts")
        self.lane = lane
        self._names = ("ttft", "tokens", "kv") if with_kv else ("ttft", "tokens")

    def compose(self) -> ComposeResult:
        for name in self._names:
            yield SeriesChart(
                min_interval_s=CHART_INTERVAL_S, id=f"{name}-{self.lane}", classes="chart"
            )

    def show(self, series: GenLaneSeries) -> None:
        for name, data in chart_data(series).items():
            if name in self._names:
                self.query_one(f"#{name}-{self.lane}", SeriesChart).update_data(data)
