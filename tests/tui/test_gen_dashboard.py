"""The generative dashboard with the real engine process: four lanes' token figures, the
continuous lane's knobs and the load on sliders, the token SLOs, and nothing cut at any size."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Checkbox, Static

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics.summary import Summary
from batchtui.engine.session.gen_messages import GenLaneStats, GenSnapshot
from batchtui.tui.cli import build_parser
from batchtui.tui.dashboard_command import dashboard_scenario_from_args
from batchtui.tui.gen_app import GenDashboardApp, token_slos
from batchtui.tui.panels.gen_comparison import GenComparison, verdict
from batchtui.tui.panels.gen_figures import gen_alarm_parts, gen_figure_rows
from batchtui.tui.panels.gen_lane_panel import GenLanePanel
from batchtui.tui.panels.gen_load_bar import GenLoadBar
from batchtui.tui.panels.gen_status import QUIET_S, arrival_hint
from batchtui.tui.widgets.flow_text import FlowText
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.slider import Slider
from batchtui.tui.widgets.value_prompt import ValuePrompt
from tests.tui.fixed_engine import SIZES
from tests.tui.pilot import numbers, wait_until

LANES = ("static", "dynamic", "predictive", "continuous")
SCENARIO = GenScenario(load=LoadSpec(rate_rps=4.0, prompt_tokens=256.0, output_tokens=32.0))


def lane(app: GenDashboardApp, name: str) -> GenLaneStats:
    assert isinstance(app.snapshot, GenSnapshot)
    return next(s for s in app.snapshot.total if s.name == name)


def served(app: GenDashboardApp) -> bool:
    return app.snapshot is not None and all(lane(app, n).completed > 0 for n in LANES)


async def test_every_lane_shows_its_token_figures_from_the_engine() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: served(app))
        await pilot.pause(0.4)
        for name in LANES:
            shown = numbers(app, name)
            for word in ("TTFT", "TPOT", "tok/s", "req/s", "seqs", "KV", "done"):
                assert word in shown, (name, word, shown)
        continuous = numbers(app, "continuous")
        assert "/256" in continuous and "of 65.5k" in continuous  # its caps: seqs and KV
        assert "/32" in numbers(app, "static")  # the request-level cap: max_batch_size
        assert "best:" in app.query_one(GenComparison).plain
        status = str(app.query_one("#status").render())
        assert "analytic-llm" in status and "no SLO" in status
        await pilot.press("q")


async def test_the_continuous_sliders_and_toggle_change_the_engines_scheduler() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#continuous-max_num_seqs", Slider).focus()
        await pilot.press("left", "left")  # 256 -> 128 -> 64 (powers of two)
        await wait_until(pilot, lambda: lane(app, "continuous").batcher["max_num_seqs"] == 64)
        app.query_one("#continuous-kv_cache_tokens", Slider).focus()
        await pilot.press("left")
        await wait_until(pilot, lambda: lane(app, "continuous").batcher["kv_cache_tokens"] == 32768)
        app.query_one("#continuous-chunked_prefill", Checkbox).focus()
        await pilot.press("space")
        await wait_until(pilot, lambda: lane(app, "continuous").batcher["chunked_prefill"] is False)
        app.query_one("#static-max_batch_size", Slider).focus()
        await pilot.press("left")
        await wait_until(pilot, lambda: lane(app, "static").batcher["max_batch_size"] == 16)
        await pilot.pause(0.4)
        assert "/64" in numbers(app, "continuous") and "of 32.8k" in numbers(app, "continuous")
        await pilot.press("q")


async def test_the_load_sliders_change_the_rate_and_token_lengths() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#load-rate_rps", Slider).focus()
        await pilot.press("right")
        app.query_one("#load-output_tokens", Slider).focus()
        await pilot.press("right")
        await wait_until(
            pilot,
            lambda: app.snapshot.load.rate_rps == 5.0 and app.snapshot.load.output_tokens == 64.0,
        )
        await pilot.press("q")


async def test_s_sets_both_token_slos_goodput_appears_and_a_lone_dash_clears_them() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: served(app))
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        app.screen.query_one("#prompt-input").value = "nope"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert "write TTFT/TPOT" in str(app.screen.query_one("#prompt-error").render())
        app.screen.query_one("#prompt-input").value = "800/60"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.slo_ttft_ms == 800.0)
        assert app.snapshot.slo_tpot_ms == 60.0
        await wait_until(pilot, lambda: "good" in numbers(app, "continuous"))
        assert "SLO TTFT ≤ 800, TPOT ≤ 60 ms" in str(app.query_one("#status").render())
        await pilot.press("s")  # the prompt says '- for none', as the README does: the walk's '-'
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt))  # was refused
        app.screen.query_one("#prompt-input").value = "-"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.slo_ttft_ms is None)
        assert app.snapshot.slo_tpot_ms is None and not isinstance(app.screen, ValuePrompt)
        await pilot.press("q")


async def test_nothing_overlaps_or_is_cut_from_80x24_to_220x60() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=SIZES[0]) as pilot:
        await wait_until(pilot, lambda: served(app))
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.6)
            assert app.has_class("compact") == (size == (80, 24)), size
            screen = app.screen.region
            footer = app.query_one(KeyFooter).region
            panels = list(app.query(GenLanePanel).results())
            assert len(panels) == 4
            for i, panel in enumerate(panels):
                assert screen.contains_region(panel.region) and panel.region.bottom <= footer.y
                assert panel.max_scroll_y == 0, f"{panel.lane} needs to scroll at {size}"
                for other in panels[i + 1 :]:
                    assert not panel.region.overlaps(other.region)
                for child in panel.children:
                    if child.display and child.region.height:
                        assert panel.content_region.contains_region(child.region), child.id
                for text in panel.query(FlowText).results():
                    lines = text.lines(text.size.width)
                    assert max((x.cell_len for x in lines), default=0) <= text.size.width
                for slider in panel.query(Slider).results():
                    assert slider.region.width >= 12, (slider.id, size)
            strip = app.query_one(GenComparison)
            assert screen.contains_region(strip.region) and strip.region.bottom <= footer.y
            assert not Region.intersection(strip.region, panels[0].region).area
        await pilot.press("q")


def test_token_slos_are_read_as_ttft_slash_tpot_with_dash_for_none() -> None:
    assert token_slos("500/50") == (500.0, 50.0)
    assert token_slos(" - / 2k ") == (None, 2000.0)
    assert token_slos("-/-") == (None, None)
    assert token_slos("-") == token_slos("") == (None, None)  # '- for none', as the prompt says
    with pytest.raises(ValueError, match="write TTFT/TPOT"):
        token_slos("500")
    with pytest.raises(ValueError, match="TPOT must be > 0"):
        token_slos("500/0")


def stats(name: str, **changes: object) -> GenLaneStats:
    summary = Summary(10, 100.0, 90.0, 150.0, 200.0, 210.0, 220.0)
    base = dict(
        name=name, batcher={"kind": name}, span_s=10.0, ttft=summary, tpot=summary,
        e2e=summary, output_tokens_per_s=300.0, requests_per_s=2.0, goodput_rps=None,
        steps=100, seqs_mean=8.0, active_mean=4.0, seqs_cap=32, kv_tokens=900,
        kv_peak=1000, kv_capacity=None, preemptions=0, arrived=40, completed=30, rejected=0,
        dropped=0, in_progress=10,
    )  # fmt: skip
    return GenLaneStats(**{**base, **changes})  # type: ignore[arg-type]


def plain(rows: list[list[Text]]) -> list[str]:
    return [" · ".join(part.plain for part in row) for row in rows]


def test_figures_name_the_head_of_line_waste_kv_share_and_the_slo_missed() -> None:
    rows = gen_figure_rows(stats("static"), slo_ttft_ms=150.0)
    assert plain(rows) == [
        "TTFT · p50 90.0 · p99 200 ms",
        "TPOT · p50 90.0 · p99 200 ms",
        "300 tok/s · 2.0 req/s",
        "seqs 8.0/32 · gen 4.0",  # half of each batch's slots still generating
        "KV 900 tok",
        "done 30/40 · +10 in flight",
    ]
    assert "red" in str(rows[0][2].spans[-1].style)  # TTFT p99 past its SLO
    full = gen_figure_rows(stats("c", kv_capacity=1000, rejected=2, preemptions=5))
    assert "KV 90% of 1.0k" in plain(full) and "preempt 5" in plain(full)
    assert plain(full)[-1] == "done 30/40 · +10 in flight · rej 2"
    dropping = stats("s", arrived=100, dropped=60)
    assert plain(gen_figure_rows(dropping))[-1] == "done 30/100 · +10 in flight · drop 60"
    assert [t.plain for t in gen_alarm_parts(dropping, None, None)] == ["DROP"]


def test_latencies_say_their_unit_one_per_row_seconds_once_a_second_is_reached() -> None:
    slow = Summary(10, 100.0, 850.0, 900.0, 1500.0, 2000.0, 2100.0)
    rows = plain(gen_figure_rows(stats("s", ttft=slow)))
    assert rows[0] == "TTFT · p50 0.85 · p99 1.50 s"
    assert rows[1] == "TPOT · p50 90.0 · p99 200 ms"
    empty = stats("s", ttft=Summary(0, None, None, None, None, None, None))
    assert plain(gen_figure_rows(empty))[0] == "TTFT · p50 - · p99 - ms"


def test_the_verdict_ranks_by_goodput_with_an_slo_else_by_tokens_per_second() -> None:
    lanes = [
        stats("static", output_tokens_per_s=100.0, goodput_rps=1.0),
        stats("continuous", output_tokens_per_s=250.0, goodput_rps=0.5),
    ]
    assert verdict(lanes, with_slo=False) == (
        "continuous",
        "best: continuous, 2.50x the output tokens/s of static",
    )
    assert verdict(lanes, with_slo=True)[0] == "static"
    idle = [stats("a", output_tokens_per_s=0.0)]
    assert verdict(idle, with_slo=False)[0] is None


def test_the_verdict_says_lanes_tie_rather_than_one_being_best_by_1_00x() -> None:
    same = [stats(name) for name in ("static", "dynamic", "continuous")]
    assert verdict(same, with_slo=False) == (None, "all 3 lanes tie: 300 output tokens/s each")
    three = [*same, stats("predictive", output_tokens_per_s=297.0)]  # within the noise
    assert verdict(three, with_slo=False) == (None, "all 4 lanes tie: 300 output tokens/s each")
    two = [*same[:2], stats("continuous", output_tokens_per_s=100.0)]
    assert verdict(two, with_slo=False)[1] == (
        "best: static and dynamic tie, 3.00x the output tokens/s of continuous"
    )
    ahead = [*same, stats("predictive", output_tokens_per_s=200.0)]
    assert verdict(ahead, with_slo=False)[1] == (
        "best: static, dynamic and continuous tie, 1.50x the output tokens/s of predictive"
    )
    missed = [stats(name, goodput_rps=0.0) for name in ("static", "continuous")]
    assert verdict(missed, with_slo=True) == (
        None,
        "no lane finished a request within the SLOs in the window",
    )


def test_the_dashboard_reads_the_generative_flags_run_reads() -> None:
    argv = ["--model", "analytic-llm", "--lanes", "static,continuous", "--max-num-seqs", "8",
            "--no-chunked-prefill", "--slo-ttft-ms", "500", "--output-tokens", "64"]  # fmt: skip
    scenario = dashboard_scenario_from_args(build_parser().parse_args(argv))
    assert isinstance(scenario, GenScenario)
    assert [(lane.name, lane.params) for lane in scenario.lanes] == [
        ("static", {}),
        ("continuous", {"max_num_seqs": 8, "chunked_prefill": False}),
    ]
    assert scenario.slo_ttft_ms == 500.0 and scenario.slo_tpot_ms is None
    assert scenario.load.rate_rps == 4.0 and scenario.load.output_tokens == 64.0


async def test_a_trace_shows_its_name_speed_and_measured_rate_and_no_token_sliders() -> None:
    scenario = dashboard_scenario_from_args(
        build_parser().parse_args(["--preset", "chat-continuous"])
    )
    assert isinstance(scenario, GenScenario) and scenario.load.pattern == "trace"
    app = GenDashboardApp(scenario)
    async with app.run_test(size=(160, 48)) as pilot:
        bar = app.query_one(GenLoadBar)
        assert [s.id for s in bar.query(Slider)] == ["load-speed"]  # no rate, no token means
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 2.0)
        await pilot.pause(0.4)
        label = bar.query_one("#load-trace", Static)
        shown = str(label.render())
        assert re.fullmatch(r"azure-conv at 0\.35x, \d[\d.]* req/s", shown), shown
        # Visible, not only set: a padding rule meant for the request-level bar once pushed
        # this text below the one-line bar.
        assert label.content_region.height >= 1 and label.content_region.y == bar.region.y
        assert app.screen.get_widget_at(label.content_region.x, bar.region.y)[0] is label
        bar.query_one("#load-speed", Slider).focus()
        await pilot.press("right")
        await wait_until(pilot, lambda: app.snapshot.load.speed == 0.5)
        await wait_until(pilot, lambda: "at 0.5x" in str(bar.query_one("#load-trace").render()))
        await pilot.press("q")


async def test_a_trace_silent_at_the_start_says_when_its_next_request_comes() -> None:
    # chat-continuous: one request at 0, then the trace's 4.3 s gap at 0.35x (12 s of
    # empty lanes). The count comes from the engine process, which knows the stream.
    scenario = dashboard_scenario_from_args(
        build_parser().parse_args(["--preset", "chat-continuous"])
    )
    app = GenDashboardApp(scenario)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.clock > 0.5)
        await pilot.pause(0.3)
        status = str(app.query_one("#status").render())
        found = re.search(r"next request in (\d+) s", status)
        assert found, status
        assert app.snapshot.arrived == 1
        due = app.snapshot.clock + app.snapshot.next_request_in_s
        assert due == pytest.approx(4.3 / 0.35, abs=0.5)  # the trace's own second request
        assert int(found[1]) == pytest.approx(due - app.snapshot.clock, abs=1.5)
        await pilot.press("q")


def test_the_arrival_hint_speaks_only_of_a_gap_worth_a_word() -> None:
    snap = GenSnapshot(0.0, 1.0, False, LoadSpec(), {}, 10.0, (), (), next_request_in_s=7.2)
    assert arrival_hint(snap) == "first request in 8 s"
    assert arrival_hint(replace(snap, arrived=3)) == "next request in 8 s"
    never = replace(snap, next_request_in_s=math.inf)
    assert arrival_hint(never) == "waiting for the first request"
    assert arrival_hint(replace(snap, next_request_in_s=QUIET_S - 0.1)) == ""
    assert arrival_hint(replace(snap, next_request_in_s=None)) == ""  # the load was changed
