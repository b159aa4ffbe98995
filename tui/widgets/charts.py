"""A lane's two charts, drawn with plotext: queue depth over time and the batch-size histogram.

plotext is slow (milliseconds per chart, tens at large sizes), so a chart draws only when its
data or its size changed, at most once per `min_interval_s`, and only when Textual paints it:
the drawing happens in `render_line()`, which Textual does not call for a widget that is hidden,
scrolled away or under another screen. What to draw is a pure function of the data and the
size (`depth_lines`, `histogram_lines`), testable without an app.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, NamedTuple, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual_plotext import Plot

MAX_BARS = 16
"""The histogram never has more bars than this; larger batch limits are bucketed."""
HD_CELLS = 300
"""Up to this many canvas cells, plot in half cells (twice the detail); above, in whole cells:
plotext's cost grows with the pixels it fills, and big charts do not need the detail."""
NO_DATA = "no data yet"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Runs of block or braille characters (plotted data), or of box drawing (axes and ticks).
_RUNS = re.compile(r"(?P<data>[\u2580-\u259f\u2800-\u28ff]+)|[\u2500-\u257f]+")

DataT = TypeVar("DataT")


# --- what a chart shows: values and pure drawing --------------------------------------------


@dataclass(frozen=True)
class DepthSeries:
    """Largest queue depth at a dispatch in each equal bin of the last `window_s` seconds."""

    timeline: tuple[int, ...]
    window_s: float

    @property
    def peak(self) -> int:
        """The largest depth in the window (0: nothing was dispatched)."""
        return max(self.timeline, default=0)


@dataclass(frozen=True)
class SizeBucket:
    """Batches whose size lies in `low..high` (inclusive), and how many there were."""

    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        """`"8"` for a bucket of one size, `"9-16"` for a range."""
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class SizeHistogram:
    """Batch size -> count (sorted, no zero counts), and the policy's batch limit."""

    counts: tuple[tuple[int, int], ...]
    max_batch_size: int

    @property
    def total(self) -> int:
        """How many batches."""
        return sum(count for _, count in self.counts)

    @property
    def mean(self) -> float:
        """The mean batch size (0 when there are no batches)."""
        return sum(size * count for size, count in self.counts) / max(self.total, 1)


def bucket_batch_sizes(
    histogram: Mapping[int, int], max_batch_size: int, max_bars: int = MAX_BARS
) -> tuple[SizeBucket, ...]:
    """Equal-width buckets over 1..max (widths 1, 2, 4, 5, 8, 10, 16, …), at most `max_bars`.

    Sizes above `max_batch_size` (batches sent before the limit was lowered) widen the range
    rather than vanish, so the counts always sum to the histogram's total.
    """
    top = max(max_batch_size, max(histogram, default=1), 1)
    width = _nice_at_least(math.ceil(top / max(max_bars, 1)))
    n = math.ceil(top / width)
    counts = [0] * n
    for size, count in histogram.items():
        counts[min(max(size - 1, 0) // width, n - 1)] += count
    return tuple(
        SizeBucket(i * width + 1, min((i + 1) * width, top), c) for i, c in enumerate(counts)
    )


def depth_lines(series: DepthSeries | None, width: int, height: int) -> list[str]:
    """The queue-depth chart as plain text lines: a title line, then a filled step plot."""
    title = "queue depth"
    if series is None or series.peak == 0:
        return _no_data(title, width, height)
    w, peak = series.window_s, series.peak
    title = _title(width, title, f"max {peak}", f"last {w:g}s")
    if height < 2 or width < 8:
        return [title][:height]
    area = _Area.fit(width, height - 1, label_w=len(str(peak)))
    px = area.pixels
    x_ticks = [(0.0, f"-{w:g}s"), ((px - 1) / 2, f"-{w / 2:g}s"), (px - 1.0, "now")]
    heights = _peak_per_pixel(series.timeline, px)
    return [title, *area.draw(heights, peak, ("0", str(peak)), x_ticks)]


def histogram_lines(hist: SizeHistogram | None, width: int, height: int) -> list[str]:
    """The batch-size histogram as plain text lines: a title line, then % of batches per bar."""
    title = "batch size"
    if hist is None or hist.total == 0:
        return _no_data(title, width, height)
    title = _title(width, title, f"mean {hist.mean:.1f}", f"n {hist.total}")
    if height < 3 or width < 8:
        return [title][:height]
    area = _Area.fit(width, height - 1, label_w=len("100%"), labels_below=True)
    px = area.pixels
    # A bar's slot is at least 4 half cells (3 of bar, 1 of gap) or 2 whole cells (1 and 1):
    # thinner bars turn into a hatch that is hard to read.
    bars = max(1, min(MAX_BARS, px // (4 if area.marker == "hd" else 2)))
    buckets = bucket_batch_sizes(dict(hist.counts), hist.max_batch_size, bars)
    n = len(buckets)
    slot = px // n
    bar = slot - min(max(1, slot // 4), slot - 1)  # all bars as wide; the gaps take the rest
    shares = [100.0 * b.count / hist.total for b in buckets]
    heights = [0.0] * px
    centres = []
    for i, share in enumerate(shares):
        first = i * px // n
        heights[first : first + bar] = [share] * bar
        centres.append(first + (bar - 1) / 2)
    labels = [b.label for b in buckets]
    shown = _thinned(labels, area.cols)
    if len(shown) < n:  # ranges do not all fit: label bars by their upper edge
        labels = [str(b.high) for b in buckets]
        shown = _thinned(labels, area.cols)
    top = max(shares)
    x_ticks = [(centres[i], labels[i]) for i in shown]
    return [title, *area.draw(heights, top, ("0%", f"{top:.0f}%"), x_ticks)]


@dataclass(frozen=True)
class _Area:
    """Where plotext's canvas falls in a plot of `width` x `height` cells, so that data can be
    given as one value per pixel column: bars and gaps come out exact, and plotext never
    interpolates or fills more than it shows (its line and fill code is quadratic in points)."""

    width: int
    height: int
    label_w: int  # of the y tick labels
    roomy: bool  # axes and tick labels; otherwise every cell goes to the data
    labels_below: bool  # x tick labels even when not roomy
    marker: str  # "hd": half cells; "sd": whole cells

    @classmethod
    def fit(cls, width: int, height: int, label_w: int, labels_below: bool = False) -> _Area:
        """The layout for a size: axes only where they leave room for the data."""
        roomy = width >= 20 and height >= 6
        cols = width - label_w - 1 if roomy else width
        rows = height - 2 if roomy else height - labels_below
        marker = "hd" if cols * rows <= HD_CELLS else "sd"
        return cls(width, height, label_w, roomy, labels_below, marker)

    @property
    def cols(self) -> int:
        return self.width - self.label_w - 1 if self.roomy else self.width

    @property
    def pixels(self) -> int:
        return self.cols * (2 if self.marker == "hd" else 1)

    def draw(
        self,
        heights: Sequence[float],
        top: float,
        y_labels: tuple[str, str],
        x_ticks: Sequence[tuple[float, str]],
    ) -> list[str]:
        """`heights[i]` filled up from 0 in pixel column i, scaled so that `top` fills it."""
        plt = Plot()
        plt.theme("clear")  # no colours: the widget takes them from the Textual theme
        # plotext shrinks a figure to the size of the terminal it guesses (80x24 when headless);
        # its public limit_size() only reaches its global figure, so switch it off here.
        plt._limit_size(False, False)
        plt.plotsize(self.width, self.height)
        xs = [i for i, h in enumerate(heights) if h > 0]
        plt.scatter(xs, [heights[i] for i in xs], marker=self.marker, fillx=True)
        plt.xlim(0, self.pixels - 1)  # then x = i lands exactly in pixel column i
        plt.ylim(0, top)
        if self.roomy or self.labels_below:
            plt.xticks([x for x, _ in x_ticks], [label for _, label in x_ticks])
        else:
            plt.xticks([])
        if self.roomy:
            plt.yticks([0, top], [label.rjust(self.label_w) for label in y_labels])
            plt.xaxes(True, False)  # bottom and left only: less ink than a box
            plt.yaxes(True, False)
        else:  # the title carries the scale
            plt.frame(False)
            plt.yticks([])
        return _ANSI.sub("", plt.build()).split("\n")[: self.height]


def _peak_per_pixel(timeline: Sequence[int], pixels: int) -> list[float]:
    """The largest value of the bins each pixel column overlaps (a spike never falls between)."""
    n = len(timeline)
    return [
        float(max(timeline[i * n // pixels : max(i * n // pixels + 1, -(-(i + 1) * n // pixels))]))
        for i in range(pixels)
    ]


def _title(width: int, *parts: str) -> str:
    """As many of the parts as fit, in order of importance; the first one always (cut)."""
    title = parts[0]
    for part in parts[1:]:
        if len(title) + 2 + len(part) > width:
            break
        title += "  " + part
    return title[:width]


def _no_data(title: str, width: int, height: int) -> list[str]:
    lines = [title[:width], NO_DATA.center(width)[:width]]
    return lines[:height]


def _thinned(labels: Sequence[str], width: int) -> list[int]:
    """Which bars get a label so that labels do not collide; the last (the limit) always does."""
    n = len(labels)
    slot = max(width, 1) / max(n, 1)
    need = max(len(label) for label in labels) + 2  # plotext drops labels that nearly touch
    every = max(1, math.ceil(need / slot))
    return sorted(range(n - 1, -1, -every))


def _nice_at_least(x: int) -> int:
    """The smallest of 1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, … that is at least `x`."""
    x = max(x, 1)
    decades = range(len(str(x)) + 1)
    nice = {2**k for k in range(x.bit_length() + 1)}
    nice |= {m * 10**k for k in decades for m in (1, 2, 5)} | {25 * 10**k for k in decades}
    return min(c for c in nice if c >= x)


# --- the widgets -----------------------------------------------------------------------------


class PlotextChart(Widget, Generic[DataT]):
    """A chart that draws only when its data or size changed, at most every `min_interval_s`.

    Updates arriving faster are coalesced: the newest is drawn when the interval has passed.
    """

    DEFAULT_CSS = """
    PlotextChart {
        width: 1fr;
        height: 1fr;
    }
    PlotextChart > .chart--title { text-style: bold; }
    PlotextChart > .chart--data { color: $accent; }
    PlotextChart > .chart--axes { color: $text-muted; }
    PlotextChart > .chart--label { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chart--title",
        "chart--data",
        "chart--axes",
        "chart--label",
    }

    def __init__(
        self,
        *,
        min_interval_s: float = 0.5,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        if not (math.isfinite(min_interval_s) and min_interval_s >= 0):
            raise ValueError(f"min_interval_s must be a number >= 0, got {min_interval_s!r}")
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.min_interval_s = min_interval_s
        self.redraws = 0
        """How many times the chart was actually drawn (for tests and benchmarks)."""
        self._latest: DataT | None = None  # newest data offered
        self._released: DataT | None = None  # newest data the rate limit let through
        self._released_at = -math.inf
        self._flush: Timer | None = None
        self._drawn_key: tuple[DataT | None, int, int] | None = None
        self._drawn: list[str] = []
        self._strips: list[Strip] = []
        self._strip_styles: _Styles | None = None

    @property
    def drawn_text(self) -> str:
        """The text of the last drawing, without colours (draws nothing)."""
        return "\n".join(self._drawn)

    def lines(self, data: DataT | None, width: int, height: int) -> list[str]:
        """The chart's text for `data` at a size; overridden by each chart."""
        raise NotImplementedError

    def _offer(self, data: DataT) -> None:
        if data == self._latest:
            return
        self._latest = data
        if self._flush is not None:
            return  # the pending flush will draw the newest data
        wait = self._released_at + self.min_interval_s - time.monotonic()
        if wait <= 0 or not self.is_mounted:
            self._release()
        else:
            self._flush = self.set_timer(wait, self._release, name="chart-flush")

    def _release(self) -> None:
        self._flush = None
        self._released = self._latest
        self._released_at = time.monotonic()
        self.refresh()  # render_line() draws when (and only if) Textual paints this widget

    def render_line(self, y: int) -> Strip:
        # Textual asks for lines only while painting this widget (not when it is hidden,
        # scrolled away or under another screen), so this is where drawing happens.
        width, height = self.size
        key = (self._released, width, height)
        if key != self._drawn_key:  # a resize draws at once: the old drawing no longer fits
            self._drawn = self.lines(self._released, width, height)
            self._drawn_key = key
            self._strips = []
            self.redraws += 1
        style = self.get_component_rich_style
        styles = _Styles(*(style(f"chart--{part}") for part in _Styles._fields))
        if styles != self._strip_styles or not self._strips:  # a theme change only recolours
            self._strips = [
                _strip(line, i == 0, styles, width) for i, line in enumerate(self._drawn)
            ]
            self._strip_styles = styles
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(width, self.visual_style.rich_style)


class _Styles(NamedTuple):
    """The theme's styles for the parts of a chart, by component class."""

    title: Style
    label: Style
    axes: Style
    data: Style


def _strip(line: str, is_title: bool, styles: _Styles, width: int) -> Strip:
    """One drawn line, coloured: plotted marks, axes, and labels (everything else)."""
    if is_title:
        return Strip([Segment(line, styles.title)]).adjust_cell_length(width, styles.label)
    segments = []
    at = 0
    for run in _RUNS.finditer(line):
        if run.start() > at:
            segments.append(Segment(line[at : run.start()], styles.label))
        segments.append(Segment(run.group(), styles.data if run.lastgroup else styles.axes))
        at = run.end()
    if at < len(line):
        segments.append(Segment(line[at:], styles.label))
    return Strip(segments).adjust_cell_length(width, styles.label)


class QueueDepthChart(PlotextChart[DepthSeries]):
    """Queue depth over the last window: how long the queue gets and when it builds up."""

    def update_data(self, timeline: Iterable[int], window_s: float) -> None:
        """Show a new timeline (largest depth at a dispatch per equal bin, oldest first)."""
        self._offer(DepthSeries(tuple(timeline), float(window_s)))

    def lines(self, data: DepthSeries | None, width: int, height: int) -> list[str]:
        """See `depth_lines`."""
        return depth_lines(data, width, height)


class BatchHistogram(PlotextChart[SizeHistogram]):
    """Share of batches by size: how full batches are against the policy's limit."""

    DEFAULT_CSS = """
    BatchHistogram > .chart--data { color: $secondary; }
    """

    def update_data(self, histogram: Mapping[int, int], max_batch_size: int) -> None:
        """Show a new histogram (batch size -> count) against the lane's batch limit."""
        counts = tuple(sorted((int(k), int(v)) for k, v in histogram.items() if v))
        self._offer(SizeHistogram(counts, int(max_batch_size)))

    def lines(self, data: SizeHistogram | None, width: int, height: int) -> list[str]:
        """See `histogram_lines`."""
        return histogram_lines(data, width, height)
