"""The load bar: arrival rate, pattern and each pattern's own knobs, changed while the engine runs.

A load setting whose ``Param`` declares a slider gets one here (rate and burstiness, and any
a pattern declares itself); each is shown only while the chosen pattern reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Select, Static

from batchtui.engine.load import LoadSpec
from batchtui.engine.load.patterns import PATTERNS, synthetic_patterns
from batchtui.engine.load.spec import load_params
from batchtui.engine.params import Param
from batchtui.tui.messages import LoadChanged
from batchtui.tui.panels.knob import param_slider
from batchtui.tui.shipped_traces import trace_label
from batchtui.tui.widgets.slider import Slider


def slider_id(name: str) -> str:
    """The load-bar slider of the load setting ``name`` (``load-rate``, ``load-burstiness``)."""
    return "load-rate" if name == "rate_rps" else "load-" + name.replace("_", "-")


def load_knobs() -> list[Param]:
    """The load settings with a slider on the load bar: those whose Param declares one."""
    return [p for p in load_params() if p.slider is not None]


class LoadBar(Horizontal):
    """Rate (log scale), pattern and the pattern's knobs; each change is sent as a new LoadSpec."""

    def __init__(self, load: LoadSpec) -> None:
        super().__init__(id="load-bar")
        self.load = load
        self._knobs = {slider_id(p.name): p.name for p in load_knobs()}
        self._replay_text = ""

    def compose(self) -> ComposeResult:
        patterns = synthetic_patterns() + (["trace"] if self.load.trace else [])
        knobs = load_knobs()
        yield from (self._slider(p) for p in knobs if p.name == "rate_rps")  # left of the pattern
        yield Select(
            [(p, p) for p in patterns], value=self.load.pattern, allow_blank=False,
            id="load-pattern",
        )  # fmt: skip
        yield from (self._slider(p) for p in knobs if p.name != "rate_rps")
        yield Static(id="load-trace")  # what a trace replays, in place of the rate

    def _slider(self, param: Param) -> Slider:
        return param_slider(
            param, self.load.setting(param.name), check=self._checker(param.name),
            name=f"load {param.name}", id=slider_id(param.name),
        )  # fmt: skip

    def _checker(self, name: str) -> Callable[[float], float]:
        """A typed value for ``name``, checked as the engine checks a load (LoadSpec.validate)."""

        def check(value: float) -> float:
            self.load.replace(**{name: value})
            return value

        return check

    def on_mount(self) -> None:
        self._show_knobs()

    def on_slider_changed(self, event: Slider.Changed) -> None:
        event.stop()
        name = self._knobs.get(event.slider.id or "")
        if name:
            self._change(**{name: float(event.value)})

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != self.load.pattern and isinstance(event.value, str):
            self._change(pattern=event.value)

    def show(self, load: LoadSpec) -> None:
        """Follow the engine's load (e.g. after a preset was loaded)."""
        self.load = load
        for slider in self.query(Slider):
            name = self._knobs.get(slider.id or "")
            if name and not slider.has_focus and slider.value != load.setting(name):
                slider.value = load.setting(name)
        self._show_knobs()

    def _change(self, **changes: object) -> None:
        self.load = self.load.changed(**changes)
        self._show_knobs()
        self.post_message(LoadChanged(self.load))

    def _show_knobs(self) -> None:
        """Only the knobs the chosen pattern reads (no burstiness slider for poisson)."""
        reads = PATTERNS[self.load.pattern].reads if self.load.pattern in PATTERNS else ()
        shown: dict[Widget, bool] = {
            slider: self._knobs.get(slider.id or "") in reads for slider in self.query(Slider)
        }
        replay = self.query_one("#load-trace", Static)
        shown[replay] = self.load.pattern == "trace" and self.load.trace is not None
        for widget, display in shown.items():  # (asked five times a second: change only)
            if widget.display != display:
                widget.display = display
        if shown[replay]:
            loop = ", looped" if self.load.loop else ""
            text = f"{trace_label(str(self.load.trace))} at {self.load.speed:g}x{loop}"
            if text != self._replay_text:
                self._replay_text = text
                replay.update(text)
