"""The lane charts: what they draw, and that they draw only when needed (changed, shown, due)."""

from __future__ import annotations

import random
import re
from itertools import pairwise

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Horizontal

from batchtui.tui.widgets.charts import (
    MAX_BARS,
    BatchHistogram,
    DepthSeries,
    PlotextChart,
    QueueDepthChart,
    SizeHistogram,
    bucket_batch_sizes,
    depth_lines,
    histogram_lines,
)

BINS = 60
BOX = set("─│┌┐└┘┤┬├┴┼")
HALVES = {" ": "..", "▌": "#.", "▐": ".#", "▖": "#.", "▗": ".#"}  # a cell's left, right half
MARKS = {chr(c) for c in range(0x2580, 0x25A0)}  # the block elements plotext draws with


def ramp(peak: int) -> tuple[int, ...]:
    """A timeline rising from 0 to `peak` over the window."""
    return tuple(round(peak * i / (BINS - 1)) for i in range(BINS))


class ChartsApp(App[None]):
    """The two charts side by side, as in a lane panel."""

    CSS = "Horizontal { height: 12; } PlotextChart { width: 1fr; }"

    def __init__(self, min_interval_s: float) -> None:
        super().__init__()
        self.depth = QueueDepthChart(min_interval_s=min_interval_s, id="depth")
        self.hist = BatchHistogram(min_interval_s=min_interval_s, id="hist")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.depth
            yield self.hist


def screen_text(chart: PlotextChart[object]) -> str:
    """What the screen shows of the chart (the painted strips, not the chart's own copy)."""
    return "\n".join(chart.render_line(y).text for y in range(chart.size.height))


async def test_new_data_redraws_and_changes_what_is_shown() -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        depth_before, hist_before = app.depth.redraws, app.hist.redraws
        assert "no data" in screen_text(app.depth)

        app.depth.update_data(ramp(7), 10.0)
        app.hist.update_data({1: 3, 4: 5, 8: 2}, 8)
        await pilot.pause(0.1)

        assert app.depth.redraws == depth_before + 1
        assert app.hist.redraws == hist_before + 1
        shown = screen_text(app.depth)
        assert "max 7" in shown and "█" in shown and "no data" not in shown
        assert "mean 3.9" in screen_text(app.hist)  # (3·1 + 5·4 + 2·8) / 10


async def test_the_same_data_again_does_not_redraw() -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data(ramp(7), 10.0)
        app.hist.update_data({1: 3, 4: 5}, 8)
        await pilot.pause(0.1)
        depth_drawn, hist_drawn = app.depth.redraws, app.hist.redraws

        for _ in range(3):
            app.depth.update_data(list(ramp(7)), 10)  # equal values, new objects
            app.hist.update_data({4: 5, 1: 3, 2: 0}, 8)  # a zero count is no data
            await pilot.pause(0.1)

        assert (app.depth.redraws, app.hist.redraws) == (depth_drawn, hist_drawn)


async def test_a_burst_draws_at_once_then_the_newest_when_the_interval_has_passed() -> None:
    # The interval is long enough that a loaded CI machine cannot cross it mid-burst.
    app = ChartsApp(min_interval_s=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = app.depth.redraws
        for peak in range(1, 11):
            app.depth.update_data(ramp(peak), 10.0)
            await pilot.pause()  # let Textual paint between updates, as a live app would

        assert app.depth.redraws == before + 1  # the first update, at once
        assert "max 1" in app.depth.drawn_text and "max 10" not in app.depth.drawn_text

        await pilot.pause(2.3)
        assert app.depth.redraws == before + 2  # then one more: the newest
        assert "max 10" in screen_text(app.depth)


@pytest.mark.parametrize("hide", ["chart", "container"])
async def test_a_hidden_chart_does_not_redraw_and_draws_once_when_shown(hide: str) -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data(ramp(3), 10.0)
        await pilot.pause(0.1)
        hidden = app.depth if hide == "chart" else app.query_one(Horizontal)
        hidden.display = False  # the compact layout hides the charts' container
        await pilot.pause()
        hidden_at = app.depth.redraws

        for peak in (4, 5, 6):
            app.depth.update_data(ramp(peak), 10.0)
            await pilot.pause(0.1)
        assert app.depth.redraws == hidden_at

        hidden.display = True
        await pilot.pause(0.1)
        assert app.depth.redraws == hidden_at + 1
        assert "max 6" in screen_text(app.depth)


async def test_a_resize_redraws_at_the_new_size() -> None:
    app = ChartsApp(min_interval_s=10.0)  # a resize is not held back by the rate limit
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data(ramp(9), 10.0)
        await pilot.pause()
        before = app.depth.redraws
        assert max(len(line) for line in app.depth.drawn_text.splitlines()) == 40

        await pilot.resize_terminal(120, 30)
        await pilot.pause()

        assert app.depth.redraws == before + 1
        assert max(len(line) for line in app.depth.drawn_text.splitlines()) == 60


async def test_marks_are_drawn_in_the_theme_accent() -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data(ramp(9), 10.0)
        await pilot.pause()
        accent = Color.parse(app.theme_variables["accent"]).rich_color
        segments = [s for y in range(12) for s in app.depth.render_line(y) if "█" in s.text]
        assert segments and all(s.style and s.style.color == accent for s in segments)


@pytest.mark.parametrize("max_batch_size", [17, 64, 100, 256, 1000, 1024])
def test_large_batch_limits_are_bucketed_into_at_most_16_bars(max_batch_size: int) -> None:
    rng = random.Random(max_batch_size)
    sizes = [rng.randint(1, max_batch_size) for _ in range(500)]
    sizes += [max_batch_size + 5]  # sent before the limit was lowered: must not vanish
    histogram: dict[int, int] = {}
    for size in sizes:
        histogram[size] = histogram.get(size, 0) + 1

    buckets = bucket_batch_sizes(histogram, max_batch_size)

    assert 1 < len(buckets) <= MAX_BARS
    assert sum(b.count for b in buckets) == len(sizes)
    assert buckets[0].low == 1 and buckets[-1].high == max_batch_size + 5
    assert all(b.low == a.high + 1 for a, b in pairwise(buckets))
    assert len({b.high - b.low for b in buckets[:-1]}) == 1  # equal widths, the last cut short


def test_small_limits_get_a_bar_per_size() -> None:
    buckets = bucket_batch_sizes({1: 2, 3: 1, 8: 4}, 8)
    assert [b.label for b in buckets] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert [b.count for b in buckets] == [2, 0, 1, 0, 0, 0, 0, 4]


async def test_no_data_is_said_not_drawn() -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data((0,) * BINS, 10.0)
        app.hist.update_data({}, 32)
        await pilot.pause(0.1)
        assert "no data" in screen_text(app.depth)
        assert "no data" in screen_text(app.hist)

        app.depth.update_data((), 10.0)  # a window with no dispatch at all
        await pilot.pause(0.1)
        assert "no data" in screen_text(app.depth)


def test_tiny_charts_give_every_cell_to_the_data_and_larger_ones_get_axes() -> None:
    series = DepthSeries(ramp(12), 10.0)
    hist = SizeHistogram(((1, 4), (16, 9), (32, 20)), 32)
    for lines in (depth_lines(series, 24, 5), histogram_lines(hist, 24, 5)):
        assert not BOX & set("".join(lines))
    for lines in (depth_lines(series, 50, 12), histogram_lines(hist, 50, 12)):
        assert BOX & set("".join(lines))
    assert "32" in histogram_lines(hist, 24, 5)[-1]  # the limit's bar is labelled


def test_an_empty_stretch_of_the_window_stays_empty() -> None:
    lines = depth_lines(DepthSeries((0,) * 30 + (5,) * 30, 10.0), 24, 5)
    canvas = lines[1:]  # tiny: no axes, the canvas fills the width
    assert all(line[:12].strip() == "" for line in canvas)
    assert canvas[-1][12:] == "█" * 12


@pytest.mark.parametrize("size", [(24, 5), (40, 12)])
def test_a_one_bin_spike_is_never_lost_between_pixels(size: tuple[int, int]) -> None:
    for i in range(BINS):
        spike = tuple(9 if j == i else 0 for j in range(BINS))
        assert set("".join(depth_lines(DepthSeries(spike, 10.0), *size)[1:])) & MARKS, i


def test_bars_stand_apart() -> None:
    hist = SizeHistogram(tuple((k, 1) for k in range(1, 9)), 8)
    for width, height in [(24, 5), (40, 12), (80, 20)]:
        bottom = [line for line in histogram_lines(hist, width, height) if MARKS & set(line)][-1]
        halves = "".join(HALVES.get(cell, "##") for cell in bottom)
        assert len(re.findall("#+", halves)) == 8, (width, bottom)


@pytest.mark.parametrize("width", [1, 3, 8, 12, 20, 28, 41, 80, 160])
@pytest.mark.parametrize("height", [1, 2, 3, 4, 6, 9, 20, 60])
def test_every_size_fits_its_box(width: int, height: int) -> None:
    series = DepthSeries(ramp(30), 10.0)
    hist = SizeHistogram(tuple((k, k % 7) for k in range(1, 300) if k % 7), 256)
    for lines in (depth_lines(series, width, height), histogram_lines(hist, width, height)):
        assert 1 <= len(lines) <= height
        assert all(len(line) <= width for line in lines)
        if width >= 8 and height >= 3:  # a plot: every line of it, whatever the terminal's size
            assert len(lines) == height
            assert all(len(line) == width for line in lines[1:])


def test_a_negative_interval_is_refused_with_the_valid_range() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        QueueDepthChart(min_interval_s=-1)


async def test_a_theme_change_recolours_without_redrawing() -> None:
    app = ChartsApp(min_interval_s=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        app.depth.update_data(ramp(9), 10.0)
        await pilot.pause()
        drawn = app.depth.redraws

        app.theme = "gruvbox"
        await pilot.pause()

        accent = Color.parse(app.theme_variables["accent"]).rich_color
        segments = [s for y in range(12) for s in app.depth.render_line(y) if "█" in s.text]
        assert segments and all(s.style and s.style.color == accent for s in segments)
        assert app.depth.redraws == drawn
