"""Key ``t`` in the real dashboard: the focused lane is tuned in the background while the
engine keeps serving, progress shows in the lane, and the result applies to its sliders."""

from __future__ import annotations

import functools
import re
import time

import pytest
from textual.pilot import Pilot

from batchtui.engine.session import EngineClient
from batchtui.engine.tune.job import TuneJob
from batchtui.tui import format as fmt
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.applied_pick import gap, gap_text
from batchtui.tui.screens.apply_tune import ApplyTuneScreen
from batchtui.tui.widgets.flow_text import FlowText
from batchtui.tui.widgets.slider import Slider
from tests.tui.pilot import analytic_scenario, wait_until

WINDOW_S = 2.0  # the engine's recent window: the dashboard's 10 s, shorter for a test


def line(app: BatchTuiApp, lane: str) -> str:
    return str(app.query_one(f"#check-{lane}").render())


def plain(app: BatchTuiApp, lane: str) -> str:
    """The lane's note on one line, whatever its width wrapped it to."""
    return app.query_one(f"#check-{lane}", FlowText).plain.replace("\n", " · ")


@pytest.mark.flaky(
    reruns=2
)  # a cold spawn under the full suite once took > 60 s to report its first trial (CI)
async def test_t_tunes_the_focused_lane_and_applies_the_result() -> None:
    engine = functools.partial(EngineClient, window_s=WINDOW_S)
    app = BatchTuiApp(analytic_scenario(), engine_factory=engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        app.query_one("#dynamic-max_wait_ms", Slider).focus()
        await pilot.press("t")
        await wait_until(pilot, lambda: "trials" in line(app, "dynamic"), timeout=60)
        clock = app.snapshot.clock
        await wait_until(pilot, lambda: isinstance(app.screen, ApplyTuneScreen), timeout=120)
        assert app.snapshot.clock > clock  # the engine kept serving meanwhile
        result = app.screen.result
        assert result.lane == "dynamic" and result.feasible
        assert result.p99_ms is not None and result.p99_ms <= 20.0
        await pilot.press("a")

        def applied() -> bool:
            running = app.snapshot.total[1].batcher
            return all(running[k] == pytest.approx(v) for k, v in result.params.items())

        await wait_until(pilot, applied, timeout=10)
        assert app.snapshot.total[0].batcher["max_wait_ms"] == 5.0  # other lanes as they were
        # The lane holds the prediction against its own window, once that window (2 s here)
        # holds only batches served with the pick; the engine says when that began.
        predicted = f"predicted p99 {fmt.ms(result.p99_ms)} ms"
        assert f"{predicted} · measuring: " in plain(app, "dynamic")
        since = app.snapshot.settings_since["dynamic"]
        await wait_until(pilot, lambda: "measured" in plain(app, "dynamic"), timeout=20)
        shown, drawn = plain(app, "dynamic"), app._drawn  # the note is drawn with the numbers
        assert drawn is not None and drawn.clock >= since + WINDOW_S
        window = drawn.recent[1].latency.p99
        assert shown.endswith(
            f"{predicted} · measured {fmt.ms(window)} ({gap_text(gap(window, result.p99_ms))})"
        )
        # Paused, no snapshot comes: the note says so at once, and picks up again after.
        await pilot.press("space")
        assert "paused · predicted p99" in plain(app, "dynamic")
        await pilot.press("space")
        assert "paused" not in plain(app, "dynamic")
        # Moving one of its sliders: the pick is no longer what runs, the comparison stops.
        app.query_one("#dynamic-max_wait_ms", Slider).focus()
        await pilot.press("right")
        await wait_until(pilot, lambda: "stopped: slider moved" in plain(app, "dynamic"))
        await pilot.press("q")


async def test_t_again_cancels_the_tune() -> None:
    app = BatchTuiApp(analytic_scenario())
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("t")
        assert app._tune is not None
        job = app._tune
        await pilot.press("t")
        assert app._tune is None and job.finished
        assert line(app, "static") == "tune cancelled"
        await pilot.press("q")


async def waited_count(pilot: Pilot[None], app: BatchTuiApp, lane: str, above: int) -> int:
    """The seconds a tune not yet at its first trial says it has waited, once above ``above``."""

    def count() -> int | None:
        found = re.search(r"tuning: starting… · (\d+) s \(t: cancel\)$", line(app, lane))
        return None if found is None else int(found.group(1))

    await wait_until(
        pilot, lambda: (count() or 0) > above, shown=functools.partial(line, app, lane)
    )
    return count() or 0


def silent_search(progress: object, seconds: float) -> None:
    """A search that reports nothing for ``seconds``: a cold first tune before its first trial."""
    time.sleep(seconds)


async def test_a_tune_slow_to_its_first_trial_counts_the_seconds_it_has_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fresh machine's first `t` can wait many seconds for imports and a first compile:
    # the lane must show it is busy, not sit on "starting…".
    app = BatchTuiApp(analytic_scenario())
    stuck = lambda lane, load: TuneJob(lane, "p99", silent_search, 60.0)  # noqa: E731
    monkeypatch.setattr(app, "tune_job", stuck)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        await pilot.press("t")
        # At once (a loaded machine may already have counted a second by the time the
        # pilot looks: "tuning: starting… · 1 s", which the next lines wait for anyway).
        assert line(app, "static").startswith("tuning: starting…")
        # Then a count of the seconds waited, that goes up. Not "1 s" then "2 s": a loaded
        # machine can stall the app's poll past a whole second, and the line skips one (CI).
        first = await waited_count(pilot, app, "static", above=0)
        await waited_count(pilot, app, "static", above=first)
        await pilot.press("t")
        assert line(app, "static") == "tune cancelled"
        await pilot.press("q")
