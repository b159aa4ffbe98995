"""The dashboard for a generative scenario: the four lanes served token by token in the
simulator, paced to the wall clock on the same arrivals, tuned live.

The request-level dashboard's spine (engine process, polling, pause, reset, restart,
signals, keys) with generative panels: per lane TTFT/TPOT, tokens/s, occupancy, KV use
and the accounting, charts over time, and sliders for each batcher's knobs and the load.
``e`` exports a lane as a ``batchtui.preset/2``; ``l`` loads generative presets only (a
request-level one runs another engine and dashboard: it says which command opens it).
``t`` tunes the focused lane in the background for the load as running and the token SLOs
(the generative tuner, engine/tune/gen_job.py). What needs a real model (live lane, live
check) is listed as unavailable.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario, batcher
from batchtui.engine.session.gen_messages import GenSnapshot, SetTokenSlo
from batchtui.engine.tune.gen_job import gen_tune_job
from batchtui.engine.tune.job import TuneJob
from batchtui.presets import Preset
from batchtui.presets.from_lane import device_label, lane_preset
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.gen_args import SLO_TPOT_MS, SLO_TTFT_MS
from batchtui.tui.gen_preset import window_measured
from batchtui.tui.panels.gen_comparison import GenComparison
from batchtui.tui.panels.gen_help import GenHelpScreen
from batchtui.tui.panels.gen_lane_panel import GenLanePanel
from batchtui.tui.panels.gen_load_bar import GenLoadBar
from batchtui.tui.panels.gen_status import GenStatusLine
from batchtui.tui.screens.load_preset import LoadPresetScreen
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.value_prompt import ValuePrompt, parse_number

UNAVAILABLE = {
    "toggle_live": "Unavailable here: serving a lane live needs a torch model",
    "check_live": "Unavailable here: a live check needs a torch model",
}
"""Keys of the request-level dashboard the generative engine cannot serve yet: kept (the
help and the palette say why, the key says so), left out of the footer."""
_LIVE_WHY = (
    "these lanes run on the analytic step cost; "
    "`batchtui run --model tiny-gpt --mode live` serves a real decoder"
)
WHY_UNAVAILABLE = {
    "toggle_live": _LIVE_WHY,
    "check_live": _LIVE_WHY,
}
TOOLTIPS = {
    "set_slo": "Set the TTFT/TPOT SLOs (goodput, best lane)",
    "export": "Export the focused lane as a generative preset (batchtui.preset/2)",
    "load_preset": "Load a generative preset",
    "tune": "Tune the focused lane for this load and the TTFT/TPOT SLOs (again: cancel)",
}


def _gen_binding(binding: Binding) -> Binding:
    if binding.action in UNAVAILABLE:
        return dataclasses.replace(binding, tooltip=UNAVAILABLE[binding.action], show=False)
    if binding.action in TOOLTIPS:
        return dataclasses.replace(binding, tooltip=TOOLTIPS[binding.action])
    return binding


class GenDashboardApp(BatchTuiApp, inherit_bindings=False):
    """Load bar (rate, prompt and output tokens), a panel per lane, comparison, footer."""

    # The request-level dashboard's keys, those it cannot serve marked unavailable: the
    # footer, the help screen and the command palette are built from this list.
    BINDINGS = [*App.BINDINGS, *(_gen_binding(b) for b in BatchTuiApp.BINDINGS)]

    def __init__(self, scenario: GenScenario, **options: Any) -> None:
        super().__init__(scenario, **options)  # type: ignore[arg-type]  # duck-typed Scenario
        self.scenario: Any = scenario

    def compose(self) -> ComposeResult:
        yield GenStatusLine()
        yield GenLoadBar(self.scenario.load)
        with Horizontal(id="lanes"):
            for spec in self.scenario.lanes:
                yield GenLanePanel(spec.name, spec.kind, self._initial_params(spec))
        yield GenComparison()
        yield KeyFooter()

    def _apply_compact(self, width: int, height: int) -> None:
        super()._apply_compact(width, height)
        compact = self.has_class("compact")
        for panel in self.query(GenLanePanel).results():
            panel.fit(compact)
        for bar in self.query(GenLoadBar).results():
            bar.fit(compact)

    def _initial_params(self, spec: Any) -> dict[str, Any]:
        return dict(batcher(spec).params)

    def _draw(self, snap: Any) -> None:
        short = self.has_class("short")
        self.query_one(GenStatusLine).running_gen(snap, self.preset_name)
        series = {s.name: s for s in snap.series}
        for recent, total in zip(snap.recent, snap.total, strict=True):
            panel = self.query_one(f"#lane-{recent.name}", GenLanePanel)
            panel.show_gen(
                recent, total, snap.slo_ttft_ms, snap.slo_tpot_ms, short, series.get(recent.name)
            )
        self.query_one(GenComparison).show(
            snap.recent, snap.slo_ttft_ms, snap.slo_tpot_ms, compact=self.has_class("compact")
        )
        self.query_one(GenLoadBar).show(snap.load, snap.arrival_rps)

    def action_help(self) -> None:
        self.push_screen(GenHelpScreen())

    def _unavailable(self, action: str) -> None:
        why = WHY_UNAVAILABLE[action]
        self.notify(f"{UNAVAILABLE[action]}: {why}", title="unavailable", timeout=5)

    def action_toggle_live(self) -> None:
        self._unavailable("toggle_live")

    def action_check_live(self) -> None:
        self._unavailable("check_live")

    def tune_job(self, lane: str, load: Any) -> TuneJob | None:
        """A background tune of ``lane`` at ``load`` for the lowest p99 TTFT within the token
        SLOs, the lane's unsearched knobs as it runs them; None (said) without an SLO."""
        s = self.scenario
        if s.slo_ttft_ms is None and s.slo_tpot_ms is None:
            key = next(b.key for b in self.BINDINGS if b.action == "set_slo")
            self.notify(
                f"tuning needs a TTFT or TPOT SLO: press {key} to set them (ms, e.g. 500/50)",
                severity="error",
            )
            return None
        running = dict(batcher(next(x for x in s.lanes if x.name == lane)).params)
        if isinstance(self.snapshot, GenSnapshot):
            running = dict(next(x for x in self.snapshot.total if x.name == lane).batcher)
        return gen_tune_job(s, lane, load, running)

    def lane_preset(self, lane: str, name: str) -> Preset:
        """The lane's knobs as running on the load as running, a ``batchtui.preset/2`` with
        the token SLOs and the figures measured over the recent window."""
        snap = self.snapshot
        spec = next(s for s in self.scenario.lanes if s.name == lane)
        batcher: dict[str, Any] = {"kind": spec.kind, **self._initial_params(spec)}
        load, measured = self.scenario.load, None
        if isinstance(snap, GenSnapshot):
            recent = next(s for s in snap.recent if s.name == lane)
            total = next(s for s in snap.total if s.name == lane)
            batcher, load = dict(total.batcher), snap.load
            measured = window_measured(recent, snap.arrival_rps, device_label(snap.model))
        return lane_preset(
            name=name,
            description=f"Exported from the generative dashboard: the {spec.kind} lane {lane!r}.",
            batcher=batcher,
            load=load,
            model=self.scenario.model,
            device="auto",
            slo_ms=None,
            slo_ttft_ms=self.scenario.slo_ttft_ms,
            slo_tpot_ms=self.scenario.slo_tpot_ms,
            measured=measured,
        )

    def action_load_preset(self) -> None:
        self.push_screen(LoadPresetScreen(keep=lambda p: p.generative), self._preset_chosen)

    def preset_scenario(self, preset: Preset, name_or_path: str) -> Any:
        """A generative preset's scenario, as ``batchtui --preset`` opens it; a request-level
        one is refused with the command that opens it (another engine and dashboard)."""
        from batchtui.tui.dashboard_command import gen_dashboard_scenario_from_args

        if not preset.generative:
            raise ConfigError(
                "preset",
                f"{preset.name} is a request-level preset: open it with "
                f"`batchtui --preset {name_or_path}`",
            )
        return gen_dashboard_scenario_from_args(argparse.Namespace(preset=name_or_path))

    def action_set_slo(self) -> None:
        """Ask for the TTFT and TPOT SLOs (ms, ``TTFT/TPOT``; ``-`` leaves one unset)."""
        s = self.scenario
        current = "/".join("-" if v is None else f"{v:g}" for v in (s.slo_ttft_ms, s.slo_tpot_ms))
        prompt = ValuePrompt("SLOs: TTFT/TPOT", current, token_slos, "ms, - for none")
        self.push_screen(prompt, self._slos_chosen)  # type: ignore[arg-type]

    def _slos_chosen(self, slos: tuple[float | None, float | None] | None) -> None:
        if slos is None:
            return
        ttft, tpot = slos
        self.scenario = dataclasses.replace(self.scenario, slo_ttft_ms=ttft, slo_tpot_ms=tpot)
        self._send(SetTokenSlo(ttft, tpot))
        self._drawn = None
        said = [f"{n} ≤ {v:g} ms" for n, v in (("TTFT", ttft), ("TPOT", tpot)) if v is not None]
        self.notify("SLO " + ", ".join(said) if said else "no SLO", timeout=2)


def token_slos(text: str) -> tuple[float | None, float | None]:
    """``TTFT/TPOT`` in ms (``-`` for no SLO), each checked by its flag's declaration; a lone
    ``-`` (or nothing) clears both, as the prompt's '- for none' reads."""
    if text.strip() in ("", "-"):
        return None, None
    parts = [p.strip() for p in text.replace(",", "/").split("/")]
    if len(parts) != 2:
        raise ValueError("write TTFT/TPOT in ms, e.g. 500/50 (- for none)")
    out: list[float | None] = []
    for param, part in zip((SLO_TTFT_MS, SLO_TPOT_MS), parts, strict=True):
        if part in ("", "-"):
            out.append(None)
            continue
        try:
            out.append(float(param.check(parse_number(part))))
        except ConfigError as e:
            raise ValueError(f"{'TTFT' if param is SLO_TTFT_MS else 'TPOT'} {e.message}") from None
    return out[0], out[1]
