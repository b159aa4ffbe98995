"""CPU cost of the lane charts: 3 queue-depth charts + 3 batch histograms in a headless app.

    python bench/chart_cost.py [--seconds 10] [--hz 2] [--size 160x48] [--chart-height 14]

Lays the six charts out as the dashboard does (three lane columns, the two charts of a lane
side by side under its figures), feeds them new data `--hz` times a second and measures the
whole app's CPU time (`time.process_time()`) over `--seconds`, as % of one core. Three runs:

- `charts`: our `QueueDepthChart` / `BatchHistogram`, new data every tick;
- `idle`: the same app fed unchanged data (the charts skip it): the app's own floor;
- `naive`: textual-plotext's `PlotextPlot` rebuilt on every tick, the approach measured at
  ~90% of a core for six charts at 4 Hz (run it with `--hz 4` to compare with that figure).

It also reports how much of each run was spent drawing (plotext and the text around it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from common import machine
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from batchtui.tui.widgets.charts import (
    BatchHistogram,
    DepthSeries,
    QueueDepthChart,
    SizeHistogram,
)

IN_PLOTEXT = [0.0]  # CPU seconds spent drawing (plotext and our text around it)
LANES = 3
BINS = 60
MAX_BATCH = 64
WINDOW_S = 10.0


class Feed:
    """Changing lane data: a queue-depth timeline that scrolls and a histogram that grows."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.timeline = [self.rng.randint(0, 40) for _ in range(BINS)]
        self.histogram = {s: self.rng.randint(0, 50) for s in range(1, MAX_BATCH + 1)}

    def step(self) -> None:
        self.timeline = [*self.timeline[1:], self.rng.randint(0, 40)]
        for _ in range(20):
            size = min(MAX_BATCH, max(1, round(self.rng.gauss(24, 12))))
            self.histogram[size] += 1


class TimedDepthChart(QueueDepthChart):
    """Counts the CPU time of the drawing itself."""

    def lines(self, data: DepthSeries | None, width: int, height: int) -> list[str]:
        t = time.process_time()
        out = super().lines(data, width, height)
        IN_PLOTEXT[0] += time.process_time() - t
        return out


class TimedHistogram(BatchHistogram):
    """Counts the CPU time of the drawing itself."""

    def lines(self, data: SizeHistogram | None, width: int, height: int) -> list[str]:
        t = time.process_time()
        out = super().lines(data, width, height)
        IN_PLOTEXT[0] += time.process_time() - t
        return out


class ChartsBench(App[None]):
    """Three lane columns, each with a filler for its sliders and figures, then two charts."""

    CSS = """
    .filler { height: 1fr; border: round $primary; }
    .lane-charts > * { width: 1fr; height: 1fr; }
    """

    def __init__(self, mode: str, hz: float, chart_height: int) -> None:
        super().__init__()
        self.mode = mode
        self.hz = hz
        self.css_chart_height = chart_height
        self.feeds = [Feed(seed) for seed in range(LANES)]
        self.pairs: list[tuple[Widget, Widget]] = []
        self.ticks = 0

    def compose(self) -> ComposeResult:
        with Horizontal():
            for lane in range(LANES):
                with Vertical():
                    yield Static(f"lane {lane}: sliders and figures", classes="filler")
                    with Horizontal(classes="lane-charts"):
                        if self.mode == "naive":
                            pair: tuple[Widget, Widget] = (PlotextPlot(), PlotextPlot())
                        else:
                            pair = (TimedDepthChart(), TimedHistogram())
                        self.pairs.append(pair)
                        yield from pair

    def on_mount(self) -> None:
        self.query(".lane-charts").set_styles(f"height: {self.css_chart_height};")
        self.set_interval(1 / self.hz, self.tick)

    def tick(self) -> None:
        self.ticks += 1
        for feed, (depth, hist) in zip(self.feeds, self.pairs, strict=True):
            if self.mode != "idle" or self.ticks == 1:
                feed.step()
            if self.mode == "naive":
                assert isinstance(depth, PlotextPlot) and isinstance(hist, PlotextPlot)
                _naive_draw(depth, hist, feed)
            else:
                assert isinstance(depth, QueueDepthChart) and isinstance(hist, BatchHistogram)
                depth.update_data(feed.timeline, WINDOW_S)
                hist.update_data(feed.histogram, MAX_BATCH)


def _naive_draw(depth: PlotextPlot, hist: PlotextPlot, feed: Feed) -> None:
    """What a first version would do: rebuild both plots on every tick."""
    depth.plt.clear_data()
    depth.plt.plot([-WINDOW_S + i * WINDOW_S / BINS for i in range(BINS)], feed.timeline)
    depth.plt.title("queue depth")
    hist.plt.clear_data()
    sizes = sorted(feed.histogram)
    hist.plt.bar([str(s) for s in sizes], [feed.histogram[s] for s in sizes])
    hist.plt.title("batch size")
    depth.refresh()
    hist.refresh()


async def measure(
    mode: str, seconds: float, hz: float, size: tuple[int, int], height: int
) -> tuple[float, list[str], int, float]:
    """CPU % of one core for one run, the chart sizes, redraws and % spent drawing."""
    app = ChartsBench(mode, hz, height)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(1.0)  # start-up and first layout are not what we measure
        IN_PLOTEXT[0] = 0.0
        redraws0 = sum(getattr(w, "redraws", 0) for pair in app.pairs for w in pair)
        wall0, cpu0 = time.monotonic(), time.process_time()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        drawn = sum(getattr(w, "redraws", 0) for pair in app.pairs for w in pair) - redraws0
        sizes = sorted({f"{w.size.width}x{w.size.height}" for pair in app.pairs for w in pair})
    return 100 * cpu / wall, sizes, drawn, 100 * IN_PLOTEXT[0] / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--hz", type=float, default=2.0, help="data updates per second")
    parser.add_argument("--size", default="160x48", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--chart-height", type=int, default=14, help="rows of a lane's charts")
    parser.add_argument("--modes", default="charts,idle,naive")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    print(machine())
    print(f"6 charts, {args.size} terminal, data at {args.hz:g} Hz for {args.seconds:g} s")
    for mode in args.modes.split(","):
        cpu, sizes, drawn, plotext = asyncio.run(
            measure(mode, args.seconds, args.hz, (width, height), args.chart_height)
        )
        extra = f", {drawn} redraws, {plotext:.1f}% drawing" if mode != "naive" else ""
        print(f"{mode:>7}: {cpu:5.1f}% of one core  (charts {', '.join(sizes)}{extra})")


if __name__ == "__main__":
    main()
