"""One lane's panel: its sliders, live latency figures, charts, dispatch reasons and alarms."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.events import Resize

from batchtui.engine.live.check import SideBySideCheck
from batchtui.engine.metrics import LaneStats
from batchtui.engine.params import Param
from batchtui.engine.policies import POLICIES
from batchtui.tui.messages import LaneParamsChanged
from batchtui.tui.panels.knob import param_slider, slider_params
from batchtui.tui.panels.lane_figures import alarm_parts, check_parts, figure_rows, reason_parts
from batchtui.tui.widgets.charts import BatchHistogram, QueueDepthChart
from batchtui.tui.widgets.flow_text import FlowText
from batchtui.tui.widgets.slider import Slider

CHART_INTERVAL_S = 1.0  # charts redraw at most once a second (measured: see bench/RESULTS.md)
CHART_MIN_WIDTH = 20  # narrower, a chart drops its axes (see charts._Area.fit)
CHART_MIN_HEIGHT = 6


def knob_slider(param: Param, value: float, lane: str) -> Slider:
    """A lane's slider for ``param``, whose typed values pass ``param.check``."""
    return param_slider(
        param,
        value,
        check=param.check,
        name=f"{lane} {param.name}",  # the typed-value prompt's title
        id=f"{lane}-{param.name}",
        label_width=6,
        classes="lane-slider",
    )


class LaneCharts(Container):
    """The two charts: side by side when each gets its axes' width, else one above the other
    when each gets its axes' height; a one-cell gap keeps their titles apart."""

    def on_resize(self, event: Resize) -> None:
        width, height = event.size
        stacked = width < 2 * CHART_MIN_WIDTH + 1 and height >= 2 * CHART_MIN_HEIGHT
        self.set_class(stacked, "-stacked")


class LanePanel(Vertical):
    """A lane: sliders change its running policy; figures refresh from engine snapshots."""

    def __init__(self, lane: str, kind: str, params: dict[str, Any]) -> None:
        super().__init__(id=f"lane-{lane}", classes="lane")
        self.lane = lane
        self.kind = kind
        self._params = dict(params)
        self._declared = POLICIES[kind].PARAMS if kind in POLICIES else ()
        self._table = {p.name: p for p in self._declared}
        self._check: SideBySideCheck | None = None  # the check on show, while it holds

    def compose(self) -> ComposeResult:
        yield FlowText([[self._title()]], sep=" ", classes="lane-title", id=f"title-{self.lane}")
        for param in slider_params(self._declared):
            if param.name in self._params:
                yield knob_slider(param, self._params[param.name], self.lane)
        yield FlowText(
            [[Text("waiting for the engine…", style="dim")]],
            classes="lane-numbers",
            id=f"numbers-{self.lane}",
        )
        with LaneCharts(classes="lane-charts"):
            yield QueueDepthChart(
                min_interval_s=CHART_INTERVAL_S, id=f"depth-{self.lane}", classes="chart"
            )
            yield BatchHistogram(
                min_interval_s=CHART_INTERVAL_S, id=f"hist-{self.lane}", classes="chart"
            )
        yield FlowText(classes="lane-reasons", id=f"reasons-{self.lane}")
        yield FlowText(classes="lane-check", id=f"check-{self.lane}")

    def on_slider_changed(self, event: Slider.Changed) -> None:
        """A knob moved: ask for that parameter on this lane's policy."""
        event.stop()
        name = (event.slider.id or "").removeprefix(f"{self.lane}-")
        param = self._table.get(name)
        if param is not None:
            value: float | int = round(event.value) if param.kind is int else event.value
            self.post_message(LaneParamsChanged(self.lane, {name: value}))

    def show(
        self,
        recent: LaneStats,
        total: LaneStats,
        slo_ms: float | None,
        window_s: float,
        mode: str = "sim",
        short: bool = False,
    ) -> None:
        """Refresh from a snapshot: figures over the recent window, parameters as running;
        ``mode`` is sim, live (served on the wall clock) or waiting (another lane is live);
        ``short``: little height, so the figures keep to their main rows."""
        self._sync_sliders(total.batcher)
        title = [self._title(mode), *alarm_parts(recent, slo_ms)]
        self.query_one(f"#title-{self.lane}", FlowText).update([title])
        self.query_one(f"#numbers-{self.lane}", FlowText).update(figure_rows(recent, short))
        self.query_one(f"#depth-{self.lane}", QueueDepthChart).update_data(
            recent.depth_timeline, window_s
        )
        self.query_one(f"#hist-{self.lane}", BatchHistogram).update_data(
            recent.batch_histogram, int(total.batcher.get("max_batch_size", 32))
        )
        self.query_one(f"#reasons-{self.lane}", FlowText).update([reason_parts(recent)])

    def checking(self, seconds: float) -> None:
        """Say that a live check of this lane is running (the clock is stopped meanwhile)."""
        self._check = None
        self.query_one(f"#check-{self.lane}", FlowText).update(
            [[Text(f"live check: serving {seconds:g} s…", style="yellow")]]
        )

    def note(self, message: str) -> None:
        """A line where a live check's figures go: a check cancelled or refused, a tune's
        progress or outcome; wrapped at spaces to the row's width (one part would be cut)."""
        self._check = None
        row = self.query_one(f"#check-{self.lane}", FlowText)
        lines = textwrap.wrap(message, row.size.width) if row.size.width else [message]
        row.update([[Text(line, style="yellow")] for line in lines])

    def note_parts(self, parts: list[Text]) -> None:
        """The same line as ``note``, given as parts that wrap between them, never inside."""
        self._check = None
        self.query_one(f"#check-{self.lane}", FlowText).update([parts])

    def engine_stopped(self, message: str) -> None:
        """No figures: the engine stopped. Said where the figures were, until it restarts."""
        self.query_one(f"#numbers-{self.lane}", FlowText).update(
            [[Text(f"engine stopped: {message}", style="bold red")]]
        )

    def show_check(self, check: SideBySideCheck) -> None:
        """The live check's figures beside the simulator's, on the same arrivals."""
        self.query_one(f"#check-{self.lane}", FlowText).update([check_parts(check)])
        self._check = check

    def outdate_check(self, why: str) -> None:
        """The shown check no longer describes the lane (its settings, the load or the
        figures changed since): keep its figures, dimmed, marked outdated in one part that
        fits a lane at 80x24 ("outdated: slider moved")."""
        if self._check is None:
            return
        dim = [Text(part.plain, style="dim") for part in check_parts(self._check)]
        self.query_one(f"#check-{self.lane}", FlowText).update(
            [[Text(f"outdated: {why}", style="dim italic"), *dim]]
        )
        self._check = None

    def show_applied(self, params: dict[str, Any]) -> None:
        """Put settings the user chose to apply (a tune's) on the sliders at once, the
        focused one too: it would otherwise keep, and send back, the old value."""
        self._sync_sliders(params, force=True)

    def _sync_sliders(self, batcher: dict[str, Any], force: bool = False) -> None:
        # The engine's parameters are the truth (a refused change snaps back); a slider the
        # user is working with is left alone until it settles (unless ``force``).
        for slider in self.query(".lane-slider").results(Slider):
            name = (slider.id or "").removeprefix(f"{self.lane}-")
            if name not in batcher:
                continue
            if (force or not slider.has_focus) and slider.value != batcher[name]:
                slider.value = float(batcher[name])
            self._params[name] = batcher[name]

    def _title(self, mode: str = "sim") -> Text:
        kind = "" if self.kind == self.lane else f"{self.kind} · "
        text = Text.assemble((self.lane, "bold"), " ", (kind, "dim"))
        styles = {"live": "bold reverse magenta", "waiting": "dim italic"}
        text.append(mode, style=styles.get(mode, "dim"))
        return text
