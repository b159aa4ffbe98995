"""Offered when a background tune of a lane finishes: apply its settings to the lane, or not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from batchtui.engine.tune.job import TuneDone
from batchtui.tui import format as fmt


def describe(result: TuneDone, slo_ms: float) -> str:
    """What the search found, in a line: its settings and the p99 it predicts."""
    settings = "  ".join(
        f"{k} {round(v, 3) if isinstance(v, float) else v}" for k, v in result.params.items()
    )
    p99 = f"p99 {fmt.ms(result.p99_ms)} ms" if result.p99_ms is not None else "requests lost"
    if result.feasible:
        return f"best of {result.trials} trials: {settings} ({p99}, SLO {slo_ms:g} ms)"
    return f"SLO {slo_ms:g} ms not met in {result.trials} trials; closest: {settings} ({p99})"


class ApplyTuneScreen(ModalScreen[bool]):
    """Shows a finished tune; returns True to apply it to the lane's sliders."""

    BINDINGS = [
        Binding("a", "choose(True)", "Apply", id="tune-apply"),
        Binding("escape", "choose(False)", "Keep current", id="tune-keep"),
    ]

    def __init__(self, result: TuneDone, slo_ms: float) -> None:
        super().__init__()
        self.result = result
        self.slo_ms = slo_ms

    def compose(self) -> ComposeResult:
        with Vertical(id="tune-dialog", classes="dialog"):
            yield Label(f"Tuned {self.result.lane}", id="tune-title")
            yield Label(describe(self.result, self.slo_ms), id="tune-result")
            yield Label("a  apply to the lane's sliders   esc  keep the current settings")

    def action_choose(self, apply: bool) -> None:
        self.dismiss(apply)
