"""Offered when a background tune of a lane finishes: apply its settings to the lane, or not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from batchtui.engine.tune.job import TuneDone
from batchtui.tui.panels.gen_figures import latency, latency_unit


def describe(result: TuneDone) -> str:
    """What the search found, in a line: its settings and the p99 it predicts (a
    generative lane's: p99 TTFT), against the SLO it was tuned for."""
    settings = "  ".join(
        f"{k} {round(v, 3) if isinstance(v, float) else v}" for k, v in result.params.items()
    )
    if result.p99_ms is None:
        p99 = "requests lost"
    else:  # in s from a second on, as the lanes say it (a whole trace's closest can be hours)
        unit = latency_unit(result.p99_ms)
        p99 = f"{result.figure} {latency(result.p99_ms, unit)} {unit}"
    if result.feasible:
        return f"best of {result.trials} trials: {settings} ({p99}, SLO {result.slo})"
    return f"SLO {result.slo} not met in {result.trials} trials; closest: {settings} ({p99})"


class ApplyTuneScreen(ModalScreen[bool]):
    """Shows a finished tune; returns True to apply it to the lane's sliders."""

    BINDINGS = [
        Binding("a", "choose(True)", "Apply", id="tune-apply"),
        Binding("escape", "choose(False)", "Keep current", id="tune-keep"),
    ]

    def __init__(self, result: TuneDone) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        with Vertical(id="tune-dialog", classes="dialog"):
            yield Label(f"Tuned {self.result.lane}", id="tune-title")
            yield Static(describe(self.result), id="tune-result")  # wraps, unlike a Label
            yield Label("a  apply to the lane's sliders   esc  keep the current settings")

    def action_choose(self, apply: bool) -> None:
        self.dismiss(apply)
