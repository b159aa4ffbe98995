"""The load bar: arrival rate, pattern and burstiness, changed while the engine runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Select

from batchtui.engine.load import LoadSpec
from batchtui.engine.load.patterns import synthetic_patterns
from batchtui.engine.load.spec import LOAD_PARAMS
from batchtui.tui.messages import LoadChanged
from batchtui.tui.panels.knob import param_slider
from batchtui.tui.widgets.slider import Slider

_PARAMS = {p.name: p for p in LOAD_PARAMS}


class LoadBar(Horizontal):
    """Rate (log scale), pattern and burstiness; each change is sent as a new LoadSpec."""

    def __init__(self, load: LoadSpec) -> None:
        super().__init__(id="load-bar")
        self.load = load

    def compose(self) -> ComposeResult:
        patterns = synthetic_patterns() + (["trace"] if self.load.trace else [])
        yield param_slider(
            _PARAMS["rate_rps"], self.load.rate_rps, check=self._checker("rate_rps"),
            name="arrival rate", id="load-rate",
        )  # fmt: skip
        yield Select(
            [(p, p) for p in patterns], value=self.load.pattern, allow_blank=False,
            id="load-pattern",
        )  # fmt: skip
        yield param_slider(
            _PARAMS["burstiness"], self.load.burstiness, check=self._checker("burstiness"),
            name="burstiness (gamma)", id="load-burstiness",
        )  # fmt: skip

    def _checker(self, field: str) -> Callable[[float], float]:
        """A typed value for `field`, checked as the engine checks a load (LoadSpec.validate)."""

        def check(value: float) -> float:
            dataclasses.replace(self.load, **{field: value}).validate()  # type: ignore[arg-type]
            return value

        return check

    def on_mount(self) -> None:
        self._enable_knobs()

    def on_slider_changed(self, event: Slider.Changed) -> None:
        event.stop()
        field = {"load-rate": "rate_rps", "load-burstiness": "burstiness"}.get(
            event.slider.id or ""
        )
        if field:
            self._change(**{field: float(event.value)})

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != self.load.pattern and isinstance(event.value, str):
            self._change(pattern=event.value)

    def show(self, load: LoadSpec) -> None:
        """Follow the engine's load (e.g. after a preset was loaded)."""
        self.load = load
        rate = self.query_one("#load-rate", Slider)
        if not rate.has_focus:
            rate.value = load.rate_rps
        self._enable_knobs()

    def _change(self, **changes: object) -> None:
        self.load = dataclasses.replace(self.load, **changes)  # type: ignore[arg-type]
        self._enable_knobs()
        self.post_message(LoadChanged(self.load))

    def _enable_knobs(self) -> None:
        self.query_one("#load-burstiness", Slider).disabled = self.load.pattern != "gamma"
        self.query_one("#load-rate", Slider).disabled = self.load.pattern == "trace"
