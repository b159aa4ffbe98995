"""The status line: what the engine is doing, the model, the clock and the pace."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from batchtui.engine.session import Snapshot


class StatusLine(Static):
    """One line at the top; the pace is shown in colour when the engine falls behind."""

    def __init__(self) -> None:
        super().__init__("batchtui · starting the engine…", id="status")

    def starting(self, stage: str, fraction: float) -> None:
        self.update(Text(f"batchtui · {stage} {fraction:.0%}", style="yellow"))

    def failed(self, message: str) -> None:
        self.update(Text(f"batchtui · engine stopped: {message}", style="bold red"))

    def running(self, snap: Snapshot, preset: str | None) -> None:
        text = Text("batchtui · ", style="bold")
        text.append(_model(snap.model))
        text.append(f" · t={snap.clock:,.1f}s")
        pace_style = "" if snap.pace >= 0.95 else "bold yellow"
        text.append(f" · pace {snap.pace:.2f}x", style=pace_style)
        text.append(f" · window {snap.window_s:g}s")
        if preset:
            text.append(f" · preset {preset}", style="dim")
        if snap.live_lane:
            text.append(f" · {snap.live_lane} LIVE (others wait)", style="bold magenta")
        if snap.paused:
            text.append(" · PAUSED", style="bold reverse")
        self.update(text)


def _model(model: dict[str, Any]) -> str:
    kind = model.get("kind", "?")
    if kind == "analytic":
        return f"analytic {model.get('base_ms', 0):g}+{model.get('per_item_ms', 0):g}n ms"
    device = model.get("device_name") or model.get("device") or ""
    return f"{kind} on {device}".strip()
