"""The generative load bar: arrival rate and the mean prompt and output tokens per request,
or for a trace, which trace, its replay speed and the arrival rate measured.

The knobs are the load's own declarations (``LOAD_PARAMS``) with slider spans fit for token
serving: a generative step takes tens of milliseconds, so rates run in requests, not
thousands of requests, per second. A trace brings its own arrival times and token lengths,
so it gets no rate or token slider: only its speed.
"""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.workload import DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.spec import LOAD_PARAMS
from batchtui.engine.params import Param, SliderRange
from batchtui.tui.messages import LoadChanged
from batchtui.tui.panels.gen_figures import per_s
from batchtui.tui.panels.knob import param_slider
from batchtui.tui.shipped_traces import trace_label
from batchtui.tui.widgets.slider import Slider

_DECLARED = {p.name: p for p in LOAD_PARAMS}
GEN_LOAD_KNOBS: dict[str, tuple[Param, float]] = {
    "rate_rps": (dataclasses.replace(_DECLARED["rate_rps"], slider=SliderRange(0.1, 1000.0)), 4.0),
    "prompt_tokens": (
        dataclasses.replace(_DECLARED["prompt_tokens"], label="prompt", unit="tok",
                            slider=SliderRange(1, 32768, ladder="pow2")),
        DEFAULT_PROMPT_TOKENS,
    ),
    "output_tokens": (
        dataclasses.replace(_DECLARED["output_tokens"], label="output", unit="tok",
                            slider=SliderRange(1, 8192, ladder="pow2")),
        DEFAULT_OUTPUT_TOKENS,
    ),
    "speed": (
        dataclasses.replace(_DECLARED["speed"], label="speed", unit="x",
                            slider=SliderRange(0.01, 100.0, ladder="1-2-5")),
        1.0,
    ),
}  # fmt: skip
"""Load field -> (its declaration with a generative slider span, the value when unset)."""
NAMES = {
    "rate_rps": "arrival rate",
    "prompt_tokens": "mean prompt tokens",
    "output_tokens": "mean output tokens",
    "speed": "trace replay speed",
}
"""The typed-value prompt's title for each knob."""


SYNTHETIC_KNOBS = ("rate_rps", "prompt_tokens", "output_tokens")
TRACE_KNOBS = ("speed",)


def knobs(load: LoadSpec) -> tuple[str, ...]:
    """The load fields with a slider for ``load``: a trace reads only its speed."""
    return TRACE_KNOBS if load.pattern == "trace" else SYNTHETIC_KNOBS


def trace_text(load: LoadSpec, arrival_rps: float | None) -> str:
    """``azure-conv at 0.35x, 1.9 req/s``: the trace, its speed, the arrival rate measured."""
    loop = ", looped" if load.loop else ""
    rate = "" if arrival_rps is None else f", {per_s(arrival_rps)} req/s"
    return f"{trace_label(str(load.trace))} at {load.speed:g}x{loop}{rate}"


class GenLoadBar(Horizontal):
    """Rate (log scale), prompt and output tokens, or a trace's name, speed and measured
    rate; each change is sent as a new LoadSpec."""

    DEFAULT_CSS = """
    GenLoadBar {
        height: 2;
        padding: 0 1;
        border-bottom: solid $primary-background;
    }
    GenLoadBar Slider {
        width: 1fr;
        margin-right: 1;
    }
    GenLoadBar #load-trace {
        width: auto;
        max-width: 75%;
        margin-right: 2;
        text-style: bold;
    }
    GenLoadBar.-compact {
        height: 1;
        border-bottom: none;
    }
    """

    def __init__(self, load: LoadSpec) -> None:
        super().__init__(id="gen-load-bar")
        self.load = load
        self._followed = load  # the engine's load as last shown
        self._trace_text = ""

    def compose(self) -> ComposeResult:
        if self.load.pattern == "trace":
            yield Static(trace_text(self.load, None), id="load-trace")
        for field in knobs(self.load):
            param, unset = GEN_LOAD_KNOBS[field]
            value = getattr(self.load, field)
            yield param_slider(
                param,
                unset if value is None else value,
                check=lambda v, field=field: self._checked(field, v),
                name=NAMES[field],
                id=f"load-{field}",
            )

    def fit(self, compact: bool) -> None:
        """One row of sliders; the rule below it only where rows are plenty."""
        self.set_class(compact, "-compact")

    def _checked(self, field: str, value: float) -> float:
        """A typed value for ``field``, checked as the engine checks a load."""
        param = GEN_LOAD_KNOBS[field][0]
        param.check(value)
        try:
            dataclasses.replace(self.load, **{field: float(value)}).validate()  # type: ignore[arg-type]
        except ConfigError as e:
            raise ConfigError(field, e.message) from None
        return value

    def on_slider_changed(self, event: Slider.Changed) -> None:
        event.stop()
        field = (event.slider.id or "").removeprefix("load-")
        if field in GEN_LOAD_KNOBS:
            self.load = dataclasses.replace(self.load, **{field: float(event.value)})  # type: ignore[arg-type]
            self.post_message(LoadChanged(self.load))

    def show(self, load: LoadSpec, arrival_rps: float | None = None) -> None:
        """Follow the engine's load when it changed (a slider the user just moved keeps its
        value until its change has gone out and come back); a trace's measured rate."""
        if load.pattern == "trace":
            text = trace_text(load, arrival_rps)
            if text != self._trace_text:  # (asked five times a second: change only)
                self._trace_text = text
                self.query_one("#load-trace", Static).update(text)
        if load == self._followed:
            return
        self._followed = self.load = load
        for field in knobs(load):
            slider = self.query_one(f"#load-{field}", Slider)
            value = getattr(load, field)
            if not slider.has_focus:
                slider.value = float(GEN_LOAD_KNOBS[field][1] if value is None else value)
