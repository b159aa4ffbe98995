"""The real dashboard driven with Pilot: a real engine process, real keys, real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.presets import load_preset
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.dashboard_scenario import dashboard_scenario
from batchtui.tui.panels.lane_panel import LanePanel
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.widgets.slider import Slider
from tests.live.measured import process_run_queue_wait_s
from tests.tui.pilot import analytic_scenario, numbers, wait_until


async def test_starts_and_lane_numbers_change() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.5)
        first = numbers(app, "static")
        assert "req/s" in first and "p99" in first
        clock = app.snapshot.clock
        await wait_until(pilot, lambda: app.snapshot.clock > clock + 1.0)
        await pilot.pause(0.3)
        assert numbers(app, "static") != first
        await pilot.press("q")
    assert app.engine is None


async def test_a_slider_changes_the_running_policy() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        slider = app.query_one("#static-max_batch_size", Slider)
        slider.focus()
        for _ in range(5):
            await pilot.press("left")
        assert slider.value < 32
        await wait_until(
            pilot,
            lambda: app.snapshot.total[0].batcher["max_batch_size"] == round(slider.value),
            timeout=10,
        )
        # The other lanes keep their own settings.
        assert app.snapshot.total[1].batcher["max_batch_size"] == 32
        await pilot.press("q")


async def test_pause_stops_the_clock_and_reset_clears_the_statistics() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 1.0)
        await pilot.press("space")
        await wait_until(pilot, lambda: app.snapshot.paused)
        await pilot.pause(0.4)  # the last figures (taken as it paused) reach the screen
        frozen = app.snapshot.clock
        shown = numbers(app, "dynamic")
        await pilot.pause(0.8)
        assert app.snapshot.clock == frozen
        assert numbers(app, "dynamic") == shown
        await pilot.press("r")
        await wait_until(pilot, lambda: app.snapshot.total[0].arrived == 0)
        await pilot.press("space")
        await wait_until(pilot, lambda: app.snapshot.clock > frozen + 0.5)
        await pilot.press("q")


async def test_export_writes_a_preset_that_loads_back(tmp_path: Path) -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.5)
        app.query_one("#dynamic-max_wait_ms", Slider).focus()
        await pilot.press("e")
        await pilot.pause(0.2)
        path_input = app.screen.query_one("#export-path")
        path_input.value = str(tmp_path / "mine.json")
        await pilot.click("#export-save")
        await wait_until(pilot, lambda: (tmp_path / "mine.json").exists())
        preset = load_preset(tmp_path / "mine.json")
        assert preset.batcher_kind == "dynamic"
        assert preset.measured is not None and preset.measured["latency_ms"]["p99"] > 0
        assert preset.measured["batch_size"]["mean"] >= 1
        assert preset.load.rate_rps == pytest.approx(1000.0)
        # A second export to the same path asks before overwriting.
        await pilot.press("e")
        await pilot.pause(0.2)
        app.screen.query_one("#export-path").value = str(tmp_path / "mine.json")
        await pilot.click("#export-save")
        await pilot.pause(0.2)
        assert "exists" in str(app.screen.query_one("#export-warning").render())
        await pilot.press("escape")
        await pilot.press("q")


async def test_help_opens_and_closes() -> None:
    app = BatchTuiApp(analytic_scenario(), start_paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")


async def test_quit_leaves_no_engine_process() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        process = app.engine.process
        assert process.is_alive()
        await pilot.press("q")
    assert not process.is_alive()


async def test_a_tick_while_the_app_shuts_down_draws_nothing() -> None:
    # Textual's own exit (not `q`, which stops the engine first; a failing test's teardown)
    # prunes the screen's widgets while the app's poll timers still run: a tick then drew
    # into nothing and died with NoMatches (CI).
    app = BatchTuiApp(analytic_scenario())
    prune = app._prune

    async def prune_then_tick(*nodes: object, **kwargs: object) -> None:
        await prune(*nodes, **kwargs)
        app._drawn, app._last_numbers = None, 0.0  # a fresh snapshot, due to be drawn
        app._poll_engine()
        app._poll_tune()

    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app._prune = prune_then_tick  # type: ignore[method-assign]
        app.exit()
    assert app.return_code == 0


async def test_compact_layout_at_80x24_hides_the_charts() -> None:
    app = BatchTuiApp(analytic_scenario(), start_paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert app.has_class("compact")
        assert (
            not app.query_one("#depth-static").display
            or not app.query_one("#depth-static").is_on_screen
        )
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.2)
        assert not app.has_class("compact")
        await pilot.press("q")


def test_the_dashboard_process_never_imports_torch() -> None:
    code = (
        "import sys; import batchtui.tui.app, batchtui.tui.cli, batchtui.tui.gen_app; "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_preset_scenario_puts_its_batcher_on_the_lane_of_its_kind() -> None:
    from batchtui.presets import resolve

    scenario = dashboard_scenario(resolve("low-latency"))
    static = next(lane for lane in scenario.lanes if lane.kind == "static")
    assert static.params["max_wait_ms"] == 1.0
    assert scenario.load == resolve("low-latency").run_load()
    assert scenario.slo_ms == resolve("low-latency").slo_p99_ms


LOADED_S = 0.05  # the engine waited this long for a CPU during a 1 s check: a loaded box


async def test_live_check_serves_the_focused_lane_and_shows_it_beside_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = BatchTuiApp(analytic_scenario(), check_seconds=1.0)
    started: list[str] = []  # what the lane said as the check began (a stalled test may
    # look only after the check is done)
    checking = LanePanel.checking

    def spy(panel: LanePanel, seconds: float) -> None:
        checking(panel, seconds)
        started.append(str(app.query_one("#check-predictive").render()))

    monkeypatch.setattr(LanePanel, "checking", spy)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.3)
        pid = app.engine.process.pid
        app.query_one("#predictive-max_wait_ms", Slider).focus()
        waited = process_run_queue_wait_s(pid)
        await pilot.press("v")
        check = app.query_one("#check-predictive")
        assert len(started) == 1 and "serving" in started[0]
        await wait_until(pilot, lambda: "sim" in str(check.render()), timeout=15)
        waited = process_run_queue_wait_s(pid) - waited
        shown = str(check.render())
        assert shown.startswith("live 1s") and "p50" in shown and "sim " in shown
        assert str(app.query_one("#check-static").render()) == ""  # only the focused lane
        # A lane that keeps up: the two sides compare, unless this very check measured the
        # machine taking its time (the engine waited for a CPU), which can back the live
        # queue up; the simulated side owes nothing to the machine either way.
        assert "simulated lane is saturated" not in shown
        if waited < LOADED_S:
            assert "NOT COMPARABLE" not in shown and "(sim " in shown, (shown, waited)
        await pilot.press("q")


async def test_the_command_palette_offers_the_dashboard_actions() -> None:
    app = BatchTuiApp(analytic_scenario(), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        for key in "help":
            await pilot.press(key)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")


async def test_a_lane_switches_to_the_live_runtime_and_back() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.3)
        app.query_one("#dynamic-max_wait_ms", Slider).focus()
        await pilot.press("m")
        await wait_until(pilot, lambda: app.snapshot.live_lane == "dynamic")
        frozen = app.snapshot.clock
        await wait_until(
            pilot, lambda: next(s for s in app.snapshot.recent if s.name == "dynamic").arrived > 300
        )
        await pilot.pause(0.3)
        assert app.snapshot.clock == frozen  # the simulated lanes wait
        assert "live" in str(app.query_one("#title-dynamic").render())
        assert "waiting" in str(app.query_one("#title-static").render())
        await pilot.press("m")
        await wait_until(pilot, lambda: app.snapshot.live_lane is None)
        await wait_until(pilot, lambda: app.snapshot.clock > frozen + 0.3)
        await pilot.press("q")


async def test_s_sets_the_slo_in_the_running_engine_and_a_bad_one_is_refused() -> None:
    from batchtui.tui.widgets.value_prompt import ValuePrompt

    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.3)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        prompt = app.screen
        await pilot.press(*"0", "enter")  # replaces the selected "20"
        await pilot.pause(0.2)
        assert app.screen is prompt  # refused, still asking
        assert "must be >= 0.001, got 0" in str(prompt.query_one("#prompt-error").render())
        prompt.query_one("#prompt-input").value = "2.5"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.recent[0].slo_ms == 2.5, timeout=10)
        assert app.scenario.slo_ms == 2.5  # exports carry it
        await wait_until(
            pilot, lambda: "SLO p99 ≤ 2.5 ms" in str(app.query_one("#status").render())
        )
        await pilot.press("q")


async def test_enter_on_a_lane_slider_applies_a_typed_value_the_policy_accepts() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#dynamic-max_wait_ms", Slider).focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        field = app.screen.query_one("#prompt-input")
        field.value = "70000"
        await pilot.press("enter")
        await pilot.pause(0.2)
        error = str(app.screen.query_one("#prompt-error").render())
        assert "max_wait_ms: must be <= 60000" in error  # the policy's own Param check
        field.value = "2.5"
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: app.snapshot.total[1].batcher["max_wait_ms"] == 2.5, timeout=10
        )
        await pilot.press("q")


def test_help_and_palette_are_built_from_the_bindings() -> None:
    from textual.binding import Binding

    from batchtui.tui.commands import palette_entries
    from batchtui.tui.screens.help import help_markdown

    class Extended(BatchTuiApp):
        BINDINGS = [  # noqa: RUF012 (Textual reads the class attribute)
            *BatchTuiApp.BINDINGS,
            Binding("x", "toggle_pause", "Extra", tooltip="An extra key", id="extra"),
        ]

    app = Extended(analytic_scenario())
    text = help_markdown(app)
    titles = [title for title, _, _ in palette_entries(app)]
    for binding in Extended.BINDINGS:
        assert f"| `{app.get_key_display(binding)}` | {binding.tooltip} |" in text
        assert binding.tooltip in titles
    assert "| `⏎` | type an exact value |" in text  # a slider's keys too
