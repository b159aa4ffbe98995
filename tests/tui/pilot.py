"""Helpers for driving the real dashboard with Pilot against a real engine process."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.dashboard_scenario import dashboard_scenario


def analytic_scenario() -> Scenario:
    """The default dashboard scenario with the analytic cost: fast to start, no torch."""
    return dashboard_scenario(model=ModelSpec("analytic"))


async def wait_until(
    pilot: Pilot[None],
    condition: Callable[[], bool],
    timeout: float = 20.0,
    shown: Callable[[], object] | None = None,
) -> None:
    """Let the app run until ``condition`` holds (the engine works in real time); on a
    timeout, ``shown`` says what the app showed instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.1)
    instead = "" if shown is None else f"; shown instead: {shown()!r}"
    raise AssertionError(f"condition not met in {timeout:g} s{instead}")


def numbers(app: BatchTuiApp, lane: str) -> str:
    """The text of a lane's numbers block as shown."""
    return str(app.query_one(f"#numbers-{lane}").render())
