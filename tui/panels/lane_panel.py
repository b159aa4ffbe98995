"""One lane's panel: its sliders, live latency figures, charts, dispatch reasons and alarms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from batchtui.engine.live.check import LiveCheck
from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt
from batchtui.tui.messages import LaneParamsChanged
from batchtui.tui.widgets.charts import BatchHistogram, QueueDepthChart
from batchtui.tui.widgets.slider import Slider


@dataclass(frozen=True)
class Knob:
    """How one policy parameter appears as a slider."""

    param: str
    label: str
    minimum: float
    maximum: float
    scale: str = "log"
    integer: bool = False
    zero: bool = False
    unit: str = ""


KNOBS = {
    "max_wait_ms": Knob("max_wait_ms", "wait", 0.05, 1000.0, zero=True, unit="ms"),
    "max_batch_size": Knob("max_batch_size", "max", 1, 1024, integer=True),
    "min_batch_size": Knob("min_batch_size", "min", 1, 1024, integer=True),
    "target_latency_ms": Knob("target_latency_ms", "target", 0.1, 10_000.0, unit="ms"),
}
ORDER = ("max_wait_ms", "max_batch_size", "min_batch_size", "target_latency_ms")
CHART_INTERVAL_S = 1.0  # charts redraw at most once a second (measured: see bench/RESULTS.md)
SATURATED_BUSY = 0.97  # device busy above this, with a queue building: the lane cannot keep up


class LanePanel(Vertical):
    """A lane: sliders change its running policy; figures refresh from engine snapshots."""

    def __init__(self, lane: str, kind: str, params: dict[str, Any]) -> None:
        super().__init__(id=f"lane-{lane}", classes="lane")
        self.lane = lane
        self.kind = kind
        self._params = dict(params)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="lane-title", id=f"title-{self.lane}")
        for name in ORDER:
            if name in self._params:
                k = KNOBS[name]
                yield Slider(
                    k.minimum,
                    k.maximum,
                    float(self._params[name]),
                    scale=k.scale,
                    integer=k.integer,
                    zero=k.zero,
                    label=k.label,
                    unit=k.unit,
                    label_width=6,
                    id=f"{self.lane}-{name}",
                    classes="lane-slider",
                )
        yield Static("waiting for the engine…", classes="lane-numbers", id=f"numbers-{self.lane}")
        with Horizontal(classes="lane-charts"):
            yield QueueDepthChart(
                min_interval_s=CHART_INTERVAL_S, id=f"depth-{self.lane}", classes="chart"
            )
            yield BatchHistogram(
                min_interval_s=CHART_INTERVAL_S, id=f"hist-{self.lane}", classes="chart"
            )
        yield Static("", classes="lane-reasons", id=f"reasons-{self.lane}")
        yield Static("", classes="lane-check", id=f"check-{self.lane}")

    def on_slider_changed(self, event: Slider.Changed) -> None:
        """A knob moved: ask for that parameter on this lane's policy."""
        event.stop()
        name = (event.slider.id or "").removeprefix(f"{self.lane}-")
        if name in KNOBS:
            value: float | int = event.value
            if KNOBS[name].integer:
                value = round(value)
            self.post_message(LaneParamsChanged(self.lane, {name: value}))

    def show(
        self,
        recent: LaneStats,
        total: LaneStats,
        slo_ms: float | None,
        window_s: float,
        mode: str = "sim",
    ) -> None:
        """Refresh from a snapshot: figures over the recent window, parameters as running;
        ``mode`` is sim, live (served on the wall clock) or waiting (another lane is live)."""
        self._sync_sliders(total.batcher)
        self.query_one(f"#title-{self.lane}", Static).update(self._title(recent, slo_ms, mode))
        self.query_one(f"#numbers-{self.lane}", Static).update(_numbers(recent))
        self.query_one(f"#depth-{self.lane}", QueueDepthChart).update_data(
            recent.depth_timeline, window_s
        )
        self.query_one(f"#hist-{self.lane}", BatchHistogram).update_data(
            recent.batch_histogram, int(total.batcher.get("max_batch_size", 32))
        )
        self.query_one(f"#reasons-{self.lane}", Static).update(_reasons(recent))

    def checking(self, seconds: float) -> None:
        """Say that a live check of this lane is running (the clock is stopped meanwhile)."""
        self.query_one(f"#check-{self.lane}", Static).update(
            Text(f"live check: serving {seconds:g} s on the wall clock…", style="yellow")
        )

    def show_check(self, check: LiveCheck) -> None:
        """The live check's figures beside the simulator's, on the same arrivals."""
        live, sim = check.live.latency, check.sim.latency
        text = Text(f"live {check.seconds:g}s ", style="bold")
        text.append(f"p50 {fmt.ms(live.p50)} (sim {fmt.ms(sim.p50)}) ")
        text.append(f"p99 {fmt.ms(live.p99)} (sim {fmt.ms(sim.p99)}) ms")
        self.query_one(f"#check-{self.lane}", Static).update(text)

    def _sync_sliders(self, batcher: dict[str, Any]) -> None:
        # The engine's parameters are the truth (a refused change snaps back); a slider the
        # user is working with is left alone until it settles.
        for name in ORDER:
            if name not in batcher:
                continue
            slider = self.query_one(f"#{self.lane}-{name}", Slider)
            if not slider.has_focus and slider.value != batcher[name]:
                slider.value = float(batcher[name])
            self._params[name] = batcher[name]

    def _title(
        self, recent: LaneStats | None = None, slo_ms: float | None = None, mode: str = "sim"
    ) -> Text:
        kind = "" if self.kind == self.lane else f"{self.kind} · "
        text = Text.assemble((self.lane, "bold"), " ", (kind, "dim"))
        styles = {"live": "bold reverse magenta", "waiting": "dim italic"}
        text.append(mode, style=styles.get(mode, "dim"))
        for label, style in alarms(recent, slo_ms) if recent else ():
            text.append(f" {label}", style=style)
        return text


def alarms(s: LaneStats, slo_ms: float | None) -> list[tuple[str, str]]:
    """The markers a lane shows: SLO missed, saturated, dropping requests."""
    out = []
    if slo_ms is not None and s.latency.p99 is not None and s.latency.p99 > slo_ms:
        out.append((f"SLO✗ p99>{fmt.ms(slo_ms)}ms", "bold red"))
    if s.device_busy >= SATURATED_BUSY and s.queued > 2 * max(s.batch_mean or 1, 1):
        out.append(("SATURATED", "bold yellow"))
    if s.rejected or s.failed:
        out.append(
            (f"DROPPING {fmt.rate((s.rejected + s.failed) / max(s.span_s, 1e-9))}/s", "bold red")
        )
    return out


def _numbers(s: LaneStats) -> Text:
    lat, wait, svc = s.latency, s.queue_wait, s.service
    text = Text()
    text.append("p50 ", style="dim")
    text.append(f"{fmt.ms(lat.p50)}", style="bold")
    text.append("  p99 ", style="dim")
    text.append(f"{fmt.ms(lat.p99)}", style="bold")
    text.append(" ms\n")
    text.append(f"p90 {fmt.ms(lat.p90)} · max {fmt.ms(lat.max)} ms\n", style="")
    text.append(f"{fmt.rate(s.throughput_rps)} req/s · busy {fmt.percent(s.device_busy)}\n")
    text.append(f"p50 = wait {fmt.ms(wait.p50)} + svc {fmt.ms(svc.p50)}\n", style="dim")
    text.append(
        f"batch {s.batch_mean or 0:.1f} · rej {s.rejected:,} · fail {s.failed:,}", style="dim"
    )
    return text


def _reasons(s: LaneStats) -> Text:
    total = sum(s.dispatch_reasons.values())
    if not total:
        return Text("no batches yet", style="dim")
    parts = [
        f"{name} {count / total:.0%}"
        for name, count in sorted(s.dispatch_reasons.items(), key=lambda kv: -kv[1])
    ]
    return Text(" · ".join(parts), style="dim")
