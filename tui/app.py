"""The dashboard: three batchers on one load, tuned live, exported as presets.

The engine runs in a child process (``EngineClient``); this app only reads its snapshots
and sends it commands, so nothing the UI does can perturb what is measured, and this
process never imports torch. Numbers refresh at about 5 Hz, charts at most 1 Hz, and
nothing redraws while paused or when no new snapshot arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from batchtui.engine.errors import ConfigError
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import SLO_MS, Scenario
from batchtui.engine.session import (
    CancelCheck,
    CheckCancelled,
    CommandFailed,
    Engine,
    EngineClient,
    EngineFailed,
    Pause,
    ResetStats,
    Resume,
    RunSideBySideCheck,
    SetLaneParams,
    SetLoad,
    SetSlo,
    SideBySideCheck,
    Snapshot,
    Status,
    SwitchToWallClock,
)
from batchtui.engine.tune.job import (
    TuneDone,
    TuneFailed,
    TuneJob,
    TuneProgress,
    TuneStage,
    lane_tune_job,
)
from batchtui.presets import Preset, resolve, save_preset, user_dir
from batchtui.presets.from_lane import device_label, lane_preset, measured_figures
from batchtui.tui import format as fmt
from batchtui.tui.applied_pick import AppliedPick, note_parts
from batchtui.tui.commands import DashboardCommands
from batchtui.tui.dashboard_scenario import dashboard_scenario
from batchtui.tui.messages import LaneParamsChanged, LoadChanged
from batchtui.tui.panels.comparison import ComparisonStrip
from batchtui.tui.panels.lane_panel import LanePanel
from batchtui.tui.panels.load_bar import LoadBar
from batchtui.tui.panels.status_line import StatusLine
from batchtui.tui.screens.apply_tune import ApplyTuneScreen
from batchtui.tui.screens.engine_stopped import EngineStoppedScreen
from batchtui.tui.screens.export_preset import ExportRequest, ExportScreen
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.screens.load_preset import LoadPresetScreen
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.value_prompt import ValuePrompt, parse_number

POLL_S = 0.1  # how often the app reads the engine's messages
NUMBERS_S = 0.2  # numbers refresh at most this often (~5 Hz)
COMPACT_WIDTH, COMPACT_HEIGHT = 90, 30  # below either, charts give way to numbers
SHORT_HEIGHT = 40  # below, each lane keeps to its main figures

EngineFactory = Callable[..., Engine]
EXIT_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)
)
"""Signals that end the dashboard cleanly: terminal restored, engine stopped, non-zero exit."""
EXIT_GRACE_S = 2.0  # after a signal, the process ends within this even if the terminal is gone


class BatchTuiApp(App[None]):
    """Load bar, three lane panels, comparison strip, footer; keys in the footer."""

    CSS_PATH = "app.tcss"
    TITLE = "batchtui"
    COMMANDS = App.COMMANDS | {DashboardCommands}
    # The one list of the dashboard's keys: the footer, the help screen and the command
    # palette are built from it (description: the footer's word; tooltip: what it does).
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause", tooltip="Pause or resume", id="pause"),
        Binding("r", "reset", "Reset", tooltip="Reset statistics", id="reset"),
        Binding(
            "e", "export", "Export", tooltip="Export the focused lane as a preset", id="export"
        ),
        Binding("l", "load_preset", "Load", tooltip="Load a preset", id="load"),
        Binding("s", "set_slo", "SLO", tooltip="Set the p99 SLO (goodput, best lane)", id="slo"),
        Binding(
            "m",
            "toggle_live",
            "Live",
            tooltip="Serve the focused lane live (again: back to the simulator)",
            id="live-lane",
        ),
        Binding(
            "v",
            "check_live",
            "Check",
            tooltip="Live check of the focused lane (5 s beside the simulator)",
            id="check-live",
        ),
        Binding(
            "t",
            "tune",
            "Tune",
            tooltip="Tune the focused lane for this load and SLO (again: cancel)",
            id="tune",
        ),
        Binding("question_mark", "help", "Help", tooltip="Help: keys and figures", id="help"),
        Binding("q", "quit", "Quit", tooltip="Quit", id="quit"),
    ]

    def __init__(
        self,
        scenario: Scenario,
        *,
        preset_name: str | None = None,
        start_paused: bool = False,
        engine_factory: EngineFactory = EngineClient,
        check_seconds: float = 5.0,
        engine: Engine | None = None,
        first_snapshot: Snapshot | None = None,
    ) -> None:
        """``engine`` (with its ``first_snapshot``) is one already started and serving, as
        ``batchtui`` starts it before opening the screen; without it the app starts one."""
        super().__init__()
        self.scenario = scenario
        self.preset_name = preset_name
        self.paused = start_paused
        self._engine_factory = engine_factory
        self.check_seconds = check_seconds
        self.engine: Engine | None = engine
        self.snapshot: Snapshot | None = first_snapshot
        self.engine_error: str | None = None  # why the engine stopped, while it is stopped
        self._serving: tuple[Scenario, str | None] | None = (
            (scenario, preset_name) if first_snapshot is not None else None
        )  # the last scenario (and preset name) the engine served: what a restart goes back to
        self._checking: str | None = None  # the lane whose live check is running
        self._failures_said: set[tuple[str, str]] = set()  # (lane, reason) already toasted
        self._tune: TuneJob | None = None  # the background tune of a lane (key t)
        self._tune_since: float | None = None  # when it started, until its first trial
        self._tune_stage = "starting…"  # what it does before its first trial
        self._applied: dict[str, AppliedPick] = {}  # lane -> a tune's pick applied to it
        self._drawn: Snapshot | None = None
        self._last_numbers = 0.0

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield LoadBar(self.scenario.load)
        with Horizontal(id="lanes"):
            for spec in self.scenario.lanes:
                yield LanePanel(spec.name, spec.kind, self._initial_params(spec))
        yield ComparisonStrip()
        yield KeyFooter()

    def on_mount(self) -> None:
        self._apply_compact(self.size.width, self.size.height)
        self._catch_exit_signals()
        if self.engine is None:
            self._start_engine()
        self.set_interval(POLL_S, self._poll_engine)
        self.set_interval(POLL_S, self._poll_tune)

    def _catch_exit_signals(self) -> None:
        """SIGTERM, SIGHUP or SIGINT: leave through Textual's own exit, which restores the
        terminal (alternate screen, mouse reporting), rather than dying with it broken."""
        loop = asyncio.get_running_loop()
        for sig in EXIT_SIGNALS:
            # Not in the main thread, or on a platform without signal handlers: skip.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._exit_on_signal, sig)

    def _release_exit_signals(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            for sig in EXIT_SIGNALS:
                loop.remove_signal_handler(sig)

    def _exit_on_signal(self, sig: int) -> None:
        self.stop_engine()
        self.exit(return_code=128 + int(sig))
        # When the terminal itself is gone (SIGHUP from a closed window), restoring it can
        # block for good; the engine is already stopped, so end the process regardless.
        guard = threading.Timer(EXIT_GRACE_S, os._exit, args=(128 + int(sig),))
        guard.daemon = True
        guard.start()

    def on_resize(self, event: Any) -> None:
        self._apply_compact(event.size.width, event.size.height)

    async def _rebuild(self) -> None:
        """Lay the panels out anew for ``self.scenario`` (its lanes may differ)."""
        await self.recompose()
        self._apply_compact(self.size.width, self.size.height)
        # The focused widget was removed with the old panels; keys sent to it would go
        # nowhere (not even to the app's own bindings), so focus the first control.
        self.screen.set_focus(None)
        self.screen.focus_next()

    def _apply_compact(self, width: int, height: int) -> None:
        compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(compact, "compact")
        self.set_class(compact or height < SHORT_HEIGHT, "short")
        self._drawn = None  # the figures' rows depend on the size: draw them again

    def _initial_params(self, spec: Any) -> dict[str, Any]:
        return make_policy(spec.kind, **spec.params).params

    # -- engine ------------------------------------------------------------------------
    def _start_engine(self) -> None:
        self.engine_error = None
        self.engine = self._engine_factory(self.scenario, paused=self.paused)

    def _poll_engine(self) -> None:
        if self.engine is None or not self.is_running:
            return  # no engine, or shutting down: the widgets may be gone already
        for event in self.engine.events():
            if isinstance(event, Snapshot):
                self.snapshot = event
                self._serving = (self.scenario, self.preset_name)
            elif isinstance(event, Status):
                self.query_one(StatusLine).starting(event.stage, event.fraction)
            elif isinstance(event, SideBySideCheck):
                self._checking = None
                self.query_one(f"#lane-{event.lane}", LanePanel).show_check(event)
                why = event.why_not
                self.notify(
                    f"{event.lane}: live p50 {fmt.ms(event.live.latency.p50)} ms vs sim "
                    f"{fmt.ms(event.sim.latency.p50)} ms"
                    + (f" (not comparable: {why})" if why else ""),
                    title="live check done",
                    severity="warning" if why else "information",
                    timeout=5,
                )
            elif isinstance(event, CheckCancelled):
                self._checking = None
                self._note(event.lane, "live check cancelled")
                self.notify(f"{event.lane}: live check cancelled", title="cancelled", timeout=2)
            elif isinstance(event, CommandFailed):
                if event.command == "RunSideBySideCheck" and self._checking is not None:
                    self._note(self._checking, event.message)
                    self._checking = None
                self.notify(event.message, title="refused", severity="error")
            elif isinstance(event, EngineFailed):
                self._engine_stopped(event.message)
                return
        self._refresh_numbers()

    def _engine_stopped(self, message: str) -> None:
        """Say so where the numbers were, refuse what needs an engine, offer restart or quit."""
        self.stop_engine()
        self.engine_error = message
        self._checking = None
        self._applied.clear()  # nothing measures them now
        self.query_one(StatusLine).failed(message)
        for spec in self.scenario.lanes:
            self.query_one(f"#lane-{spec.name}", LanePanel).engine_stopped(message)
        self.refresh_bindings()
        if self._serving is None:
            what = "the same settings"
        else:
            what = f"preset {self._serving[1]}" if self._serving[1] else "the settings that ran"
        self.push_screen(EngineStoppedScreen(message, what), self._after_stop)

    async def _after_stop(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit(return_code=1)
        elif choice == "restart":
            await self.restart_engine()

    async def restart_engine(self) -> None:
        """Start the engine again, on the last scenario it served if there was one."""
        self.stop_engine()
        if self._serving is not None and self._serving[0] is not self.scenario:
            self.scenario, self.preset_name = self._serving
            await self._rebuild()
        self.snapshot = self._drawn = None
        self._applied.clear()  # a new engine: its clock starts again
        self._start_engine()
        self.refresh_bindings()
        self.notify("engine restarting", timeout=2)

    NEEDS_ENGINE = frozenset({"toggle_pause", "reset", "toggle_live", "check_live", "export"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the engine is stopped, the keys that need it are shown disabled."""
        if action in self.NEEDS_ENGINE and self.engine is None:
            return None
        return True

    def _refresh_numbers(self) -> None:
        snap = self.snapshot
        if snap is None or snap is self._drawn:
            return  # nothing new: nothing to redraw
        now = time.monotonic()
        if now - self._last_numbers < NUMBERS_S:
            return
        self._last_numbers = now
        self._drawn = snap
        self._draw(snap)

    def _draw(self, snap: Snapshot) -> None:
        """Show a new snapshot: status, lanes, comparison and load."""
        slo_ms = self.scenario.slo_ms
        short = self.has_class("short")
        self.query_one(StatusLine).running(snap, self.preset_name, slo_ms)
        for recent, total in zip(snap.recent, snap.total, strict=True):
            panel = self.query_one(f"#lane-{recent.name}", LanePanel)
            mode = (
                "sim"
                if snap.live_lane is None
                else ("live" if snap.live_lane == recent.name else "waiting")
            )
            panel.show(recent, total, slo_ms, snap.window_s, mode, short)
        self._say_new_failures(snap.recent)
        self._show_applied(snap)
        self.query_one(ComparisonStrip).show(snap.recent, slo_ms)
        self.query_one(LoadBar).show(snap.load)

    def on_lane_params_changed(self, message: LaneParamsChanged) -> None:
        self.query_one(f"#lane-{message.lane}", LanePanel).outdate_check("slider moved")
        self._end_applied("slider moved", message.lane)
        self._send(SetLaneParams(message.lane, message.params))

    def on_load_changed(self, message: LoadChanged) -> None:
        try:
            message.load.validate()
        except ConfigError as e:
            self.notify(str(e), title="refused", severity="error")
            return
        self._outdate_checks("load changed")
        self._end_applied("load changed")
        self._send(SetLoad(message.load))

    # -- actions -----------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self._send(Pause() if self.paused else Resume())
        if self.snapshot is not None:
            self._show_applied(self.snapshot)  # no snapshot comes while paused: say it here
        self.notify("paused" if self.paused else "running", timeout=1.5)

    def action_reset(self) -> None:
        self._outdate_checks("stats reset")
        self._end_applied("stats reset")
        self._send(ResetStats())
        self.notify("statistics reset", timeout=1.5)

    def action_toggle_live(self) -> None:
        """Serve the focused lane on the wall clock (the others wait), or back to the simulator."""
        lane = self.focused_lane()
        live = self.snapshot.live_lane if self.snapshot is not None else None
        self._end_applied("live switched")  # the live lane's window is wall time; the rest wait
        self._send(SwitchToWallClock(None if live == lane else lane))
        self.notify(
            f"{lane}: back to the simulator" if live == lane else f"{lane}: live, others wait",
            timeout=2,
        )

    def action_check_live(self) -> None:
        """Start a live check of the focused lane, or cancel the one running."""
        if self._checking is not None:
            self._send(CancelCheck())
            self.notify(f"{self._checking}: cancelling the live check", timeout=2)
            return
        lane = self.focused_lane()
        self._checking = lane
        self._applied.pop(lane, None)  # the check's figures take the lane's line
        self.query_one(f"#lane-{lane}", LanePanel).checking(self.check_seconds)
        self._send(RunSideBySideCheck(lane, self.check_seconds))

    def action_set_slo(self) -> None:
        """Ask for the p99 SLO that goodput and the best lane are judged against."""
        current = self.scenario.slo_ms
        prompt = ValuePrompt("p99 SLO", f"{current:g}" if current else "", _slo_check, "ms")
        self.push_screen(prompt, self._slo_chosen)

    def _slo_chosen(self, slo_ms: float | None) -> None:
        if slo_ms is None:
            return
        self.scenario = dataclasses.replace(self.scenario, slo_ms=slo_ms)
        self._send(SetSlo(slo_ms))
        self._drawn = None  # redraw the alarms and the verdict against the new SLO
        self.notify(f"SLO p99 ≤ {slo_ms:g} ms", timeout=2)

    # -- tune (key t) -------------------------------------------------------------------
    def action_tune(self) -> None:
        """Tune the focused lane for the current load and SLO in the background, or cancel."""
        if self._tune is not None:
            job, self._tune = self._tune, None
            job.cancel()
            self._note(job.lane, "tune cancelled")
            return
        lane = self.focused_lane()
        self._applied.pop(lane, None)  # the tune's progress takes the lane's line
        load = self.snapshot.load if self.snapshot is not None else self.scenario.load
        self._tune = self.tune_job(lane, load)
        if self._tune is not None:
            self._tune_since = time.monotonic()
            self._tune_stage = "starting…"
            self._note(lane, "tuning: starting…")

    def tune_job(self, lane: str, load: Any) -> TuneJob | None:
        """A background tune of ``lane`` at ``load`` for the SLO; None (said) without one."""
        if self.scenario.slo_ms is None:
            self.notify("tuning needs an SLO: start with --slo-ms", severity="error")
            return None
        return lane_tune_job(self.scenario, lane, load, self.scenario.slo_ms)

    def _poll_tune(self) -> None:
        job = self._tune
        if job is None or not self.is_running:
            return
        events = job.events()
        for event in events:
            if isinstance(event, TuneStage):
                self._tune_stage = f"{event.what} {event.fraction:.0%}"
        if self._tune_since is not None and all(isinstance(e, TuneStage) for e in events):
            # A cold first tune (imports, a kernel's first compile, measuring a torch model)
            # can take many seconds before its first trial: say what it does, and count them.
            waited = int(time.monotonic() - self._tune_since)
            if waited >= 1 or events:
                self._note(job.lane, f"tuning: {self._tune_stage} · {waited} s (t: cancel)")
        for event in events:
            if isinstance(event, TuneProgress):
                self._tune_since = None
                best = (
                    "SLO not met yet"
                    if event.best_p99_ms is None
                    else (f"best {event.figure} {fmt.ms(event.best_p99_ms)} ms")
                )
                self._note(
                    job.lane, f"tuning: {event.done}/{event.budget} trials, {best} (t: cancel)"
                )
            elif isinstance(event, TuneDone):
                self._tune = None
                self._note(job.lane, "tuned: apply?")
                self.push_screen(ApplyTuneScreen(event), functools.partial(self._tuned, event))
            elif isinstance(event, TuneFailed):
                self._tune = None
                self._note(job.lane, f"tune failed: {event.message}")

    def _tuned(self, result: TuneDone, apply: bool | None) -> None:
        """Apply a finished tune to its lane (the sliders follow the engine), or keep as is;
        an applied request-level pick is then held against the lane's own window p99."""
        if not apply:
            self._note(result.lane, "tuned settings not applied")
            return
        snap = self.snapshot
        self._send(SetLaneParams(result.lane, result.params))
        self.query_one(f"#lane-{result.lane}", LanePanel).show_applied(result.params)
        if result.figure != "p99" or snap is None:  # a generative lane's TTFT: not compared
            self._note(result.lane, "tuned settings applied")
            return
        self._applied[result.lane] = AppliedPick(
            result.lane, result.p99_ms, sent_at=snap.clock, figure=result.figure
        )
        if snap.live_lane is not None:  # its window runs on the wall clock, the rest wait
            self._end_applied("live switched", result.lane)
        self._show_applied(snap)

    def _show_applied(self, snap: Snapshot | None) -> None:
        """Each applied pick against its lane's window, once the window holds only batches
        served with it (tui/applied_pick.py); an ended one keeps its last line."""
        for lane, pick in list(self._applied.items()):
            if snap is not None and pick.ended is None:
                recent = next(s for s in snap.recent if s.name == lane)
                pick = pick.seen(
                    snap.clock,
                    snap.window_s,
                    snap.settings_since.get(lane),
                    recent.latency.p99,
                    recent.latency.count,
                )
                self._applied[lane] = pick
            clock, window_s = (snap.clock, snap.window_s) if snap else (0.0, 0.0)
            parts = note_parts(pick, clock, window_s, paused=self.paused)
            self.query_one(f"#lane-{lane}", LanePanel).note_parts(parts)
            if pick.ended is not None:
                del self._applied[lane]  # said once; its line stays until something else

    def _outdate_checks(self, why: str) -> None:
        """Every lane's shown live check is from before ``why``: say so where it stands."""
        for panel in self.query(LanePanel).results(LanePanel):
            panel.outdate_check(why)

    def _end_applied(self, why: str, lane: str | None = None) -> None:
        """The comparison with a pick no longer holds (for ``lane``, or every lane): say why."""
        for name in [lane] if lane is not None else list(self._applied):
            if name in self._applied:
                self._applied[name] = self._applied[name].end(why)
        self._show_applied(self.snapshot)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_export(self) -> None:
        lane = self.focused_lane()
        name = f"{lane}-{datetime.now().strftime('%Y%m%d-%H%M')}"
        self.push_screen(ExportScreen(lane, name, user_dir()), self._export_chosen)

    def action_load_preset(self) -> None:
        self.push_screen(LoadPresetScreen(), self._preset_chosen)

    async def action_quit(self) -> None:
        self.stop_engine()
        self.exit()

    def on_unmount(self) -> None:
        self._release_exit_signals()
        if self._tune is not None:
            self._tune.cancel()
        self.stop_engine()

    def _say_new_failures(self, lanes: Any) -> None:
        """A toast with the full reason the first time a lane's batches fail for it (the lane
        itself has room for a short form only)."""
        for s in lanes:
            for reason in s.failure_reasons:
                if (s.name, reason) not in self._failures_said:
                    self._failures_said.add((s.name, reason))
                    self.notify(
                        reason, title=f"{s.name}: batches fail", severity="error", timeout=10
                    )

    def _note(self, lane: str, message: str) -> None:
        """One line in the lane's check row: how a live check or a tune is going or ended."""
        self.query_one(f"#lane-{lane}", LanePanel).note(message)

    def _send(self, command: Any) -> None:
        if self.engine is not None:  # a stopped engine takes nothing (its keys are disabled)
            self.engine.send(command)

    def stop_engine(self) -> None:
        if self.engine is not None:
            engine, self.engine = self.engine, None
            engine.close()

    def focused_lane(self) -> str:
        """The lane holding the focus, or the first lane."""
        node = self.focused
        while node is not None:
            if isinstance(node, LanePanel):
                return node.lane
            node = node.parent
        return self.scenario.lanes[0].name

    # -- presets -----------------------------------------------------------------------
    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        try:
            preset = self.lane_preset(self.focused_lane(), request.name)
            path = save_preset(preset, request.path, overwrite=request.overwrite, make_folder=True)
        except (ConfigError, OSError) as e:
            self.notify(str(e), title="not saved", severity="error", timeout=8)
            return
        self.notify(f"preset written to {path}", title="exported", timeout=6)

    def lane_preset(self, lane: str, name: str) -> Preset:
        """The lane's settings as running, with the figures measured over the recent window."""
        snap = self.snapshot
        spec = next(s for s in self.scenario.lanes if s.name == lane)
        batcher: dict[str, Any] = {"kind": spec.kind, **self._initial_params(spec)}
        load, measured = self.scenario.load, None
        if snap is not None:
            recent = next(s for s in snap.recent if s.name == lane)
            total = next(s for s in snap.total if s.name == lane)
            batcher, load = dict(total.batcher), snap.load
            measured = measured_figures(recent, device=device_label(snap.model))
        return lane_preset(
            name=name,
            description=f"Exported from the dashboard: the {spec.kind} lane {lane!r}.",
            batcher=batcher,
            load=load,
            model=self.scenario.model,
            device=self.scenario.device,
            slo_ms=self.scenario.slo_ms,
            measured=measured,
        )

    async def _preset_chosen(self, name_or_path: str | None) -> None:
        if not name_or_path:
            return
        try:
            preset = resolve(name_or_path)
            scenario = self.preset_scenario(preset, name_or_path)
        except ConfigError as e:
            self.notify(str(e), title="cannot load", severity="error", timeout=10)
            return
        self.stop_engine()
        self.scenario, self.preset_name = scenario, preset.name
        self.snapshot = self._drawn = None
        self._applied.clear()  # a new engine: its clock starts again
        await self._rebuild()
        self._start_engine()
        self.notify(f"loaded preset {preset.name}", timeout=3)

    def preset_scenario(self, preset: Preset, name_or_path: str) -> Any:
        """The scenario this dashboard opens for ``preset`` (ConfigError if it cannot)."""
        scenario = dashboard_scenario(preset)
        scenario.validate()
        return scenario


def _slo_check(text: str) -> float:
    """A typed SLO in ms, checked by the engine's own declaration (``SLO_MS``)."""
    return float(SLO_MS.check(parse_number(text)))
