"""A stand-in for the engine process that hands over one snapshot of a seeded simulation.

Every run draws exactly the same figures, so pictures and layout checks are deterministic;
the real engine process is what tests/tui/test_app.py drives.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from textual.pilot import Pilot

from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import Snapshot
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.dashboard_scenario import dashboard_scenario

SIZES = [(80, 24), (100, 30), (130, 40), (160, 48), (220, 60)]
"""Every size the dashboard is checked at, smallest to largest."""
OVERLOAD_RPS = 20_000.0  # the analytic model serves about 9k req/s at batch 32: all saturate


class FixedEngine:
    """One deterministic snapshot after `seconds` of simulation; commands are recorded."""

    seconds = 4.0

    def __init__(self, scenario: Scenario, paused: bool = False) -> None:
        lab = Lab(scenario)
        lab.advance_to(self.seconds)
        self._pending: list[Any] = [
            Snapshot(
                clock=lab.clock,
                pace=1.0,
                paused=True,
                load=lab.load,
                model=lab.model,
                window_s=10.0,
                recent=lab.snapshot(window_s=10.0).lanes,
                total=lab.snapshot().lanes,
            )
        ]
        self.sent: list[Any] = []

    def events(self, timeout: float = 0.0) -> list[Any]:
        out, self._pending = self._pending, []
        return out

    def send(self, command: Any) -> None:
        self.sent.append(command)

    def close(self) -> None:
        """Nothing to stop."""


def fixed_app(overloaded: bool = False) -> BatchTuiApp:
    """The default dashboard on the analytic model, paused, fed by a FixedEngine."""
    scenario = dashboard_scenario(model=ModelSpec("analytic"))
    if overloaded:
        load = LoadSpec(rate_rps=OVERLOAD_RPS)
        scenario = dataclasses.replace(scenario, load=load, max_queue=5_000)
    return BatchTuiApp(scenario, start_paused=True, engine_factory=FixedEngine)


async def settle(pilot: Pilot[None], render_s: float = 0.5) -> None:
    """Until the app has drawn the fixed snapshot, then ``render_s`` for it to be rendered,
    charts included. A fixed pause alone was too short on a loaded CI machine: the charts
    still said "no data yet"."""
    app = pilot.app
    assert isinstance(app, BatchTuiApp)
    deadline = time.monotonic() + 20.0
    while app._drawn is None and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await pilot.pause(render_s)
