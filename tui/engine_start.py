"""Start the engine process and wait until it serves or fails, before any screen opens.

A model that cannot load (a missing file, a bad factory, ``--device cuda`` on a CPU-only
torch) is only known once the engine process has tried: the dashboard process never
imports torch. So the dashboard waits here, showing the engine's progress on stderr, and
a failure is one line and exit 2 instead of a dashboard that waits forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from batchtui.engine.errors import ConfigError
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import Engine, EngineClient, EngineFailed, Snapshot, Status

POLL_S = 0.1
STARTUP_TIMEOUT_S = 600.0  # warming up a large model with --compile can take minutes

EngineFactory = Callable[..., Engine]


class EngineStartFailed(ConfigError):
    """The engine process reported that it cannot serve this scenario (its message says why)."""


def start_engine(
    scenario: Scenario,
    *,
    paused: bool = False,
    factory: EngineFactory = EngineClient,
    on_status: Callable[[str, float], None] | None = None,
    timeout_s: float = STARTUP_TIMEOUT_S,
) -> tuple[Engine, Snapshot]:
    """A running engine and its first snapshot; EngineStartFailed (engine stopped) if it
    cannot start. Ctrl-C while waiting stops the engine and propagates."""
    engine = factory(scenario, paused=paused)
    try:
        return engine, _first_snapshot(engine, on_status, timeout_s)
    except BaseException:
        engine.close()
        raise


def _first_snapshot(
    engine: Engine, on_status: Callable[[str, float], None] | None, timeout_s: float
) -> Snapshot:
    deadline = time.monotonic() + timeout_s
    stage = ("starting the engine", 0.0)  # until the engine says more (importing torch…)
    while time.monotonic() < deadline:
        for event in engine.events(timeout=POLL_S):
            if isinstance(event, Snapshot):
                return event
            if isinstance(event, EngineFailed):
                # Named by the setting at fault when the engine knows it, so the caller can
                # name the user's own flag.
                raise EngineStartFailed(event.where or "engine", event.reason or event.message)
            if isinstance(event, Status):
                stage = (event.stage, event.fraction)
        if on_status is not None:
            on_status(*stage)  # every poll, so a quiet stretch still shows where it is
    raise EngineStartFailed("engine", f"did not start within {timeout_s:g} s")
