"""The dashboard for a generative scenario: the four lanes served token by token in the
simulator, paced to the wall clock on the same arrivals, tuned live.

The request-level dashboard's spine (engine process, polling, pause, reset, restart,
signals, keys) with generative panels: per lane TTFT/TPOT, tokens/s, occupancy, KV use
and the accounting, and sliders for each batcher's knobs and the load. What only a real
model has (live lane, live check, tune) and export are not offered here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario, batcher
from batchtui.engine.session.gen_messages import SetTokenSlo
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.gen_args import SLO_TPOT_MS, SLO_TTFT_MS
from batchtui.tui.panels.gen_comparison import GenComparison
from batchtui.tui.panels.gen_help import GenHelpScreen
from batchtui.tui.panels.gen_lane_panel import GenLanePanel
from batchtui.tui.panels.gen_load_bar import GenLoadBar
from batchtui.tui.panels.gen_status import GenStatusLine
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.value_prompt import ValuePrompt, parse_number

NOT_HERE = frozenset({"toggle_live", "check_live", "tune", "export", "load_preset"})
"""Keys of the request-level dashboard a generative one does not offer (hidden)."""


def _gen_binding(binding: Binding) -> Binding:
    if binding.action == "set_slo":
        return dataclasses.replace(binding, tooltip="Set the TTFT/TPOT SLOs (goodput, best lane)")
    return binding


class GenDashboardApp(BatchTuiApp, inherit_bindings=False):
    """Load bar (rate, prompt and output tokens), a panel per lane, comparison, footer."""

    # The request-level dashboard's keys less those not offered here: the footer, the help
    # screen and the command palette are built from this list.
    BINDINGS = [
        *App.BINDINGS,
        *(_gen_binding(b) for b in BatchTuiApp.BINDINGS if b.action not in NOT_HERE),
    ]

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
        for recent, total in zip(snap.recent, snap.total, strict=True):
            panel = self.query_one(f"#lane-{recent.name}", GenLanePanel)
            panel.show_gen(recent, total, snap.slo_ttft_ms, snap.slo_tpot_ms, short)
        self.query_one(GenComparison).show(
            snap.recent, snap.slo_ttft_ms, snap.slo_tpot_ms, compact=self.has_class("compact")
        )
        self.query_one(GenLoadBar).show(snap.load, snap.arrival_rps)

    def action_help(self) -> None:
        self.push_screen(GenHelpScreen())

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
    """``TTFT/TPOT`` in ms (``-`` for no SLO), each checked by its flag's declaration."""
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
