"""At every size from 80x24 to 220x60 nothing is cut, `?` and `q` are in the footer, and the
charts keep apart. Checked on what is laid out (regions) and drawn (text), on a fixed engine."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widget import Widget

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.panels.comparison import ComparisonStrip
from batchtui.tui.panels.lane_panel import LanePanel
from batchtui.tui.panels.status_line import StatusLine
from batchtui.tui.widgets.charts import BatchHistogram, QueueDepthChart
from batchtui.tui.widgets.flow_text import FlowText
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.slider import Slider
from tests.tui.fixed_engine import SIZES, fixed_app, settle

IDS = [f"{w}x{h}" for w, h in SIZES]
LANES = ("static", "dynamic", "predictive")


def inside(widget: Widget, area: Region) -> bool:
    return area.contains_region(widget.region)


def assert_nothing_cut(app: BatchTuiApp) -> None:
    screen = app.screen.region
    footer = app.query_one(KeyFooter).region
    for panel in app.query(LanePanel).results():
        assert inside(panel, screen) and panel.region.bottom <= footer.y, panel.lane
        assert panel.max_scroll_y == 0, f"{panel.lane} needs to scroll"
        for child in panel.children:
            if child.display and child.region.height:
                assert inside(child, panel.content_region), f"{child.id} cut in {panel.lane}"
        for text in panel.query(FlowText).results():
            if not text.display:
                continue
            widths = [line.cell_len for line in text.lines(text.size.width)]
            assert max(widths, default=0) <= text.size.width, f"{text.id} wider than its room"
    strip = app.query_one(ComparisonStrip)
    assert inside(strip, screen) and strip.region.bottom <= footer.y
    assert max(line.cell_len for line in strip.lines(strip.size.width)) <= strip.size.width


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("overloaded", [False, True], ids=["normal", "overloaded"])
async def test_nothing_is_cut_at_any_size(size: tuple[int, int], overloaded: bool) -> None:
    app = fixed_app(overloaded)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert_nothing_cut(app)
        for lane in LANES:
            counts = app.query_one(f"#numbers-{lane}", FlowText).plain
            assert "rej " in counts and "fail " in counts and "batch " in counts
            if overloaded:
                title = app.query_one(f"#title-{lane}", FlowText).plain
                assert "SATURATED" in title and "DROP" in title


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_footer_always_shows_help_and_quit(size: tuple[int, int]) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for focused in (None, "#dynamic-target_latency_ms"):
            footer = app.query_one(KeyFooter)
            if focused:  # a focused slider brings its own keys
                app.query_one(focused, Slider).focus()
                await pilot.pause(0.3)
            for _ in range(30):  # the footer recomposes when the focus moves
                if footer.shown_keys:
                    break
                await pilot.pause(0.1)
            assert {"?", "q"} <= set(footer.shown_keys)
            for key in footer.children:
                assert key.region.right <= size[0], f"{key} off the edge"
        if size[0] >= 130:  # room for every key of the app
            assert {"space", "r", "e", "l", "s", "m", "v"} <= set(footer.shown_keys)


@pytest.mark.parametrize("size", SIZES[1:], ids=IDS[1:])
async def test_chart_titles_never_run_together(size: tuple[int, int]) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for lane in LANES:
            depth = app.query_one(f"#depth-{lane}", QueueDepthChart)
            hist = app.query_one(f"#hist-{lane}", BatchHistogram)
            side_by_side = hist.region.y < depth.region.bottom
            if side_by_side:
                assert hist.region.x >= depth.region.right + 1, "no gap between the charts"
            else:
                assert hist.region.y >= depth.region.bottom
            assert depth.drawn_text.startswith("queue depth")
            assert hist.drawn_text.startswith("batch size")
            if size[1] >= 40:  # tall enough: both charts keep their axes
                assert "┤" in depth.drawn_text and "┤" in hist.drawn_text, lane


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_status_line_fits_and_always_shows_the_slo(size: tuple[int, int]) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        status = app.query_one(StatusLine)
        shown = status.fitted(status.content_size.width)
        assert shown.cell_len <= status.content_size.width
        assert "SLO p99 ≤ 20 ms" in shown.plain and "PAUSED" in shown.plain


async def test_the_comparison_strip_stars_the_best_lane_and_says_why() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        text = strip_text(app)
        assert "best: dynamic" in text and "★ dynamic" in text
        assert "goodput" in text and "drops/s" in text


async def test_an_overloaded_strip_names_no_best_lane() -> None:
    app = fixed_app(overloaded=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        text = strip_text(app)
        assert "no lane meets p99 ≤ 20 ms without drops" in text and "★" not in text


def strip_text(app: BatchTuiApp) -> str:
    return app.query_one(ComparisonStrip).plain
