"""Rough edges a newcomer found on the dashboard, each checked where the user sees it (on the
fixed engine, so every run draws the same figures): toasts, the load dialog, the comparison
strip's numbers, the load bar's knobs and keys typed while a prompt opens."""

from __future__ import annotations

import dataclasses

import pytest
from textual import events
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets._toast import Toast

from batchtui.engine.load import LoadSpec
from batchtui.tui.panels.comparison import ComparisonStrip
from batchtui.tui.panels.load_bar import LoadBar
from batchtui.tui.screens.load_preset import LoadPresetScreen
from batchtui.tui.shipped_traces import resolve_trace
from batchtui.tui.widgets.slider import Slider
from batchtui.tui.widgets.value_prompt import ValuePrompt
from tests.tui.fixed_engine import fixed_app, settle

SIZES = [(80, 24), (160, 48)]
IDS = [f"{w}x{h}" for w, h in SIZES]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_toasts_leave_the_comparison_strip_and_the_load_bar_uncovered(
    size: tuple[int, int],
) -> None:
    app = fixed_app()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        app.notify("a long message that needs a few lines of the toast " * 3, title="refused")
        app.notify("statistics reset")
        await settle(pilot)
        toasts = list(app.screen.query(Toast).results())
        assert len(toasts) == 2
        strip = app.query_one(ComparisonStrip).region
        bar = app.query_one("#load-bar").region
        for toast in toasts:
            assert not toast.region.overlaps(strip), (toast.region, strip)
            assert not toast.region.overlaps(bar), (toast.region, bar)
            assert app.screen.region.contains_region(toast.region)


async def test_the_load_dialog_wraps_descriptions_between_words_at_80x24() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LoadPresetScreen)
        options = app.screen.query_one("#load-list", OptionList)
        expected = {
            word
            for i in range(options.option_count)
            for word in str(options.get_option_at_index(i).prompt).split()
        }
        shown = [options.render_line(y).text for y in range(options.size.height)]
        words = [word for line in shown for word in line.strip(" ▊▎▔▁").split()]
        assert "within p99 10 ms" in " ".join(words)  # (cut at 70 characters before: "10 m")
        assert [w for w in words if w not in expected] == [], shown  # no word cut in two


async def test_keys_typed_while_a_prompt_opens_go_to_the_prompt() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        wait = app.query_one("#static-max_wait_ms", Slider)
        wait.focus()
        await settle(pilot)
        # One burst, as a terminal delivers fast typing: all queued before the prompt is up.
        for key, char in [("enter", "\r"), ("2", "2"), ("0", "0"), ("right", None)]:
            app.post_message(events.Key(key, char))
        await settle(pilot)
        assert isinstance(app.screen, ValuePrompt)
        assert app.screen.query_one("#prompt-input", Input).value == "20"
        assert wait.value == 5.0  # the slider under the dialog did not move
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ValuePrompt) and wait.value == 20.0


async def test_a_rate_column_of_the_comparison_strip_has_one_unit() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.snapshot is not None
        lanes = [
            dataclasses.replace(s, throughput_rps=rps)
            for s, rps in zip(app.snapshot.recent, (999.0, 1_234.0, 50.0), strict=True)
        ]
        strip = app.query_one(ComparisonStrip)
        strip.show(lanes, slo_ms=None)
        rows = strip.plain.splitlines()[1:4]
        served = [row.split()[-3] for row in rows]  # the req/s column (no SLO: goodput "-")
        assert served == ["1.0k", "1.2k", "0.1k"], rows


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_load_bar_shows_only_the_knobs_the_pattern_reads(size: tuple[int, int]) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        burst = app.query_one("#load-burstiness", Slider)
        rate = app.query_one("#load-rate", Slider)
        assert app.query_one(LoadBar).load.pattern == "poisson"
        assert rate.display and not burst.display  # poisson has no burstiness
        app.query_one("#load-pattern", Select).value = "gamma"
        await settle(pilot)
        assert rate.display and burst.display and burst.region.width > 10
        app.query_one("#load-pattern", Select).value = "onoff"
        await settle(pilot)
        assert not burst.display and rate.region.right <= app.screen.region.right


async def test_a_shipped_trace_is_named_by_its_short_name_on_the_load_bar() -> None:
    app = fixed_app()
    trace = resolve_trace("azure-conv")
    app.scenario = dataclasses.replace(app.scenario, load=LoadSpec(pattern="trace", trace=trace))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = str(app.query_one("#load-trace", Static).render())
        assert shown == "azure-conv at 1x" and "/" not in shown
        assert not app.query_one("#load-rate", Slider).display  # a trace has no rate to set
