"""Pictures of the dashboard in a fixed, paused state at 80x24 and 160x48.

The engine is replaced by one that hands over a single snapshot computed in-process from
a seeded simulation, so every run draws exactly the same figures. Update the pictures
after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from batchtui.engine.lab import Lab
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import Snapshot
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.dashboard_scenario import dashboard_scenario


class FixedEngine:
    """Stands in for the engine process: one deterministic snapshot, commands recorded."""

    def __init__(self, scenario: Scenario, paused: bool = False) -> None:
        lab = Lab(scenario)
        lab.advance_to(4.0)
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


def fixed_app() -> BatchTuiApp:
    scenario = dashboard_scenario(model=ModelSpec("analytic"))
    return BatchTuiApp(scenario, start_paused=True, engine_factory=FixedEngine)


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause(0.8)  # the snapshot is read and drawn, charts included


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_paused_dashboard_looks_the_same(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(fixed_app(), terminal_size=size, run_before=settle)
