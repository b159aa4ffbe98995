"""One generative lane's panel: its knobs (the continuous lane's vLLM knobs, or a request-level
batcher's usual ones) and its token-level figures, refreshed from GenSnapshots."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Checkbox

from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.session.gen_messages import GenLaneSeries, GenLaneStats
from batchtui.tui.messages import LaneParamsChanged
from batchtui.tui.panels.gen_charts import GenLaneCharts
from batchtui.tui.panels.gen_figures import gen_alarm_parts, gen_figure_rows
from batchtui.tui.panels.knob import slider_params
from batchtui.tui.panels.lane_panel import LanePanel, knob_slider
from batchtui.tui.widgets.flow_text import FlowText

CHUNKED = "chunked_prefill"
FIXED = frozenset({"block_size"})
"""Knobs set at start only (requests hold KV blocks of that size): no slider."""
SHORT_LABELS = {"target": "tgt", "tokens": "tok", "chunk": "chk"}
"""What a slider's label reads where the whole one leaves too short a track (a quarter of 80
columns); otherwise its first three letters."""


class GenLanePanel(LanePanel):
    """A lane of a generative scenario: sliders (and the chunked-prefill toggle) change its
    batcher between steps; figures are over the recent window."""

    DEFAULT_CSS = """
    GenLanePanel Checkbox {
        border: none;
        height: 1;
        padding: 0;
        background: transparent;
    }
    """

    def __init__(self, lane: str, kind: str, params: dict[str, Any]) -> None:
        super().__init__(lane, kind, params)
        if kind == Continuous.kind:
            self._declared = Continuous.PARAMS
            self._table = {p.name: p for p in self._declared}

    def compose(self) -> ComposeResult:
        yield FlowText([[self._title()]], sep=" ", classes="lane-title", id=f"title-{self.lane}")
        for param in slider_params(self._declared):
            if param.name in self._params and param.name not in FIXED:
                slider = knob_slider(param, self._params[param.name], self.lane)
                # Four lanes share the width: each label takes only its own length, so
                # the labels still fit beside track and value in a quarter of 80 columns.
                slider.label_width = None
                slider.short_label = SHORT_LABELS.get(slider.label, slider.label[:3])
                yield slider
        if CHUNKED in self._params:
            yield Checkbox("chunked", bool(self._params[CHUNKED]), id=f"{self.lane}-{CHUNKED}")
        yield FlowText(
            [[Text("waiting for the engine…", style="dim")]],
            classes="lane-numbers",
            id=f"numbers-{self.lane}",
        )
        yield GenLaneCharts(self.lane, with_kv=self.kind == Continuous.kind)
        yield FlowText(classes="lane-check", id=f"check-{self.lane}")

    def fit(self, compact: bool) -> None:
        """In a compact terminal the panel gives up its side padding (to the sliders) and its
        charts (to the figures)."""
        self.styles.padding = (0, 0) if compact else (0, 1)
        self.query_one(GenLaneCharts).display = not compact

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(LaneParamsChanged(self.lane, {CHUNKED: bool(event.value)}))

    def show_gen(
        self,
        recent: GenLaneStats,
        total: GenLaneStats,
        slo_ttft_ms: float | None,
        slo_tpot_ms: float | None,
        short: bool = False,
        series: GenLaneSeries | None = None,
    ) -> None:
        """Refresh from a snapshot: figures over the recent window, knobs as running, and
        the charts from the lane's ``series``."""
        self._sync_sliders(total.batcher)
        self._sync_toggle(total.batcher)
        title = [self._title(), *gen_alarm_parts(recent, slo_ttft_ms, slo_tpot_ms)]
        self.query_one(f"#title-{self.lane}", FlowText).update([title])
        rows = gen_figure_rows(recent, slo_ttft_ms, slo_tpot_ms, short)
        self.query_one(f"#numbers-{self.lane}", FlowText).update(rows)
        if series is not None:
            self.query_one(GenLaneCharts).show(series)

    def show_applied(self, params: dict[str, Any]) -> None:
        """Applied settings on the sliders and the chunked-prefill toggle at once."""
        super().show_applied(params)
        self._sync_toggle(params, force=True)

    def _sync_toggle(self, batcher: dict[str, Any], force: bool = False) -> None:
        if CHUNKED not in batcher:
            return
        box = self.query_one(f"#{self.lane}-{CHUNKED}", Checkbox)
        if (force or not box.has_focus) and box.value != bool(batcher[CHUNKED]):
            with box.prevent(Checkbox.Changed):
                box.value = bool(batcher[CHUNKED])
