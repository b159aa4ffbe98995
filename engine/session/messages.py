"""What the UI and the engine process say to each other: small immutable values.

Commands go to the engine; the engine answers with status updates, snapshots and errors.
Everything here pickles, and nothing imports torch, so the UI process stays torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchtui.engine.live.check import SideBySideCheck
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats


@dataclass(frozen=True)
class Pause:
    """Stop the clock: no arrivals, no batches, nothing redrawn."""


@dataclass(frozen=True)
class Resume:
    """Carry on from where the clock stopped."""


@dataclass(frozen=True)
class ResetStats:
    """Start every lane's statistics afresh (the simulation itself carries on)."""


@dataclass(frozen=True)
class SetLoad:
    """Change the arrival pattern or rate from now on."""

    load: LoadSpec


@dataclass(frozen=True)
class SetLaneParams:
    """Change one lane's batcher parameters now."""

    lane: str
    params: dict[str, Any]


@dataclass(frozen=True)
class RunSideBySideCheck:
    """Serve a few seconds of the current load live with one lane's settings (the clock
    stops meanwhile), and simulate the same arrivals, to verify what the simulator shows."""

    lane: str
    seconds: float = 5.0


@dataclass(frozen=True)
class CancelCheck:
    """Stop the live check under way (its figures are dropped); the clock carries on."""


@dataclass(frozen=True)
class SwitchToWallClock:
    """Serve this lane on the wall clock from now on, the others waiting (None: all back to
    the simulator)."""

    lane: str | None


@dataclass(frozen=True)
class SetSlo:
    """Measure goodput (requests within the SLO per second) against this p99 SLO from now on."""

    ms: float


@dataclass(frozen=True)
class Stop:
    """End the engine process."""


Command = (
    Pause
    | Resume
    | ResetStats
    | SetLoad
    | SetLaneParams
    | RunSideBySideCheck
    | CancelCheck
    | SwitchToWallClock
    | SetSlo
    | Stop
)


@dataclass(frozen=True)
class Status:
    """What the engine is doing while it cannot serve yet (loading, warming up)."""

    stage: str
    fraction: float


@dataclass(frozen=True)
class CommandFailed:
    """A command was refused (e.g. a value out of range); nothing changed."""

    command: str
    message: str


@dataclass(frozen=True)
class CheckCancelled:
    """The live check of ``lane`` was cancelled as asked; it has no figures."""

    lane: str


@dataclass(frozen=True)
class EngineFailed:
    """The engine could not start or stopped on an error; it has exited.

    ``where`` and ``reason`` split a configuration error into the setting at fault (the
    engine's name for it, e.g. ``path``) and what is wrong, so the UI can name its own flag.
    """

    message: str
    where: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Every lane's figures at one instant, as the dashboard shows them."""

    clock: float  # virtual seconds since the start
    pace: float  # virtual seconds per wall second lately (1.0 = keeping up with real time)
    paused: bool
    load: LoadSpec
    model: dict[str, Any]
    window_s: float
    recent: tuple[LaneStats, ...]  # over the last window_s
    total: tuple[LaneStats, ...]  # since the last reset
    live_lane: str | None = None  # the lane served on the wall clock (the others wait)
    # Lane -> the clock when its settings last changed (absent: as started). The window
    # holds only batches served with the current settings once clock - window_s passes it.
    settings_since: dict[str, float] = field(default_factory=dict)


Event = Status | CommandFailed | CheckCancelled | EngineFailed | Snapshot | SideBySideCheck
