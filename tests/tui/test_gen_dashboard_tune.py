"""Key ``t`` in the generative dashboard, with the real engine process on analytic-llm: the
focused lane is tuned in the background for the load as running and the token SLOs while the
engine keeps serving, progress shows in the lane, and the pick applies through the engine."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.gen.vllm_rules import vllm_refusal
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.session.gen_messages import GenLaneStats, GenSnapshot
from batchtui.engine.tune.job import TuneDone
from batchtui.tui.gen_app import GenDashboardApp
from batchtui.tui.screens.apply_tune import ApplyTuneScreen, describe
from batchtui.tui.widgets.flow_text import FlowText
from batchtui.tui.widgets.slider import Slider
from tests.tui.pilot import wait_until

LOAD = LoadSpec(rate_rps=4.0, prompt_tokens=256.0, output_tokens=32.0)
LANES = (
    LaneSpec("static", "static"),
    LaneSpec("dynamic", "dynamic"),
    LaneSpec("predictive", "predictive"),
    LaneSpec("continuous", "continuous", {"kv_cache_tokens": 32768}),
)
SCENARIO = GenScenario(load=LOAD, lanes=LANES, slo_ttft_ms=500.0, slo_tpot_ms=50.0)


def line(app: GenDashboardApp, lane: str) -> str:
    return str(app.query_one(f"#check-{lane}").render())


def running(app: GenDashboardApp, name: str) -> GenLaneStats:
    assert isinstance(app.snapshot, GenSnapshot)
    return next(s for s in app.snapshot.total if s.name == name)


@pytest.mark.flaky(
    reruns=2
)  # a cold spawn under the full suite took > 60 s to report its first trial (CI), three
# times in a row in one clean-clone run (2026-12-02 08:59), and 6 s alone right after
async def test_t_tunes_the_continuous_lane_and_applies_the_pick_through_the_engine() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#continuous-max_num_seqs", Slider).focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: "trials" in line(app, "continuous"), timeout=150)
        assert "/40 trials" in line(app, "continuous") and "(t: cancel)" in line(app, "continuous")
        clock = app.snapshot.clock  # type: ignore[union-attr]
        await wait_until(pilot, lambda: isinstance(app.screen, ApplyTuneScreen), timeout=120)
        assert app.snapshot.clock > clock  # type: ignore[union-attr]  # kept serving meanwhile
        result = app.screen.result
        assert result.lane == "continuous" and result.feasible and result.trials == 40
        assert result.figure == "p99 TTFT" and result.p99_ms is not None
        assert result.p99_ms <= 500.0
        searched = {"max_num_seqs", "max_num_batched_tokens", "chunked_prefill"}
        assert searched <= set(result.params)
        assert "kv_cache_tokens" not in result.params  # the hardware: held as the lane runs it
        assert vllm_refusal(result.params) is None
        shown = describe(result)
        assert "p99 TTFT" in shown and "SLO TTFT 500 ms, TPOT 50 ms" in shown
        await pilot.press("a")

        def applied() -> bool:
            now = running(app, "continuous").batcher
            return all(now[k] == pytest.approx(v) for k, v in result.params.items())

        await wait_until(pilot, applied, timeout=10)
        assert line(app, "continuous") == "tuned settings applied"
        assert vllm_refusal(running(app, "continuous").batcher) is None
        assert running(app, "continuous").batcher["kv_cache_tokens"] == 32768

        def sliders_follow() -> bool:  # the lane's controls show what the engine now runs
            box = app.query_one("#continuous-chunked_prefill", Checkbox)
            seqs = app.query_one("#continuous-max_num_seqs", Slider)
            return box.value is result.params["chunked_prefill"] and seqs.value == pytest.approx(
                result.params["max_num_seqs"]
            )

        await wait_until(pilot, sliders_follow, timeout=5)
        assert running(app, "static").batcher["max_batch_size"] == 32  # others as they were
        await pilot.press("q")


async def test_t_on_a_request_level_lane_and_escape_keeps_its_settings() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        before = dict(running(app, "static").batcher)
        app.query_one("#static-max_wait_ms", Slider).focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ApplyTuneScreen), timeout=120)
        result = app.screen.result
        assert result.lane == "static"
        assert set(result.params) == {"max_batch_size", "max_wait_ms"}
        await pilot.press("escape")
        await wait_until(pilot, lambda: line(app, "static") == "tuned settings not applied")
        await pilot.pause(0.3)
        assert running(app, "static").batcher == before
        await pilot.press("q")


async def test_t_again_cancels_and_without_an_slo_t_names_the_key_that_sets_one() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("t")
        job = app._tune
        assert job is not None and line(app, "static") == "tuning: starting…"
        await pilot.press("t")
        assert app._tune is None and job.finished
        assert line(app, "static") == "tune cancelled"
        await pilot.press("q")
    plain = GenScenario(load=LOAD, lanes=LANES)
    app = GenDashboardApp(plain)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("t")
        await pilot.pause(0.1)
        assert app._tune is None
        said = [n.message for n in app._notifications]
        assert any("needs a TTFT or TPOT SLO: press s" in m for m in said), said
        await pilot.press("q")


def test_the_apply_dialog_names_the_figure_and_the_targets_it_was_tuned_for() -> None:
    gen = TuneDone("continuous", {"max_num_seqs": 64}, 85.0, False, 40, "p99 TTFT", "TTFT 50 ms")
    assert describe(gen) == (
        "SLO TTFT 50 ms not met in 40 trials; closest: max_num_seqs 64 (p99 TTFT 85.0 ms)"
    )
    lost = TuneDone("static", {"max_batch_size": 8}, None, False, 12, "p99", "20 ms")
    assert describe(lost).endswith("(requests lost)") and "SLO 20 ms" in describe(lost)


def test_the_apply_dialog_gives_a_long_closest_p99_in_seconds_as_the_lane_does() -> None:
    """The walk (chat-continuous, t on the static lane) read 'p99 TTFT 7184.6k ms': the trace
    replayed whole left the closest setting two hours behind; the lanes say such times in s."""
    slo = "TTFT 1000 ms, TPOT 100 ms"
    hours = TuneDone("static", {"max_batch_size": 80}, 7_184_600.0, False, 40, "p99 TTFT", slo)
    assert describe(hours).endswith("closest: max_batch_size 80 (p99 TTFT 7,185 s)")
    second = TuneDone("static", {"max_batch_size": 8}, 1_500.0, True, 40, "p99 TTFT", slo)
    assert "(p99 TTFT 1.50 s, SLO TTFT 1000 ms, TPOT 100 ms)" in describe(second)


@pytest.mark.flaky(reruns=2)  # the same cold spawn as the test above: > 60 s to its first
# trial in one clean-clone CI run on the slower AMD VM (2026-12-02 17:17), 6-7 s alone
async def test_at_80_columns_the_progress_wraps_in_the_lane_instead_of_being_cut() -> None:
    app = GenDashboardApp(SCENARIO)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#continuous-max_num_seqs", Slider).focus()
        await pilot.press("t")
        row = app.query_one("#check-continuous", FlowText)
        await wait_until(pilot, lambda: "trials" in row.plain, timeout=150)
        lines = row.plain.splitlines()
        assert len(lines) > 1 and all(len(x) <= row.size.width for x in lines), lines
        assert " ".join(lines).endswith("(t: cancel)")
        await pilot.press("t")
        await pilot.press("q")
