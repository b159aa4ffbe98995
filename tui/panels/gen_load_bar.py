"""The generative load bar: arrival rate and the mean prompt and output tokens per request.

The knobs are the load's own declarations (``LOAD_PARAMS``) with slider spans fit for token
serving: a generative step takes tens of milliseconds, so rates run in requests, not
thousands of requests, per second.
"""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.containers import Horizontal

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.workload import DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.spec import LOAD_PARAMS
from batchtui.engine.params import Param, SliderRange
from batchtui.tui.messages import LoadChanged
from batchtui.tui.panels.knob import param_slider
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
}  # fmt: skip
"""Load field -> (its declaration with a generative slider span, the value when unset)."""
NAMES = {
    "rate_rps": "arrival rate",
    "prompt_tokens": "mean prompt tokens",
    "output_tokens": "mean output tokens",
}
"""The typed-value prompt's title for each knob."""


class GenLoadBar(Horizontal):
    """Rate (log scale), prompt and output tokens; each change is sent as a new LoadSpec."""

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
    GenLoadBar.-compact {
        height: 1;
        border-bottom: none;
    }
    """

    def __init__(self, load: LoadSpec) -> None:
        super().__init__(id="gen-load-bar")
        self.load = load
        self._followed = load  # the engine's load as last shown

    def compose(self) -> ComposeResult:
        for field, (param, unset) in GEN_LOAD_KNOBS.items():
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

    def on_mount(self) -> None:
        for slider in self.query(Slider).results():
            slider.disabled = self.load.pattern == "trace"  # a trace brings its own

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

    def show(self, load: LoadSpec) -> None:
        """Follow the engine's load when it changed (a slider the user just moved keeps its
        value until its change has gone out and come back)."""
        if load == self._followed:
            return
        self._followed = self.load = load
        for field, (_, unset) in GEN_LOAD_KNOBS.items():
            slider = self.query_one(f"#load-{field}", Slider)
            value = getattr(load, field)
            if not slider.has_focus:
                slider.value = float(unset if value is None else value)
