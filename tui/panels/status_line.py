"""The status line: what the engine is doing, the model, the SLO, the clock and the pace.

One line at every width: its parts are ranked, and the least important ones (the window,
the preset, the clock) give way first; the SLO, a pace that lags, PAUSED and LIVE never do.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from batchtui.engine.session import Snapshot
from batchtui.tui import format as fmt

SEP = " · "
Part = tuple[int, Text]  # (rank: lower is more important, text)


class StatusLine(Static):
    """One line at the top; the pace is shown in colour when the engine falls behind."""

    def __init__(self) -> None:
        super().__init__("batchtui · starting the engine…", id="status")
        self._parts: list[Part] | None = None

    def starting(self, stage: str, fraction: float) -> None:
        self._parts = None
        self.update(Text(f"batchtui · {stage} {fraction:.0%}", style="yellow"))

    def failed(self, message: str) -> None:
        self._parts = None
        self.update(Text(f"batchtui · engine stopped: {message}", style="bold red"))

    def running(self, snap: Snapshot, preset: str | None, slo_ms: float | None) -> None:
        self._parts = status_parts(snap, preset, slo_ms)
        self.update(self.fitted(self.content_size.width or 1_000))

    def on_resize(self) -> None:
        if self._parts is not None:
            self.update(self.fitted(self.content_size.width))

    def fitted(self, width: int) -> Text:
        """The parts that fit `width`, in their order."""
        parts = self._parts or []
        kept = fmt.fitting([(rank, t.cell_len + len(SEP)) for rank, t in parts], width + len(SEP))
        return Text(SEP).join(t for i, (_, t) in enumerate(parts) if i in kept)


def status_parts(snap: Snapshot, preset: str | None, slo_ms: float | None) -> list[Part]:
    """Everything the status line can say, ranked."""
    behind = snap.pace < 0.95
    slo = f"SLO p99 ≤ {slo_ms:g} ms" if slo_ms is not None else "no SLO (s)"
    parts: list[Part] = [
        (0, Text("batchtui", style="bold")),
        (1, Text(_model(snap.model))),
        (0, Text(slo, style="bold")),
        (3, Text(f"t={snap.clock:,.1f}s")),
        (0 if behind else 2, Text(f"pace {snap.pace:.2f}x", style="bold yellow" if behind else "")),
        (5, Text(f"window {snap.window_s:g}s")),
    ]
    if preset:
        parts.append((4, Text(f"preset {preset}", style="dim")))
    if snap.live_lane:
        parts.append((0, Text(f"{snap.live_lane} LIVE (others wait)", style="bold magenta")))
    if snap.paused:
        parts.append((0, Text("PAUSED", style="bold reverse")))
    return parts


def _model(model: dict[str, Any]) -> str:
    kind = model.get("kind", "?")
    if kind == "analytic":
        return f"analytic {model.get('base_ms', 0):g}+{model.get('per_item_ms', 0):g}n ms"
    device = model.get("device_name") or model.get("device") or ""
    return f"{kind} on {device}".strip()
