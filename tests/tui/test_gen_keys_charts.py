"""The generative dashboard's third pass, through the real app and the real engine process:
charts drawn from the engine's per-second figures, the saturation badge, export (e) and
load (l) of generative presets, the keys only a real model has said to be unavailable, and
the 80-column layout (slider labels, the status line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Markdown, OptionList

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.session.gen_messages import GenSnapshot
from batchtui.presets import load_preset, user_dir
from batchtui.tui.commands import app_bindings
from batchtui.tui.gen_app import GenDashboardApp
from batchtui.tui.panels.gen_charts import SeriesChart, chart_data, reading
from batchtui.tui.screens.export_preset import ExportScreen
from batchtui.tui.screens.help import HelpScreen, key_rows
from batchtui.tui.screens.load_preset import LoadPresetScreen
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.slider import Slider
from tests.tui.pilot import wait_until

SCENARIO = GenScenario(load=LoadSpec(rate_rps=4.0, prompt_tokens=256.0, output_tokens=32.0))


def title(app: GenDashboardApp, lane: str) -> str:
    return str(app.query_one(f"#title-{lane}").render())


async def test_the_charts_draw_the_engines_per_second_figures_and_fold_away_at_80x24() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:

        def drawn() -> bool:
            snap = app.snapshot
            return isinstance(snap, GenSnapshot) and min(len(s) for s in snap.series) >= 3

        await wait_until(pilot, drawn)
        await pilot.pause(1.3)  # the charts redraw at most once a second
        assert not app.query("#kv-static")  # a request-level lane has no KV-cache limit
        assert app.query_one("#kv-continuous", SeriesChart).display
        for lane in ("static", "continuous"):
            chart = app.query_one(f"#tokens-{lane}", SeriesChart)
            data = chart._released
            assert data is not None and chart.region.height >= 6
            series = next(s for s in app.snapshot.series if s.name == lane)  # type: ignore[union-attr]
            # what it draws is the engine's series (the newest ones may have come since)
            assert data.values == series.output_tokens_per_s[: len(data.values)]
            assert data == chart_data(series)["tokens"] or len(data.values) < len(series)
            text = chart.drawn_text
            assert text.startswith("output tok/s") and "now" in text.splitlines()[-1]
            assert f"now {reading(data.values[-1], data)}" in text
            assert "TTFT p99" in app.query_one(f"#ttft-{lane}", SeriesChart).drawn_text
        assert "KV peak" in app.query_one("#kv-continuous", SeriesChart).drawn_text
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.4)
        assert all(c.region.height == 0 for c in app.query(SeriesChart).results())
        await pilot.press("q")


async def test_a_lane_whose_backlog_grows_says_saturated_and_one_that_keeps_up_does_not() -> None:
    lanes = (LaneSpec("static", "static"), LaneSpec("continuous", "continuous"))
    load = LoadSpec(rate_rps=20.0, prompt_tokens=200.0, output_tokens=100.0)
    app = GenDashboardApp(GenScenario(load=load, lanes=lanes))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: "SATURATED" in title(app, "static"), timeout=40)
        assert "SATURATED" not in title(app, "continuous")
        snap = app.snapshot
        assert isinstance(snap, GenSnapshot)
        assert [s.saturated for s in snap.recent] == [True, False]
        await pilot.press("q")


async def test_e_exports_the_focused_lane_as_a_generative_preset_that_run_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert not user_dir().exists()
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 3.0)
        app.query_one("#continuous-max_num_seqs", Slider).focus()
        await pilot.press("left")  # 256 -> 128: the preset holds the knobs as running
        await wait_until(
            pilot,
            lambda: app.snapshot.total[3].batcher["max_num_seqs"] == 128,  # type: ignore[union-attr]
        )
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        path = Path(app.screen.query_one("#export-path").value)  # type: ignore[attr-defined]
        assert path.parent == user_dir()
        await pilot.click("#export-save")
        await wait_until(pilot, path.exists)
        await pilot.press("q")
    preset = load_preset(path)
    assert preset.generative and preset.batcher_kind == "continuous"
    assert preset.batcher_params["max_num_seqs"] == 128
    assert preset.load.rate_rps == 4.0 and preset.load.output_tokens == 32.0
    assert preset.measured is not None and preset.measured["ttft_ms"]["p50"] > 0
    assert preset.measured["output_tokens_per_s"] > 0
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "batchtui.tui", "run", "--preset", path.stem, "--duration", "5"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "continuous" in done.stdout


async def test_l_lists_generative_presets_loads_one_and_refuses_a_request_level_one() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LoadPresetScreen))
        listed = app.screen.query_one(OptionList)
        names = [
            str(listed.get_option_at_index(i).prompt).split()[0] for i in range(listed.option_count)
        ]
        assert "chat-continuous" in names and "balanced" not in names, names
        await pilot.press("escape")
        await app._preset_chosen("balanced")  # typed: a request-level preset
        assert app.scenario is SCENARIO and app.preset_name is None
        await app._preset_chosen("chat-continuous")
        assert app.preset_name == "chat-continuous" and app.scenario.load.pattern == "trace"
        await wait_until(
            pilot,
            lambda: (
                app.snapshot is not None
                and app.snapshot.total[-1].batcher.get("max_num_seqs") == 64
            ),  # the preset's
        )
        assert "chat-continuous" in str(app.query_one("#status").render())
        await pilot.press("space")  # keys still work after the rebuild
        await wait_until(pilot, lambda: app.snapshot.paused)  # type: ignore[union-attr]
        await pilot.press("q")


async def test_keys_only_a_real_model_has_say_they_are_unavailable_and_why() -> None:
    app = GenDashboardApp(SCENARIO, start_paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        footer = app.query_one(KeyFooter)
        await wait_until(pilot, lambda: bool(footer.shown_keys))
        assert {"space", "r", "e", "l", "s", "t", "?", "q"} <= set(footer.shown_keys)
        assert not {"m", "v"} & set(footer.shown_keys)
        for key in ("m", "v"):
            await pilot.press(key)
            await pilot.pause(0.1)
        said = [n.message for n in app._notifications]
        assert sum("Unavailable here" in m for m in said) == 2, said
        assert sum("batchtui run --model tiny-gpt --mode live" in m for m in said) == 2, said
        assert app.snapshot.live_lane is None and app.engine is not None  # type: ignore[union-attr]
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = dict(key_rows(app, app_bindings(app)))
        assert keys["m"].startswith("Unavailable here") and keys["t"].startswith("Tune the")
        assert "generative preset" in keys["e"] and "generative preset" in keys["l"]
        text = app.screen.query_one(Markdown).source
        assert "SATURATED" in text and "Charts" in text and "unavailable here" in text
        assert "**Tune** (`t`)" in text
        await pilot.press("escape")
        await pilot.press("q")


async def test_at_80_columns_the_target_slider_keeps_a_label_and_the_clock_stays() -> None:
    scenario = GenScenario(load=SCENARIO.load, slo_ttft_ms=1000.0, slo_tpot_ms=100.0)
    app = GenDashboardApp(scenario, preset_name="chat-continuous")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.pause(0.4)
        target = app.query_one("#predictive-target_latency_ms", Slider)
        assert str(target.render_line(0).text).startswith("tgt "), target.render_line(0).text
        status = str(app.query_one("#status").render())
        assert "SLO TTFT ≤ 1000, TPOT ≤ 100 ms" in status
        assert "t=" in status and "pace" in status, status
        await pilot.press("q")
