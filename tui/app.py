"""The dashboard: three batchers on one load, tuned live, exported as presets.

The engine runs in a child process (``EngineClient``); this app only reads its snapshots
and sends it commands, so nothing the UI does can perturb what is measured, and this
process never imports torch. Numbers refresh at about 5 Hz, charts at most 1 Hz, and
nothing redraws while paused or when no new snapshot arrived.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from batchtui.engine.errors import ConfigError
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import (
    CheckLive,
    CommandFailed,
    EngineClient,
    EngineFailed,
    LiveCheck,
    Pause,
    ResetStats,
    Resume,
    SetLaneParams,
    SetLive,
    SetLoad,
    SetSlo,
    Snapshot,
    Status,
)
from batchtui.presets import preset_from_dict, resolve, save_preset, user_dir
from batchtui.tui import format as fmt
from batchtui.tui.commands import DashboardCommands
from batchtui.tui.dashboard_scenario import dashboard_scenario
from batchtui.tui.messages import LaneParamsChanged, LoadChanged
from batchtui.tui.overload import not_comparable
from batchtui.tui.panels.comparison import ComparisonStrip
from batchtui.tui.panels.lane_panel import LanePanel
from batchtui.tui.panels.load_bar import LoadBar
from batchtui.tui.panels.status_line import StatusLine
from batchtui.tui.screens.export_preset import ExportRequest, ExportScreen
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.screens.load_preset import LoadPresetScreen
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.value_prompt import ValuePrompt, parse_number

POLL_S = 0.1  # how often the app reads the engine's messages
NUMBERS_S = 0.2  # numbers refresh at most this often (~5 Hz)
COMPACT_WIDTH, COMPACT_HEIGHT = 90, 30  # below either, charts give way to numbers
SHORT_HEIGHT = 40  # below, each lane keeps to its main figures

EngineFactory = Callable[..., Any]


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
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.preset_name = preset_name
        self.paused = start_paused
        self._engine_factory = engine_factory
        self.check_seconds = check_seconds
        self.engine: Any = None
        self.snapshot: Snapshot | None = None
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
        self._start_engine()
        self.set_interval(POLL_S, self._poll_engine)

    def on_resize(self, event: Any) -> None:
        self._apply_compact(event.size.width, event.size.height)

    def _apply_compact(self, width: int, height: int) -> None:
        compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(compact, "compact")
        self.set_class(compact or height < SHORT_HEIGHT, "short")
        self._drawn = None  # the figures' rows depend on the size: draw them again

    def _initial_params(self, spec: Any) -> dict[str, Any]:
        return make_policy(spec.kind, **spec.params).params

    # -- engine ------------------------------------------------------------------------
    def _start_engine(self) -> None:
        self.engine = self._engine_factory(self.scenario, paused=self.paused)

    def _poll_engine(self) -> None:
        if self.engine is None:
            return
        for event in self.engine.events():
            if isinstance(event, Snapshot):
                self.snapshot = event
            elif isinstance(event, Status):
                self.query_one(StatusLine).starting(event.stage, event.fraction)
            elif isinstance(event, LiveCheck):
                self.query_one(f"#lane-{event.lane}", LanePanel).show_check(event)
                why = not_comparable(event)
                self.notify(
                    f"{event.lane}: live p50 {fmt.ms(event.live.latency.p50)} ms vs sim "
                    f"{fmt.ms(event.sim.latency.p50)} ms"
                    + (f" (not comparable: {why})" if why else ""),
                    title="live check done",
                    severity="warning" if why else "information",
                    timeout=5,
                )
            elif isinstance(event, CommandFailed):
                self.notify(event.message, title="refused", severity="error")
            elif isinstance(event, EngineFailed):
                self.query_one(StatusLine).failed(event.message)
                self.notify(event.message, title="engine stopped", severity="error", timeout=10)
        self._refresh_numbers()

    def _refresh_numbers(self) -> None:
        snap = self.snapshot
        if snap is None or snap is self._drawn:
            return  # nothing new: nothing to redraw
        now = time.monotonic()
        if now - self._last_numbers < NUMBERS_S:
            return
        self._last_numbers = now
        self._drawn = snap
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
        self.query_one(ComparisonStrip).show(snap.recent, slo_ms)
        self.query_one(LoadBar).show(snap.load)

    def on_lane_params_changed(self, message: LaneParamsChanged) -> None:
        self.engine.send(SetLaneParams(message.lane, message.params))

    def on_load_changed(self, message: LoadChanged) -> None:
        try:
            message.load.validate()
        except ConfigError as e:
            self.notify(str(e), title="refused", severity="error")
            return
        self.engine.send(SetLoad(message.load))

    # -- actions -----------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.engine.send(Pause() if self.paused else Resume())
        self.notify("paused" if self.paused else "running", timeout=1.5)

    def action_reset(self) -> None:
        self.engine.send(ResetStats())
        self.notify("statistics reset", timeout=1.5)

    def action_toggle_live(self) -> None:
        """Serve the focused lane on the wall clock (the others wait), or back to the simulator."""
        lane = self.focused_lane()
        live = self.snapshot.live_lane if self.snapshot is not None else None
        self.engine.send(SetLive(None if live == lane else lane))
        self.notify(
            f"{lane}: back to the simulator" if live == lane else f"{lane}: live, others wait",
            timeout=2,
        )

    def action_check_live(self) -> None:
        lane = self.focused_lane()
        self.query_one(f"#lane-{lane}", LanePanel).checking(self.check_seconds)
        self.engine.send(CheckLive(lane, self.check_seconds))

    def action_set_slo(self) -> None:
        """Ask for the p99 SLO that goodput and the best lane are judged against."""
        current = self.scenario.slo_ms
        prompt = ValuePrompt("p99 SLO", f"{current:g}" if current else "", _slo_check, "ms")
        self.push_screen(prompt, self._slo_chosen)

    def _slo_chosen(self, slo_ms: float | None) -> None:
        if slo_ms is None:
            return
        self.scenario = dataclasses.replace(self.scenario, slo_ms=slo_ms)
        self.engine.send(SetSlo(slo_ms))
        self._drawn = None  # redraw the alarms and the verdict against the new SLO
        self.notify(f"SLO p99 ≤ {slo_ms:g} ms", timeout=2)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_export(self) -> None:
        lane = self.focused_lane()
        name = f"{lane}-{datetime.now().strftime('%Y%m%d-%H%M')}"
        self.push_screen(ExportScreen(lane, name, user_dir()), self._export_chosen)

    def action_load_preset(self) -> None:
        self.push_screen(LoadPresetScreen(), self._preset_chosen)

    async def action_quit(self) -> None:
        self._stop_engine()
        self.exit()

    def on_unmount(self) -> None:
        self._stop_engine()

    def _stop_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

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
            preset = preset_from_dict(self.preset_document(self.focused_lane(), request.name))
            path = save_preset(preset, request.path, overwrite=request.overwrite)
        except (ConfigError, OSError) as e:
            self.notify(str(e), title="not saved", severity="error", timeout=8)
            return
        self.notify(f"preset written to {path}", title="exported", timeout=6)

    def preset_document(self, lane: str, name: str) -> dict[str, Any]:
        """The focused lane's settings as a preset, with what was measured for it."""
        snap = self.snapshot
        spec = next(s for s in self.scenario.lanes if s.name == lane)
        batcher = dict(self._initial_params(spec))
        load = self.scenario.load
        doc: dict[str, Any] = {
            "format": "batchtui.preset/1",
            "name": name,
            "description": f"Exported from the dashboard: the {spec.kind} lane {lane!r}.",
            "load": load.to_dict(),
            "model": self.scenario.model.to_dict(),
            "device": self.scenario.device,
        }
        if self.scenario.slo_ms is not None:
            doc["slo"] = {"p99_ms": self.scenario.slo_ms}
        if snap is not None:
            recent = next(s for s in snap.recent if s.name == lane)
            total = next(s for s in snap.total if s.name == lane)
            batcher = dict(total.batcher)
            doc["load"] = snap.load.to_dict()
            doc["measured"] = {
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "device": snap.model.get("device_name") or snap.model.get("kind"),
                "window_s": snap.window_s,
                "p50_ms": recent.latency.p50,
                "p99_ms": recent.latency.p99,
                "throughput_rps": recent.throughput_rps,
                "mean_batch": recent.batch_mean,
                "device_busy": recent.device_busy,
            }
        doc["batcher"] = {"kind": batcher.pop("kind", spec.kind), **batcher}
        return doc

    async def _preset_chosen(self, name_or_path: str | None) -> None:
        if not name_or_path:
            return
        try:
            preset = resolve(name_or_path)
            scenario = dashboard_scenario(preset)
            scenario.validate()
        except ConfigError as e:
            self.notify(str(e), title="cannot load", severity="error", timeout=10)
            return
        self._stop_engine()
        self.scenario, self.preset_name = scenario, preset.name
        self.snapshot = self._drawn = None
        await self.recompose()
        self._apply_compact(self.size.width, self.size.height)
        self._start_engine()
        self.notify(f"loaded preset {preset.name}", timeout=3)


def _slo_check(text: str) -> float:
    """A typed SLO in ms: a finite number > 0 (the engine's own rule, ``Scenario.validate``)."""
    value = parse_number(text)
    if not value > 0:
        raise ValueError(f"slo_ms: must be > 0, got {text.strip()!r}")
    return value
